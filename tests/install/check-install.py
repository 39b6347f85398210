#!/usr/bin/env python3
# `meson install --destdir` into a scratch directory installs exactly what
# administrators, packagers and the desktop expect, and it works there:
#  - the file list: both programs, desktop file, metainfo, schema, icons,
#    the translations of po/LINGUAS, the man pages, and for the server the
#    systemd unit, the example configuration and the inbound email script —
#    nothing missing, nothing else;
#  - programs and the script are executable; the installed server runs;
#  - the unit starts the installed server; the .mo files translate.
# TAP output.
#
# Usage: check-install.py MESON BUILD_DIR LINGUAS SERVER(true|false) APP(true|false)
#        PREFIX BINDIR DATADIR LIBEXECDIR LOCALEDIR MANDIR UNITDIR

import gettext
import os
import subprocess
import sys
import tempfile

APP_ID = 'io.github.teamchat.TeamChat'

results = []


def report(ok, name, details=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name))
    if not ok:
        for line in details.splitlines():
            print('#   ' + line)


def read_linguas(path):
    langs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            langs.extend(line.split('#', 1)[0].split())
    return langs


def main():
    (meson, build_dir, linguas, server, app, prefix, bindir, datadir, libexecdir,
     localedir, mandir, unitdir) = sys.argv[1:13]
    server = server == 'true'
    app = app == 'true'
    if unitdir == '':
        unitdir = os.path.join(prefix, 'lib', 'systemd', 'system')
    langs = read_linguas(linguas)

    def under_prefix(*parts):
        path = os.path.join(*parts)
        return path if os.path.isabs(path) else os.path.join(prefix, path)

    expected = {}   # path under the prefix → must it be executable?
    if server:
        expected[under_prefix(bindir, 'teamchat-server')] = True
        expected[under_prefix(libexecdir, 'teamchat-inbound-email')] = True
        expected[under_prefix(datadir, 'doc', 'teamchat-server', 'server.conf.example')] = False
        expected[under_prefix(mandir, 'man1', 'teamchat-server.1')] = False
        if unitdir != 'no':
            expected[under_prefix(unitdir, 'teamchat-server.service')] = False
    if app:
        expected[under_prefix(bindir, 'teamchat')] = True
        expected[under_prefix(mandir, 'man1', 'teamchat.1')] = False
        expected[under_prefix(datadir, 'applications', APP_ID + '.desktop')] = False
        expected[under_prefix(datadir, 'metainfo', APP_ID + '.metainfo.xml')] = False
        expected[under_prefix(datadir, 'glib-2.0', 'schemas', APP_ID + '.gschema.xml')] = False
        expected[under_prefix(datadir, 'icons', 'hicolor', 'scalable', 'apps',
                              APP_ID + '.svg')] = False
        expected[under_prefix(datadir, 'icons', 'hicolor', 'symbolic', 'apps',
                              APP_ID + '-symbolic.svg')] = False
        for lang in langs:
            expected[under_prefix(localedir, lang, 'LC_MESSAGES', 'teamchat.mo')] = False

    print('1..5')
    with tempfile.TemporaryDirectory() as destdir:
        proc = subprocess.run([meson, 'install', '-C', build_dir, '--destdir', destdir,
                               '--no-rebuild', '--quiet'],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        if proc.returncode != 0:
            report(False, 'meson install --destdir', proc.stdout)
            return 1

        def staged(path):
            return os.path.join(destdir, path.lstrip('/'))

        installed = set()
        for dirpath, _, filenames in os.walk(destdir):
            for name in filenames:
                installed.add('/' + os.path.relpath(os.path.join(dirpath, name), destdir))
        missing = sorted(set(expected) - installed)
        extra = sorted(installed - set(expected))
        report(not missing and not extra,
               'meson install --destdir installs the %d expected files' % len(expected),
               ''.join('missing: %s\n' % p for p in missing) +
               ''.join('not expected (add it to tests/install/check-install.py if it '
                       'belongs): %s\n' % p for p in extra))

        not_executable = [p for p, x in expected.items()
                          if x and p in installed and not os.access(staged(p), os.X_OK)]
        report(not not_executable, 'programs and scripts are executable',
               '\n'.join(not_executable))

        if server:
            program = staged(under_prefix(bindir, 'teamchat-server'))
            proc = subprocess.run([program, '--version'], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True)
            report(proc.returncode == 0 and 'teamchat' in proc.stdout,
                   'the installed teamchat-server runs: %s' % proc.stdout.strip(), proc.stdout)
        else:
            report(True, 'the installed teamchat-server runs # SKIP built without the server')

        unit = under_prefix(unitdir, 'teamchat-server.service')
        if server and unitdir != 'no' and unit in installed:
            with open(staged(unit), encoding='utf-8') as f:
                text = f.read()
            want = 'ExecStart=%s serve ' % under_prefix(bindir, 'teamchat-server')
            report(want in text and '@bindir@' not in text,
                   'the unit starts the installed server (%s…)' % want.strip(), text)
        else:
            report(True, 'the unit starts the installed server # SKIP no unit installed')

        if app and langs:
            untranslated = []
            for lang in langs:
                mo = staged(under_prefix(localedir, lang, 'LC_MESSAGES', 'teamchat.mo'))
                try:
                    with open(mo, 'rb') as f:
                        catalog = gettext.GNUTranslations(f)
                except OSError as e:
                    untranslated.append('%s: %s' % (lang, e))
                    continue
                if catalog.gettext('Team Messenger') == 'Team Messenger':
                    untranslated.append('%s: "Team Messenger" is not translated' % lang)
            report(not untranslated, 'the installed translations (%s) translate'
                   % ', '.join(langs), '\n'.join(untranslated))
        else:
            report(True, 'the installed translations translate # SKIP no app or no language')
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())

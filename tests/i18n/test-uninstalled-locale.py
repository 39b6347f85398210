#!/usr/bin/env python3
# The uninstalled app speaks every language of po/LINGUAS: runs the built
# `teamchat --help` the way `meson devenv` does (TEAMCHAT_LOCALEDIR = the
# build's po/ directory) with LANGUAGE=<lang> and checks that the option
# descriptions come out translated, as the .mo compiled in the build says.
# No display needed: --help is answered before GTK starts. TAP output.
#
# Usage: test-uninstalled-locale.py TEAMCHAT LOCALEDIR SCHEMA_DIR LINGUAS

import gettext
import os
import subprocess
import sys

# Strings of `teamchat --help` (app/src/tc-application.c).
HELP_MSGIDS = ['Address of the Team Chat server', 'Show the version and quit']


def read_linguas(path):
    langs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            langs.extend(line.split('#', 1)[0].split())
    return langs


def main():
    app, localedir, schema_dir, linguas = sys.argv[1:5]
    langs = read_linguas(linguas)
    print('1..%d' % max(len(langs), 1))
    if not langs:
        print('ok 1 # SKIP po/LINGUAS lists no language')
        return 0
    failed = False
    for number, lang in enumerate(langs, 1):
        catalog = gettext.translation('teamchat', localedir=localedir,
                                      languages=[lang], fallback=True)
        expected = [(m, catalog.gettext(m)) for m in HELP_MSGIDS]
        expected = [(m, t) for m, t in expected if t != m]
        if not expected:
            print('ok %d - %s # SKIP none of the --help strings is translated in %s.mo'
                  % (number, lang, lang))
            continue
        env = dict(os.environ,
                   LANG='C.UTF-8', LC_ALL='', LANGUAGE=lang,
                   TEAMCHAT_LOCALEDIR=localedir,
                   GSETTINGS_SCHEMA_DIR=schema_dir, GSETTINGS_BACKEND='memory')
        env.pop('LC_ALL')
        env.pop('LC_MESSAGES', None)
        proc = subprocess.run([app, '--help'], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True,
                              env=env, timeout=60)
        missing = [t for _, t in expected if t not in proc.stdout]
        if proc.returncode != 0 or missing:
            failed = True
            print('not ok %d - %s: teamchat --help is not translated' % (number, lang))
            print('# exit status %d; missing: %s' % (proc.returncode, missing))
            for line in (proc.stdout + proc.stderr).splitlines():
                print('#   ' + line)
        else:
            print('ok %d - %s: "%s"' % (number, lang, expected[0][1]))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

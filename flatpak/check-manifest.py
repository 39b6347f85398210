#!/usr/bin/env python3
# Checks the Flatpak manifest against the rest of the build:
#  - it is valid JSON without duplicate keys, and flatpak-builder (when
#    installed) reads it without a warning (unknown key, wrong type, unknown
#    source type);
#  - its id is the app id, its command the installed program, which is also
#    what the desktop file runs; the desktop file and metainfo name the same
#    id, icon, launchable and binary;
#  - runtime and SDK are org.gnome.Platform / org.gnome.Sdk of one version;
#  - finish-args hold what the app needs and nothing more: notifications and
#    secrets go through portals, so no D-Bus names, no home directory;
#  - the app module builds with meson, without the server, with options that
#    exist in meson_options.txt; other modules pin every download (sha256).
#
# Usage: check-manifest.py MANIFEST APP_ID COMMAND DESKTOP_IN METAINFO_IN MESON_OPTIONS

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

REQUIRED_ARGS = ['--share=network', '--share=ipc', '--socket=wayland',
                 '--socket=fallback-x11', '--device=dri']
# Why an argument is refused, for the failure message.
REFUSED_ARGS = {
    '--socket=x11': 'use --socket=fallback-x11 (X11 only where Wayland is missing)',
    '--talk-name=org.freedesktop.Notifications':
        'libnotify >= 0.8 uses the notification portal inside Flatpak',
    '--talk-name=org.freedesktop.secrets':
        'libsecret uses the Secret portal inside Flatpak',
    '--filesystem=home': 'the app opens no files outside its sandbox',
    '--filesystem=host': 'the app opens no files outside its sandbox',
    '--device=all': '--device=dri is enough for GTK rendering',
}


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError('key "%s" appears twice in one object' % key)
        seen[key] = value
    return seen


def desktop_entry(path):
    entry = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if '=' in line and not line.startswith('#') and '[' not in line.split('=', 1)[0]:
                key, value = line.split('=', 1)
                entry[key.strip()] = value.strip()
    return entry


def meson_option_names(path):
    with open(path, encoding='utf-8') as f:
        return set(re.findall(r"option\(\s*'([^']+)'", f.read()))


def flatpak_builder_problems(manifest):
    builder = shutil.which('flatpak-builder')
    if builder is None:
        print('# flatpak-builder not installed: JSON checks only')
        return []
    env = dict(os.environ, G_DEBUG='fatal-warnings')
    proc = subprocess.run([builder, '--show-manifest', manifest],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=env)
    if proc.returncode != 0 or 'WARNING' in proc.stderr:
        return ['flatpak-builder --show-manifest does not accept it (exit %d):\n%s'
                % (proc.returncode, proc.stderr.strip())]
    print('# flatpak-builder --show-manifest accepts it')
    return []


def main():
    if len(sys.argv) != 7:
        print('usage: check-manifest.py MANIFEST APP_ID COMMAND DESKTOP_IN '
              'METAINFO_IN MESON_OPTIONS', file=sys.stderr)
        return 2
    manifest_path, app_id, command, desktop_in, metainfo_in, options_path = sys.argv[1:]
    problems = []

    try:
        with open(manifest_path, encoding='utf-8') as f:
            manifest = json.load(f, object_pairs_hook=no_duplicates)
    except (OSError, ValueError) as e:
        print('FAIL: %s is not valid JSON: %s' % (manifest_path, e))
        return 1

    name = os.path.basename(manifest_path)
    manifest_id = manifest.get('id', manifest.get('app-id'))
    if manifest_id != app_id:
        problems.append('id is "%s", the app id is "%s"' % (manifest_id, app_id))
    if name not in (app_id + '.json', app_id + '.yml', app_id + '.yaml'):
        problems.append('the manifest file should be named %s.json' % app_id)
    if manifest.get('command') != command:
        problems.append('command is "%s", the app installs "%s"'
                        % (manifest.get('command'), command))

    if manifest.get('runtime') != 'org.gnome.Platform':
        problems.append('runtime should be org.gnome.Platform')
    if manifest.get('sdk') != 'org.gnome.Sdk':
        problems.append('sdk should be org.gnome.Sdk')
    if not re.fullmatch(r'\d+', str(manifest.get('runtime-version', ''))):
        problems.append('runtime-version should be a stable GNOME release such as "50", '
                        'not "%s"' % manifest.get('runtime-version'))

    args = manifest.get('finish-args', [])
    for arg in REQUIRED_ARGS:
        if arg not in args:
            problems.append('finish-args lacks %s' % arg)
    for arg in args:
        if arg in REFUSED_ARGS:
            problems.append('finish-args must not have %s: %s' % (arg, REFUSED_ARGS[arg]))
        elif arg not in REQUIRED_ARGS:
            problems.append('finish-args has %s, which the app does not need '
                            '(add it to this check with the reason if it does)' % arg)

    modules = manifest.get('modules', [])
    if not modules or not isinstance(modules[-1], dict):
        problems.append('the last module must be the app itself')
    else:
        app_module = modules[-1]
        if app_module.get('buildsystem') != 'meson':
            problems.append('the app module should use buildsystem "meson"')
        opts = app_module.get('config-opts', [])
        if '-Dserver=false' not in opts:
            problems.append('the app module must build without the server: -Dserver=false')
        known = meson_option_names(options_path)
        for opt in opts:
            m = re.match(r'-D([\w-]+)=', opt)
            if m and '.' not in m.group(1) and m.group(1) not in known and \
               m.group(1) not in ('buildtype', 'prefix', 'libdir', 'werror', 'b_lto'):
                problems.append('config-opts sets -D%s, which meson_options.txt does not '
                                'define' % m.group(1))
        for module in modules[:-1]:
            if not isinstance(module, dict):
                continue   # a path to a shared module file
            for source in module.get('sources', []):
                if source.get('type') in ('archive', 'file') and 'url' in source:
                    if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                        problems.append('module %s: %s has no sha256'
                                        % (module.get('name'), source['url']))
                if source.get('type') == 'git' and 'commit' not in source and 'tag' not in source:
                    problems.append('module %s: pin the git source with a commit'
                                    % module.get('name'))

    entry = desktop_entry(desktop_in)
    exec_words = entry.get('Exec', '').split()
    if not exec_words or exec_words[0] != manifest.get('command'):
        problems.append('the desktop file runs "%s", the manifest command is "%s"'
                        % (entry.get('Exec'), manifest.get('command')))
    if entry.get('Icon') != app_id:
        problems.append('the desktop file icon is "%s", not the app id' % entry.get('Icon'))
    if os.path.basename(desktop_in) != app_id + '.desktop.in':
        problems.append('the desktop file should be %s.desktop' % app_id)

    root = ET.parse(metainfo_in).getroot()
    if root.findtext('id') != app_id:
        problems.append('metainfo <id> is "%s"' % root.findtext('id'))
    launchable = root.find('launchable')
    if launchable is None or launchable.text != app_id + '.desktop':
        problems.append('metainfo <launchable> should be %s.desktop' % app_id)
    binaries = [b.text for b in root.findall('provides/binary')]
    if binaries and manifest.get('command') not in binaries:
        problems.append('metainfo <provides><binary> lists %s, not the command' % binaries)

    problems += flatpak_builder_problems(manifest_path)

    if problems:
        for p in problems:
            print('FAIL: ' + p)
        return 1
    print('%s: %s runs %s on %s//%s; finish-args %s' % (
        name, manifest_id, manifest.get('command'), manifest.get('runtime'),
        manifest.get('runtime-version'), ' '.join(args)))
    return 0


if __name__ == '__main__':
    sys.exit(main())

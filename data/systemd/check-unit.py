#!/usr/bin/env python3
# Checks the systemd unit of the server:
#  - it keeps the sandboxing docs/operations.md promises (dynamic user, state
#    directory, read-only system, no new privileges, …);
#  - `systemd-analyze verify` accepts it without a single complaint, with
#    ExecStart pointing at the teamchat-server of this build;
#  - `systemd-analyze security --offline` rates its exposure at most 2.0.
# Exits 77 (skipped) where systemd-analyze is missing. TAP output.
#
# Usage: check-unit.py UNIT_IN TEAMCHAT_SERVER

import os
import re
import shutil
import subprocess
import sys
import tempfile

REQUIRED = {
    'DynamicUser': 'yes',
    'StateDirectory': 'teamchat',
    'ProtectSystem': 'strict',
    'ProtectHome': 'yes',
    'NoNewPrivileges': 'yes',
    'PrivateTmp': 'yes',
    'PrivateDevices': 'yes',
    'RestrictAddressFamilies': 'AF_INET AF_INET6 AF_UNIX',
    'CapabilityBoundingSet': '',
}
MAX_EXPOSURE = '2.0'


def service_settings(text):
    settings = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(('#', ';')):
            continue
        if line.startswith('['):
            section = line
            continue
        if section == '[Service]' and '=' in line:
            key, value = line.split('=', 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def main():
    unit_in, server = sys.argv[1:3]
    with open(unit_in, encoding='utf-8') as f:
        template = f.read()
    print('1..3')

    settings = service_settings(template)
    missing = ['%s=%s' % (k, v) for k, v in REQUIRED.items() if v not in settings.get(k, [])]
    exec_start = settings.get('ExecStart', [''])[0]
    if not exec_start.startswith('@bindir@/teamchat-server serve '):
        missing.append('ExecStart=@bindir@/teamchat-server serve …')
    if missing:
        print('not ok 1 - sandboxing: missing %s' % ', '.join(missing))
    else:
        print('ok 1 - sandboxing settings present')

    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        print('ok 2 # SKIP systemd-analyze is not installed')
        print('ok 3 # SKIP systemd-analyze is not installed')
        return 1 if missing else 0

    failed = bool(missing)
    with tempfile.TemporaryDirectory() as tmpdir:
        unit = os.path.join(tmpdir, 'teamchat-server.service')
        with open(unit, 'w', encoding='utf-8') as f:
            f.write(template.replace('@bindir@', os.path.dirname(os.path.abspath(server))))
        env = dict(os.environ, SYSTEMD_LOG_COLOR='0', SYSTEMD_COLORS='0', LC_ALL='C')

        proc = subprocess.run([analyze, 'verify', '--man=no', unit],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, env=env)
        # Complaints about other units of this machine are not ours.
        ours = [l for l in proc.stdout.splitlines()
                if 'teamchat-server' in l or tmpdir in l]
        if proc.returncode != 0 or ours:
            failed = True
            print('not ok 2 - systemd-analyze verify (exit %d)' % proc.returncode)
            for line in proc.stdout.splitlines():
                print('#   ' + line)
        else:
            print('ok 2 - systemd-analyze verify')

        proc = subprocess.run([analyze, 'security', '--offline=yes',
                               '--threshold=' + str(int(float(MAX_EXPOSURE) * 10)), unit],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, env=env)
        level = re.search(r'Overall exposure level for \S+: ([\d.]+)', proc.stdout)
        if proc.returncode != 0 or level is None:
            failed = True
            print('not ok 3 - systemd-analyze security: exposure %s, at most %s allowed'
                  % (level.group(1) if level else '?', MAX_EXPOSURE))
            for line in proc.stdout.splitlines():
                if line.startswith('✗'):
                    print('#   ' + line.rstrip())
        else:
            print('ok 3 - systemd-analyze security: exposure %s' % level.group(1))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

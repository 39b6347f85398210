#!/usr/bin/env python3
# Checks a man page against the program it documents:
#  - groff formats it without a warning (-ww);
#  - every command of the program (the lines of its usage, for
#    teamchat-server) has a section, and every option that `--help` (or
#    `COMMAND --help`, or `--help-all`) lists appears in the page;
#  - every --option the page names exists in one of those lists.
# TAP output.
#
# Usage: check-man.py PAGE PROGRAM [NAME=VALUE ...]   (environment for PROGRAM)

import os
import re
import shutil
import subprocess
import sys

OPTION = re.compile(r'(?<![\w-])(--[a-z][a-z0-9-]*)')
# Options that GLib adds to every GOptionContext; a page may name them.
GLIB_HELP = {'--help', '--help-all', '--help-gapplication'}


def run(args, env):
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=env, timeout=60)
    return proc.returncode, proc.stdout


def render(page):
    """The page as plain text, on lines long enough that no option is
    hyphenated or broken."""
    proc = subprocess.run(['groff', '-man', '-Tascii', '-rLL=400n', '-rHY=0',
                           '-P-c', '-P-b', '-P-u', '-P-o', page],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=dict(os.environ, LC_ALL='C'))
    return proc.stdout


def program_interface(program, env):
    """{command or '': set of options} from the program's own help."""
    name = os.path.basename(program)
    status, usage = run([program, '--help'], env)
    if status != 0:
        raise RuntimeError('%s --help failed (exit %d):\n%s' % (name, status, usage))
    interface = {'': set(OPTION.findall(usage)) | {'--help'}}
    commands = []
    for line in usage.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == name and re.fullmatch(r'[a-z][a-z-]*', words[1]):
            commands.append(words[1])
    for command in commands:
        status, text = run([program, command, '--help'], env)
        if status != 0:
            raise RuntimeError('%s %s --help failed (exit %d):\n%s'
                               % (name, command, status, text))
        interface[command] = set(OPTION.findall(text)) - GLIB_HELP
    if not commands:
        status, text = run([program, '--help-all'], env)
        if status == 0:
            interface[''] |= set(OPTION.findall(text))
    return interface


def main():
    page, program = sys.argv[1:3]
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='C')
    for assignment in sys.argv[3:]:
        key, value = assignment.split('=', 1)
        env[key] = value
    print('1..3')
    failed = False

    if shutil.which('groff') is None:
        print('ok 1 # SKIP groff is not installed')
        print('ok 2 # SKIP groff is not installed')
        print('ok 3 # SKIP groff is not installed')
        return 0

    proc = subprocess.run(['groff', '-man', '-ww', '-z', '-Tutf8', page],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=dict(os.environ, LC_ALL='C'))
    if proc.returncode != 0 or proc.stdout.strip():
        failed = True
        print('not ok 1 - groff -ww warns about %s' % os.path.basename(page))
        for line in proc.stdout.splitlines():
            print('#   ' + line)
    else:
        print('ok 1 - groff formats %s without warnings' % os.path.basename(page))

    text = render(page)
    interface = program_interface(program, env)
    documented = set(OPTION.findall(text))
    missing = []
    for command, options in sorted(interface.items()):
        if command and not re.search(r'^\s*%s\s*$' % re.escape(command), text, re.M):
            missing.append('the command "%s" has no section' % command)
        for option in sorted(options - documented - GLIB_HELP):
            missing.append('%s%s is not described' % (command + ' ' if command else '', option))
    if missing:
        failed = True
        print('not ok 2 - the page misses what the program has')
        for m in missing:
            print('#   ' + m)
    else:
        print('ok 2 - every command (%d) and option (%d) of %s is described'
              % (len(interface) - 1, len(set().union(*interface.values())),
                 os.path.basename(program)))

    known = set().union(*interface.values()) | GLIB_HELP
    unknown = sorted(documented - known)
    if unknown:
        failed = True
        print('not ok 3 - the page names options the program does not have: %s'
              % ', '.join(unknown))
    else:
        print('ok 3 - every option the page names exists')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

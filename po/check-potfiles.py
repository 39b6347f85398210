#!/usr/bin/env python3
# Checks po/POTFILES.in against the source tree:
#  (a) every file it lists exists, and is listed once;
#  (b) every file under app/, common/ or data/ that has translatable strings
#      is listed (po/POTFILES.skip may exclude files or whole directories).
# A file "has translatable strings" when a quick scan finds a gettext call
# (_(, N_(, C_(, NC_(, ngettext(...), a translatable="yes" attribute, a
# desktop Name/Comment/Keywords key, AppStream texts or a schema summary, and
# xgettext (with the same keywords as the glib preset) really extracts a
# message from it. Each problem is reported with the file to add or remove.
#
# Usage: check-potfiles.py SOURCE_ROOT

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from potgen import GLIB_PRESET  # noqa: E402

SCAN_DIRS = ('app', 'common', 'data')

C_CALL = re.compile(
    r'(?<![\w.>])(?:_|N_|C_|NC_|Q_|ngettext|g_dngettext|g_dpgettext2?|'
    r'g_dcgettext|dgettext|dngettext|pgettext|npgettext)\s*\(')
UI_TRANSLATABLE = re.compile(r'translatable\s*=\s*["\'](?:yes|true|1)["\']', re.I)
BLP_TRANSLATABLE = re.compile(r'(?<![\w])(?:_|C_)\s*\(\s*"')
DESKTOP_KEY = re.compile(r'^(?:Name|GenericName|Comment|Keywords|X-GNOME-FullName)(?:\[[^]]*\])?\s*=\s*\S', re.M)
METAINFO_TEXT = re.compile(r'<(?:name|summary|description|caption|developer_name|keyword)\b')
GSCHEMA_TEXT = re.compile(r'<(?:summary|description)\b|<default\b[^>]*\bl10n=')

# The keywords of meson's glib preset, as po/meson.build extracts them.
XGETTEXT_ARGS = [a for a in GLIB_PRESET if a.startswith(('--from-code', '--keyword'))]


def kind_of(path):
    name = os.path.basename(path)
    if name.endswith(('.c', '.h')):
        return 'c'
    if name.endswith('.ui'):
        return 'ui'
    if name.endswith('.blp'):
        return 'blp'
    if name.endswith(('.desktop.in', '.desktop')):
        return 'desktop'
    if name.endswith(('.metainfo.xml.in', '.appdata.xml.in',
                      '.metainfo.xml', '.appdata.xml')):
        return 'metainfo'
    if name.endswith('.gschema.xml'):
        return 'gschema'
    return None


def scan_says_translatable(path, kind):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError:
        return False
    if kind == 'c':
        return C_CALL.search(text) is not None
    if kind == 'ui':
        return UI_TRANSLATABLE.search(text) is not None
    if kind == 'blp':
        return BLP_TRANSLATABLE.search(text) is not None
    if kind == 'desktop':
        return DESKTOP_KEY.search(text) is not None
    if kind == 'metainfo':
        return METAINFO_TEXT.search(text) is not None
    if kind == 'gschema':
        return GSCHEMA_TEXT.search(text) is not None
    return False


def xgettext_extracts(xgettext, path, tmpdir):
    """True/False when xgettext can tell; None when it cannot read the file
    (then the quick scan decides)."""
    out = os.path.join(tmpdir, 'out.pot')
    if os.path.exists(out):
        os.unlink(out)
    args = [xgettext, '--output=' + out, '--force-po'] + XGETTEXT_ARGS + [path]
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0 or not os.path.exists(out):
        return None
    with open(out, encoding='utf-8', errors='replace') as f:
        msgids = re.findall(r'^msgid ', f.read(), re.M)
    return len(msgids) > 1  # the first one is the header


def read_list(path):
    """Entries of a POTFILES-style file: (line number, path)."""
    entries = []
    if not os.path.exists(path):
        return entries
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            line = re.sub(r'^\[[^]]*\]\s*', '', line)  # intltool "[type: ...]"
            entries.append((number, line))
    return entries


def main():
    if len(sys.argv) != 2:
        print('usage: check-potfiles.py SOURCE_ROOT', file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    potfiles = os.path.join(root, 'po', 'POTFILES.in')
    skipfile = os.path.join(root, 'po', 'POTFILES.skip')
    if not os.path.exists(potfiles):
        print('po/POTFILES.in is missing', file=sys.stderr)
        return 1

    problems = []
    listed = {}
    for number, entry in read_list(potfiles):
        norm = os.path.normpath(entry)
        if norm in listed:
            problems.append('po/POTFILES.in:%d: %s is listed twice (also on line %d): '
                            'remove this line' % (number, entry, listed[norm]))
            continue
        listed[norm] = number
        if not os.path.isfile(os.path.join(root, norm)):
            problems.append('po/POTFILES.in:%d: %s does not exist: remove it from '
                            'po/POTFILES.in (or create the file)' % (number, entry))

    skipped = []
    for number, entry in read_list(skipfile):
        norm = os.path.normpath(entry)
        skipped.append(norm)
        if norm in listed:
            problems.append('po/POTFILES.skip:%d: %s is also in po/POTFILES.in: remove '
                            'it from one of the two' % (number, entry))

    def is_skipped(rel):
        return any(rel == s or rel.startswith(s + os.sep) for s in skipped)

    xgettext = shutil.which('xgettext')
    checked = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        for top in SCAN_DIRS:
            for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
                dirnames[:] = sorted(d for d in dirnames
                                     if not d.startswith(('.', '_build')))
                for name in sorted(filenames):
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, root)
                    kind = kind_of(rel)
                    if kind is None or rel in listed or is_skipped(rel):
                        continue
                    checked += 1
                    if not scan_says_translatable(path, kind):
                        continue
                    if xgettext and kind != 'blp':
                        verdict = xgettext_extracts(xgettext, path, tmpdir)
                        if verdict is False:
                            continue
                    problems.append('%s has translatable strings but is not in '
                                    'po/POTFILES.in: add the line "%s" to po/POTFILES.in '
                                    '(or to po/POTFILES.skip if it must not be translated)'
                                    % (rel, rel))

    if problems:
        for p in problems:
            print('FAIL: ' + p)
        print('%d problem(s) in po/POTFILES.in' % len(problems))
        return 1
    print('po/POTFILES.in: %d files listed, all present; %d other candidate files '
          'have no translatable strings' % (len(listed), checked))
    return 0


if __name__ == '__main__':
    sys.exit(main())

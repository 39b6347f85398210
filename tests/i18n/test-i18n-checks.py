#!/usr/bin/env python3
# The i18n checks catch what they are for. Runs po/check-potfiles.py and
# po/check-translations.py on small source trees made up here:
#  - POTFILES.in that lists a file that is gone, and misses a C file, a .ui
#    template, a desktop file, AppStream metainfo and a GSettings schema that
#    all have translatable strings (and a C file that has none): each problem
#    is named, nothing else is;
#  - a complete POTFILES.in passes;
#  - a translation that was complete, after strings were added to the
#    sources but before anyone ran teamchat-update-po: below 90% of the
#    current template, so it fails, although its own .po says 100%;
#  - a translation that drops a placeholder or a mnemonic fails.
# TAP output.
#
# Usage: test-i18n-checks.py PO_SOURCE_DIR

import os
import subprocess
import sys
import tempfile

DESKTOP = '''[Desktop Entry]
Type=Application
Name=Sample
Comment=A sample
Exec=sample
'''
METAINFO = '''<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>org.example.Sample</id>
  <name>Sample</name>
  <summary>A sample to translate</summary>
</component>
'''
GSCHEMA = '''<?xml version="1.0" encoding="UTF-8"?>
<schemalist gettext-domain="sample">
  <schema id="org.example.Sample" path="/org/example/Sample/">
    <key name="size" type="i">
      <default>1</default>
      <summary>Sample size</summary>
    </key>
  </schema>
</schemalist>
'''
UI = '''<?xml version="1.0" encoding="UTF-8"?>
<interface>
  <object class="GtkLabel">
    <property name="label" translatable="yes">_Open</property>
  </object>
</interface>
'''
PO_HEADER = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: de\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

'''

results = []


def report(ok, name, output=''):
    results.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(results), name))
    if not ok:
        for line in output.splitlines():
            print('#   ' + line)


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'w', encoding='utf-8') as f:
        f.write(text)


def run(script, *args):
    proc = subprocess.run([sys.executable, script] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    return proc.returncode, proc.stdout


def c_source(count):
    calls = '\n'.join('  puts (_("Sentence number %d"));' % i for i in range(count))
    return ('#include <glib/gi18n.h>\n#include <stdio.h>\nvoid f (void);\n'
            'void f (void)\n{\n%s\n}\n' % calls)


def po_for(count, extra=''):
    entries = ''.join('msgid "Sentence number %d"\nmsgstr "Satz Nummer %d"\n\n' % (i, i)
                      for i in range(count))
    return PO_HEADER + entries + extra


def test_potfiles(po_src):
    check = os.path.join(po_src, 'check-potfiles.py')
    with tempfile.TemporaryDirectory() as root:
        write(root, 'app/src/listed.c', c_source(1))
        write(root, 'app/src/unlisted.c', c_source(1))
        write(root, 'app/src/no-strings.c', 'int g (void);\nint g (void) { return 1; }\n')
        write(root, 'app/src/window.ui', UI)
        write(root, 'data/org.example.Sample.desktop.in', DESKTOP)
        write(root, 'data/org.example.Sample.metainfo.xml.in', METAINFO)
        write(root, 'data/org.example.Sample.gschema.xml', GSCHEMA)
        write(root, 'po/POTFILES.in', 'app/src/listed.c\napp/src/gone.c\n')

        status, output = run(check, root)
        missing = ['app/src/unlisted.c', 'app/src/window.ui',
                   'data/org.example.Sample.desktop.in',
                   'data/org.example.Sample.metainfo.xml.in',
                   'data/org.example.Sample.gschema.xml']
        unnamed = [m for m in missing if m + ' has translatable strings' not in output]
        report(status == 1 and not unnamed,
               'POTFILES.in missing a .c, .ui, .desktop.in, .metainfo.xml.in and '
               '.gschema.xml file fails and names each', output)
        report('app/src/gone.c does not exist' in output,
               'POTFILES.in listing a file that does not exist fails', output)
        report('no-strings.c' not in output and 'app/src/listed.c has' not in output,
               'files without strings, or listed, are not reported', output)

        write(root, 'po/POTFILES.in', '\n'.join(['app/src/listed.c'] + missing) + '\n')
        status, output = run(check, root)
        report(status == 0, 'a complete POTFILES.in passes', output)


def test_translations(po_src):
    check = os.path.join(po_src, 'check-translations.py')
    with tempfile.TemporaryDirectory() as root:
        write(root, 'app/src/strings.c', c_source(10))
        write(root, 'po/POTFILES.in', 'app/src/strings.c\n')
        write(root, 'po/LINGUAS', 'de\n')
        write(root, 'po/de.po', po_for(10))
        po_dir = os.path.join(root, 'po')

        status, output = run(check, '--source-root', root, po_dir, '90')
        report(status == 0 and '100.0%' in output, 'a complete translation passes', output)

        # Two new strings in the sources; po/de.po still has its own ten,
        # all translated.
        write(root, 'app/src/strings.c', c_source(12))
        status, output = run(check, '--source-root', root, po_dir, '90')
        report(status == 1 and '83.3%' in output and 'teamchat-update-po' in output,
               'strings added to the sources count against a .po not yet updated '
               '(10 of 12 = 83.3% < 90%)', output)
        status, output = run(check, '--source-root', root, po_dir, '80')
        report(status == 0, 'the same passes with a threshold of 80%', output)

        write(root, 'app/src/strings.c', c_source(10) +
              'void h (int n);\nvoid h (int n)\n{\n'
              '  g_print (ngettext ("%d file", "%d files", n), n);\n'
              '  puts (_("_Open"));\n}\n')
        write(root, 'po/de.po', po_for(10, '#, c-format\nmsgid "%d file"\nmsgid_plural "%d files"\n'
                                           'msgstr[0] "%d Datei"\nmsgstr[1] "Dateien"\n\n'
                                           'msgid "_Open"\nmsgstr "Ö_ffnen"\n'))
        status, output = run(check, '--source-root', root, po_dir, '50')
        report(status == 1 and 'msgfmt --check rejects' in output,
               'a plural translation without its %d fails', output)

        write(root, 'po/de.po', po_for(10, '#, c-format\nmsgid "%d file"\nmsgid_plural "%d files"\n'
                                           'msgstr[0] "%d Datei"\nmsgstr[1] "%d Dateien"\n\n'
                                           'msgid "_Open"\nmsgstr "Öffnen"\n'))
        status, output = run(check, '--source-root', root, po_dir, '50')
        report(status == 1 and 'mnemonic' in output,
               'a translation that drops the mnemonic fails', output)

        write(root, 'po/de.po', po_for(10, '#, c-format\nmsgid "%d file"\nmsgid_plural "%d files"\n'
                                           'msgstr[0] "%d Datei"\nmsgstr[1] "%d Dateien"\n\n'
                                           'msgid "_Open"\nmsgstr "Ö_ffnen"\n'))
        status, output = run(check, '--source-root', root, po_dir, '90')
        report(status == 0, 'fixed, it passes', output)


def main():
    po_src = sys.argv[1]
    print('1..10')
    test_potfiles(po_src)
    test_translations(po_src)
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())

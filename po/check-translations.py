#!/usr/bin/env python3
# Checks every translation listed in po/LINGUAS against the CURRENT sources:
# it extracts a fresh template from the files of po/POTFILES.in (xgettext,
# as `meson compile teamchat-pot` does) and merges each po/LANG.po into it
# (msgmerge, as teamchat-update-po does, into a temporary copy), so a string
# added to the app counts as untranslated even before anyone ran
# teamchat-update-po. On that merged copy:
#  (a) `msgfmt --check` accepts it: valid header and Plural-Forms, and every
#      c-format msgstr has the same placeholders as its msgid (%s, %d, %1$s…);
#  (b) at least MIN_PERCENT of the template's messages are translated (fuzzy
#      entries count as untranslated: msgfmt does not compile them);
#  (c) Plural-Forms has the number of forms the language needs;
#  (d) a label with a mnemonic ("_Cancel") keeps exactly one in each
#      translation, and a msgstr keeps a msgid's trailing newline.
# Prints `msgfmt --statistics` for each language, and says when po/LANG.po
# itself lags behind the sources (run teamchat-update-po).
#
# Usage: check-translations.py [--source-root DIR] PO_DIR [MIN_PERCENT]
#        (DIR defaults to PO_DIR/..; PO_DIR holds LINGUAS and POTFILES.in)

import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from potgen import generate_pot  # noqa: E402

# nplurals of the languages we ship; others are only checked by msgfmt.
NPLURALS = {'de': 2, 'es': 2, 'fr': 2, 'pt_BR': 2, 'pt': 2, 'it': 2, 'nl': 2,
            'ja': 1, 'zh_CN': 1, 'pl': 3, 'ru': 3, 'uk': 3, 'cs': 3}

STATS = re.compile(r'(\d+) translated messages?(?:, (\d+) fuzzy translations?)?'
                   r'(?:, (\d+) untranslated messages?)?')
MNEMONIC = re.compile(r'_(?=\w)')


def read_linguas(po_dir):
    langs = []
    with open(os.path.join(po_dir, 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0]
            langs.extend(line.split())
    return langs


def check_messages(lang, mo_path):
    problems = []
    with open(mo_path, 'rb') as f:
        catalog = gettext.GNUTranslations(f)
    info = catalog.info()
    plural_forms = info.get('plural-forms', '')
    match = re.search(r'nplurals\s*=\s*(\d+)', plural_forms)
    want = NPLURALS.get(lang)
    if match is None:
        problems.append('no Plural-Forms header')
    elif want is not None and int(match.group(1)) != want:
        problems.append('Plural-Forms says nplurals=%s; %s needs %d'
                        % (match.group(1), lang, want))

    # _catalog: every entry of the .mo; plural forms are keyed (msgid, n).
    for key, msgstr in catalog._catalog.items():
        if isinstance(key, tuple):
            msgid, index = key
        else:
            msgid, index = key, None
        if msgid == '' or msgstr == '':
            continue
        msgid = msgid.split('\x04', 1)[-1]   # drop a msgctxt
        shown = msgid if index is None else '%s [%d]' % (msgid, index)
        if len(MNEMONIC.findall(msgid)) == 1 and len(MNEMONIC.findall(msgstr)) != 1:
            problems.append('"%s": the translation "%s" must have exactly one '
                            'mnemonic underscore' % (shown, msgstr))
        if msgid.endswith('\n') != msgstr.endswith('\n'):
            problems.append('"%s": the translation must %s with a newline like the original'
                            % (shown.strip(), 'end' if msgid.endswith('\n') else 'not end'))
    return problems


def run(args, **kwargs):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=dict(os.environ, LC_ALL='C'), **kwargs)


def main():
    argv = sys.argv[1:]
    source_root = None
    if len(argv) >= 2 and argv[0] == '--source-root':
        source_root = argv[1]
        argv = argv[2:]
    if len(argv) not in (1, 2):
        print('usage: check-translations.py [--source-root DIR] PO_DIR [MIN_PERCENT]',
              file=sys.stderr)
        return 2
    po_dir = argv[0]
    min_percent = float(argv[1]) if len(argv) == 2 else 90.0
    if source_root is None:
        source_root = os.path.join(po_dir, os.pardir)
    tools = {}
    for tool in ('msgfmt', 'msgmerge', 'msgcmp'):
        tools[tool] = shutil.which(tool)
        if tools[tool] is None:
            print('%s not found (Debian package gettext)' % tool, file=sys.stderr)
            return 1

    langs = read_linguas(po_dir)
    if not langs:
        print('po/LINGUAS lists no language: nothing to check')
        return 77
    failures = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        pot = os.path.join(tmpdir, 'teamchat.pot')
        problem = generate_pot(source_root, os.path.join(po_dir, 'POTFILES.in'), pot)
        if problem is not None:
            print('FAIL: cannot extract the template from the sources: %s' % problem)
            return 1
        stats = STATS.search(run([tools['msgfmt'], '--statistics', '-o', os.devnull, pot]).stdout)
        print('template of the current sources (po/POTFILES.in): %d messages'
              % sum(int(n or 0) for n in stats.groups()) if stats else '?')

        for lang in langs:
            po = os.path.join(po_dir, lang + '.po')
            merged = os.path.join(tmpdir, lang + '.po')
            mo = os.path.join(tmpdir, lang + '.mo')
            if not os.path.exists(po):
                print('FAIL %s: po/%s.po is missing (listed in po/LINGUAS)' % (lang, lang))
                failures += 1
                continue
            # The file as committed must be valid (msgmerge would only mark
            # an entry with wrong placeholders fuzzy).
            proc = run([tools['msgfmt'], '--check', '-o', os.devnull, po])
            if proc.returncode != 0:
                print('FAIL %s: msgfmt --check rejects po/%s.po:\n%s'
                      % (lang, lang, proc.stdout.strip()))
                failures += 1
                continue
            proc = run([tools['msgmerge'], '--quiet', '-o', merged, po, pot])
            if proc.returncode != 0:
                print('FAIL %s: msgmerge cannot merge po/%s.po with the template:\n%s'
                      % (lang, lang, proc.stdout.strip()))
                failures += 1
                continue
            proc = run([tools['msgfmt'], '--check', '--statistics', '-o', mo, merged])
            output = proc.stdout.strip()
            stats = STATS.search(output)
            if proc.returncode != 0 or stats is None:
                print('FAIL %s: msgfmt --check rejects po/%s.po:\n%s' % (lang, lang, output))
                failures += 1
                continue
            translated = int(stats.group(1))
            fuzzy = int(stats.group(2) or 0)
            untranslated = int(stats.group(3) or 0)
            total = translated + fuzzy + untranslated
            percent = 100.0 * translated / total if total else 0.0
            problems = check_messages(lang, mo)
            if percent < min_percent:
                problems.insert(0, '%.1f%% of the current strings translated, below %.0f%%: '
                                'run `meson compile -C _build teamchat-update-po`, then '
                                'translate the untranslated and fuzzy messages of po/%s.po'
                                % (percent, min_percent, lang))
            status = 'FAIL' if problems else 'ok'
            print('%-4s %-6s %5.1f%%  %s' % (status, lang, percent, stats.group(0)))
            # Every message of the template is in po/LANG.po (translated or
            # not), or the file needs teamchat-update-po.
            if run([tools['msgcmp'], '--use-untranslated', '--use-fuzzy', po, pot]).returncode != 0:
                print('       note: po/%s.po lacks strings of the current sources; run '
                      'teamchat-update-po' % lang)
            for p in problems:
                print('       %s' % p)
            if problems:
                failures += 1
    if failures:
        print('%d of %d translations fail the check' % (failures, len(langs)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""Issue 5 through the accessibility tree: attachments from the Documents
and Media library, in the real app against the real server.

The server is seeded with `seed-demo` (the demo team and library). Kwame
logs in and opens his conversation with Amara (his downline). The Attach
button of the conversation's composer opens the attachment browser:
Brochures, then the Product catalogs folder; two files are selected and
attached; one chip is removed; the message is sent. The server says
Amara's message carries exactly the remaining resource. Opening its card
downloads the file into the app's cache (XDG_CACHE_HOME/teamchat/…), and
its bytes are the server's (SHA-256 compared). The app runs with
TEAMCHAT_TEST_NO_LAUNCH=1: it logs the path instead of starting a PDF
viewer. Then the server stops: the browser shows what was opened before,
marked offline, and a clear error for a folder never opened. Screenshots
of the browser, the chips, the conversation and the offline browser go to
the build dir.

Needs DISPLAY (xvfb-run) and a session bus (dbus-run-session). Prints TAP.
"""
import glob
import hashlib
import os
import shutil
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcui import *  # noqa: E402,F401,F403 — the shared UI test helpers

SERVER = os.environ['TEAMCHAT_SERVER']
APP = os.environ['TEAMCHAT_APP']
SCHEMA_XML = os.environ['TEAMCHAT_SCHEMA']

BROWSER_TITLE = 'Attach from Documents and Media'
KEPT = 'Spring catalog 2026'
REMOVED = 'Skin care routine'
BODY = 'The new catalog, as promised.'
ESCAPE = 0xff1b
OFFLINE_NOTE = ('The server cannot be reached: this is the library as it was when last '
                'opened on this computer.')
NEVER_OPENED = ('The server cannot be reached, and this folder was never opened on this '
                'computer. Check your connection, then try again.')


def row_of(root, list_name, who):
    lst = find(root, role='list', name=list_name)
    return lst and find(lst, role='list item', contains=who)


def tile(window, title):
    """A file or folder of the browser's grid: named "TITLE, TYPE · SIZE"."""
    for node in walk(window):
        try:
            if (node.get_name() or '').startswith(title + ', '):
                action = node.get_action_iface()
                if action is not None and action.get_n_actions() > 0:
                    return node
        except Exception:  # noqa: BLE001 — a cell recycled while we walk
            continue
    return None


def main():
    tmp = tempfile.mkdtemp(prefix='tc-ui-attach-')
    cache = os.path.join(tmp, 'cache')
    server = app = bus = None
    print('1..12')
    try:
        server, url, db, media = start_demo_server(tmp, SERVER)
        kwame = login(url, 'kwame', 'teamchat-demo')
        amara = login(url, 'amara.okafor', 'teamchat-demo')
        found = http('GET', url + '/api/v1/media/search?q=' + urllib.parse.quote('catalog'),
                     kwame['token'])['resources']
        by_title = {r['title']: r for r in found}
        kept = by_title[KEPT]
        app, bus = start_app(tmp, APP, SCHEMA_XML, url,
                             extra_env={'TEAMCHAT_TEST_NO_LAUNCH': '1'})
        root = wait_for('the app on the accessibility bus', find_app)
        log_in(root, 'kwame', 'teamchat-demo')

        # Amara's dashboard, then Chat: the conversation with her.
        amara_row = wait_for('Amara in the team sidebar',
                             lambda: row_of(root, 'Team members', 'Amara Okafor'))
        activate(amara_row, 'row.activate')
        wait_for('Amara\'s dashboard', lambda: find_text(root, 'amara.okafor@example.com'))
        press(root, 'Chat with or email Amara Okafor')
        item = wait_for('the Chat menu item', lambda: find(root, role='menu item', name='Chat'))
        item.get_action_iface().do_action(0)
        wait_for('the conversation with Amara',
                 lambda: 'Amara Okafor' in (root.get_child_at_index(0).get_name() or ''))

        # The conversation's composer: its Attach button (New Chat has one too).
        message = wait_for('the message field',
                           lambda: find(root.get_child_at_index(0), role='text', name='Message'))
        composer = near(message, lambda n: find(n, role='push button', name='Attach'))
        attach = find(composer, role='push button', name='Attach')
        tap(attach is not None and
            attach.get_description() in ('', None) and
            'Attach' in (attach.get_name() or ''),
            'the conversation\'s composer has a paper-clip button named "Attach"')
        press(composer, 'Attach')

        # The browser: a category, a folder, two files.
        browser = wait_for('the attachment browser', lambda: find_window(root, BROWSER_TITLE))

        # Images › Product photos: thumbnails from the server.
        images = wait_for('the Images category', lambda: row_of(browser, 'Categories', 'Images'))
        activate(images, 'row.activate')
        activate(wait_for('the Product photos folder', lambda: tile(browser, 'Product photos')),
                 'tile.open')
        wait_for('a product photo', lambda: tile(browser, 'Citrus Burst Body Wash'))
        time.sleep(2)   # thumbnails drawn
        screenshot('ui-attach-thumbnails.png')

        brochures = wait_for('the Brochures category',
                             lambda: row_of(browser, 'Categories', 'Brochures'))
        activate(brochures, 'row.activate')
        catalogs = wait_for('the Product catalogs folder',
                            lambda: tile(browser, 'Product catalogs'))
        activate(catalogs, 'tile.open')
        first = wait_for('the spring catalog', lambda: tile(browser, KEPT))
        second = wait_for('the skin care routine', lambda: tile(browser, REMOVED))
        crumbs = find(browser, name='Location')
        tap(crumbs is not None and find(crumbs, role='push button', name='Brochures') is not None
            and find_text(crumbs, 'Product catalogs') is not None,
            'the browser went into Brochures › Product catalogs, with breadcrumbs')
        activate(first, 'tile.toggle')
        activate(second, 'tile.toggle')
        selected = wait_for('two files selected', lambda: find(browser, name='2 files selected'))
        time.sleep(1.5)   # thumbnails and icons drawn
        screenshot('ui-attach-browser.png')
        tap(selected is not None, 'two files are selected in the grid')
        press(browser, 'Attach')
        wait_for('the browser to close', lambda: find_window(root, BROWSER_TITLE) is None)

        # Chips above the text; one removed.
        chip_kept = wait_for('the kept file\'s chip',
                             lambda: find(root, role='push button', name='Remove ' + KEPT))
        chip_removed = find(root, role='push button', name='Remove ' + REMOVED)
        tap(chip_kept is not None and chip_removed is not None,
            'both files show as chips with a remove button')
        time.sleep(0.5)
        screenshot('ui-attach-chips.png')
        press(root, 'Remove ' + REMOVED)
        wait_for('the removed chip to go',
                 lambda: find(root, role='push button', name='Remove ' + REMOVED) is None)
        message.get_editable_text_iface().set_text_contents(BODY)
        press(near(message, lambda n: find(n, role='push button', name='Send')), 'Send')

        # On the server: Amara's message carries exactly the kept file.
        def received():
            got = http('GET', url + '/api/v1/conversations/A1006/messages', amara['token'])
            return [m for m in got['messages'] if m['body'] == BODY]
        got = wait_for('Amara\'s message on the server', received)
        time.sleep(0.5)  # a duplicate would come right behind
        got = received()
        ids = [a['id'] for a in got[0]['attachments']] if len(got) == 1 else None
        tap(len(got) == 1 and ids == [kept['id']] and got[0]['attachments'][0]['title'] == KEPT,
            'the recipient\'s message carries exactly the remaining resource',
            'messages: %r' % got)
        wait_for('the chips cleared after sending',
                 lambda: find(root, role='push button', name='Remove ' + KEPT) is None)

        # The card in the conversation: opening it downloads the file.
        card = wait_for('the attachment card',
                        lambda: find(root, role='push button', name='Open ' + KEPT))
        time.sleep(1)
        screenshot('ui-attach-conversation.png')
        press(root, 'Open ' + KEPT)
        pattern = os.path.join(cache, 'teamchat', 'attachments', kept['sha256'], '*.pdf')
        path = wait_for('the file in the cache',
                        lambda: [p for p in glob.glob(pattern) if not p.endswith('.part')])[0]
        with open(path, 'rb') as f:
            local = hashlib.sha256(f.read()).hexdigest()
        content = http_bytes(url + '/api/v1/media/resources/%s/content' % kept['id'],
                             amara['token'])
        remote = hashlib.sha256(content).hexdigest()
        tap(card is not None and local == remote == kept['sha256'] and
            os.path.basename(path) == KEPT + '.pdf',
            'opening the card downloads the file into the cache, bytes as the server\'s',
            'path %s local %s server %s' % (path, local, remote))
        detail = card.get_description() or ''
        tap('PDF document' in detail and 'kB' in detail,
            'the card says the file\'s type and size', 'description %r' % detail)
        time.sleep(0.5)
        screenshot('ui-attach-downloaded.png')

        # Save As…: the chooser (GTK's own: no portal here) proposes the
        # file's name, and the copy is written where the person said.
        press(root, 'Save a copy of ' + KEPT)
        chooser = wait_for('the Save a Copy dialog', lambda: find_window(root, 'Save a Copy'))
        name_entry = wait_for('its Name field', lambda: find(chooser, role='text', name='Name:'))
        proposed = name_entry.get_text(0, name_entry.get_character_count())
        time.sleep(0.5)
        screenshot('ui-attach-save-as.png')
        destination = os.path.join(tmp, 'saved', 'Spring copy.pdf')
        os.makedirs(os.path.dirname(destination))
        name_entry.get_editable_text_iface().set_text_contents(destination)
        press(chooser, 'Save')
        wait_for('the dialog to close', lambda: find_window(root, 'Save a Copy') is None)

        def saved():
            if not os.path.exists(destination) or os.path.getsize(destination) != len(content):
                return None
            with open(destination, 'rb') as f:
                return hashlib.sha256(f.read()).hexdigest()
        copy = wait_for('the copy on disk', saved)
        toast = wait_for('the Saved note', lambda: find_text(root, 'Saved “Spring copy.pdf”'))
        tap(proposed == KEPT + '.pdf' and copy == kept['sha256'] and toast is not None and
            app.poll() is None,
            'Save As… proposes the file\'s name, writes a copy (bytes as the server\'s) and says so',
            'proposed %r, copy %s' % (proposed, copy))

        # Escape closes the browser without attaching anything.
        press(composer, 'Attach')
        wait_for('the attachment browser again', lambda: find_window(root, BROWSER_TITLE))
        time.sleep(0.5)
        press_key(ESCAPE)
        wait_for('Escape to close the browser', lambda: find_window(root, BROWSER_TITLE) is None)
        tap(find(root, role='push button', contains='Remove ') is None,
            'Escape closes the browser, attaching nothing')

        # The server goes away: what was opened before is still there,
        # marked; what never was says so, with a way to try again.
        stop(server)
        press(composer, 'Attach')
        browser = wait_for('the attachment browser, offline',
                           lambda: find_window(root, BROWSER_TITLE))
        note = wait_for('the offline note', lambda: find_text(browser, OFFLINE_NOTE))
        kept_tile = wait_for('Brochures from the replica',
                             lambda: tile(browser, 'Product catalogs'))
        tap(note is not None and kept_tile is not None,
            'offline, the library opened before is shown from the replica, and says so')
        activate(wait_for('the Price lists category',
                          lambda: row_of(browser, 'Categories', 'Price lists')), 'row.activate')
        error = wait_for('the error for a folder never opened',
                         lambda: find_text(browser, NEVER_OPENED))
        retry = find(browser, role='push button', name='Try Again')
        time.sleep(0.5)
        screenshot('ui-attach-offline.png')
        tap(error is not None and retry is not None,
            'offline, a folder never opened shows a clear error with Try Again')
    except Exception:  # noqa: BLE001 — report, then fail the run
        import traceback
        tap(False, 'ui test raised', traceback.format_exc())
        screenshot('ui-attach-failure.png')
    finally:
        stop(app, bus, server)
        if app is not None:
            check_app_log(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if results and all(results) else 1)


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""A long conversation through the accessibility tree, in the real app
against the real server: the newest messages first, older ones as a
person goes up, and an old one found by search.

Bob has written Alice 110 messages. Opening the conversation shows the
newest, and the list holds only the newest 40 (GTK 4.8's list makes a row
for up to 200 items, which took 80–230 ms before a long conversation
showed: the conversation gives it more as the top comes near). Searching
for an old message opens it in the conversation. From the
keyboard, Page Up in the history goes up to the very first message.
Screenshots go to the build dir (ui-history-top.png: the first message at
the top).

Needs DISPLAY (xvfb-run) and a session bus (dbus-run-session). Prints TAP.
"""
import os
import shutil
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcui import *  # noqa: E402,F401,F403 — the shared UI test helpers
from tcui import Atspi  # noqa: E402

SERVER = os.environ['TEAMCHAT_SERVER']
APP = os.environ['TEAMCHAT_APP']
DATA_DIR = os.environ['TC_IT_DATA_DIR']
SCHEMA_XML = os.environ['TEAMCHAT_SCHEMA']

N = 110          # under the server's 120 messages a minute
FIRST_ROWS = 40  # app/src/tc-conversation-view.c
PAGE_UP = 0xff55
TAB = 0xff09


def body(i):
    return 'History %03d: notes from the weekly call' % i


def list_items(messages):
    count = 0
    for i in range(messages.get_child_count()):
        try:
            if messages.get_child_at_index(i).get_role_name() == 'list item':
                count += 1
        except Exception:  # noqa: BLE001 — a row replaced while we count
            continue
    return count


def main():
    tmp = tempfile.mkdtemp(prefix='tc-ui-history-')
    server = app = bus = None
    print('1..4')
    try:
        server, url, db = start_server(tmp, SERVER, os.path.join(DATA_DIR, 'team.csv'))
        bob = login(url, 'bob', 'password-B')
        for i in range(1, N + 1):
            http('POST', url + '/api/v1/messages', bob['token'],
                 {'client_id': str(uuid.uuid4()), 'to': ['A'], 'body': body(i)})
        app, bus = start_app(tmp, APP, SCHEMA_XML, url)
        root = wait_for('the app on the accessibility bus', find_app)
        log_in(root, 'alice', 'password-A')

        conversations = wait_for('the conversation list',
                                 lambda: find(root, role='list', name='Conversations'))
        row = wait_for('Bob\'s conversation',
                       lambda: find(conversations, contains='Bob', role='list item'))
        activate(row, 'row.activate')
        messages = wait_for('the conversation\'s message list',
                            lambda: find(root, role='list', name='Messages'))
        newest = wait_for('the newest message', lambda: find_text(messages, body(N)))
        time.sleep(0.5)   # rows that would come later
        count = list_items(messages)
        tap(newest is not None and count == FIRST_ROWS and
            find_text(messages, body(N - FIRST_ROWS + 1)) is not None and
            find_text(messages, body(N - FIRST_ROWS)) is None,
            'opening a conversation of %d messages shows the newest, with rows for the '
            'newest %d only' % (N, FIRST_ROWS), '%d rows' % count)

        # An old message, found by search: shown in its conversation.
        toggle = find(root, role='push button', contains='Team Chat')
        press(near(toggle, lambda n: find(n, role='push button', name='Main Menu')),
              'Main Menu')
        item = wait_for('the Search Messages menu item',
                        lambda: find(root, role='menu item', name='Search Messages'))
        item.get_action_iface().do_action(0)
        box = wait_for('the search field', lambda: find(root, name='Search messages'))
        search = box if box.get_editable_text_iface() is not None else find(box, role='text')
        search.get_editable_text_iface().set_text_contents('History 060')
        result_list = wait_for('the search results', lambda: find(root, role='list',
                                                              name='Search results'))
        result = wait_for('the result for message 60',
                          lambda: find(result_list, role='list item', contains='History 060'))
        activate(result, 'row.activate')
        messages = wait_for('the conversation again',
                            lambda: find(root, role='list', name='Messages'))
        found = wait_for('message 60 in the conversation',
                         lambda: find_text(messages, body(60)))
        time.sleep(0.5)
        screenshot('ui-history-search.png')
        tap(found is not None and find_text(messages, body(1)) is None,
            'a search result 50 messages back opens in the conversation',
            'labels: %r' % [t for t in texts(messages) if t.startswith('History')][:5])

        # The keyboard: from the composer (where opening put the focus),
        # Shift+Tab into the history, then Page Up up to the very first.
        def focused_row():
            # The row, or the message's (selectable) text in it.
            for node in walk(messages):
                try:
                    if node.get_state_set().contains(Atspi.StateType.FOCUSED):
                        return node
                except Exception:  # noqa: BLE001 — a row replaced while we look
                    continue
            return None
        for _ in range(6):
            if focused_row() is not None:
                break
            press_key(TAB, SHIFT)
            time.sleep(0.2)
        if focused_row() is None:
            raise AssertionError('Shift+Tab did not reach the history')

        # GTK 4.8 tells neither the scroll position (its scroll bar has no
        # value over AT-SPI) nor, right after rows are added above, which
        # row is where: what the keys did is counted in rows, and seen in
        # the screenshot (the first message at the top).
        presses = 0
        while list_items(messages) < N and presses < 60:
            press_key(PAGE_UP)
            presses += 1
            time.sleep(0.2)
        rows = list_items(messages)
        for _ in range(12):   # 110 messages are about nine pages
            press_key(PAGE_UP)
            time.sleep(0.1)
        time.sleep(0.5)
        screenshot('ui-history-top.png')
        tap(rows == N and presses > 1,
            'Page Up brings every older message into the history, a page at a time',
            '%d presses; %d rows' % (presses, rows))
    except Exception:  # noqa: BLE001 — report, then fail the run
        import traceback
        tap(False, 'ui test raised', traceback.format_exc())
        screenshot('ui-history-failure.png')
    finally:
        stop(app, bus, server)
        if app is not None:
            check_app_log(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if results and all(results) else 1)


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Issue 4 through the accessibility tree: the team, its dashboards, New
Chat, presence and Settings > Communication, in the real app against the
real server.

Alice (top of the test team) logs in. Her team sidebar lists her downline
with their relation; Dan's Team Dashboard shows his contact info, sponsor
and enroller; its Email option starts the mail app (a stand-in that records
the mailto: URI it is given) addressed to him, and so does sending her site
to a prospect by email, with subject and body; its Copy buttons put his phone number and email address on the clipboard
(read back as another program would paste them); its Chat option opens his
conversation. Bob connecting (a
real WebSocket) turns his presence to online. New Chat to Carol and Dan
shows the offline disclaimer for both, and sends each their own message
(checked on the server). Switching Settings > Communication to Text is
saved on the server. Screenshots go to the build dir.

Needs DISPLAY (xvfb-run) and a session bus (dbus-run-session). Prints TAP.
"""
import base64
import os
import shutil
import socket
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcui import *  # noqa: E402,F401,F403 — the shared UI test helpers
from tcui import Atspi  # noqa: E402

SERVER = os.environ['TEAMCHAT_SERVER']
APP = os.environ['TEAMCHAT_APP']
DATA_DIR = os.environ['TC_IT_DATA_DIR']
SCHEMA_XML = os.environ['TEAMCHAT_SCHEMA']

HELLO_BOTH = 'Team call on Friday at 8 pm: bring one question each.'
OFFLINE = ('{} is not currently online and will receive this chat message via text '
           'or email according to their preference.')
OFFLINE_MANY = ('{} are not currently online and will receive this chat message via text '
                'or email according to their preferences.')


def mail_app(tmp):
    """The desktop's mail app for this test: a .desktop file, made the
    default for mailto: in the app's XDG dirs, whose program records each
    URI it is started with. Returns the file it writes to."""
    log = os.path.join(tmp, 'mailto.log')
    program = os.path.join(tmp, 'mail-app')
    with open(program, 'w') as f:
        f.write('#!/bin/sh\nprintf \'%%s\\n\' "$1" >> \'%s\'\n' % log)
    os.chmod(program, 0o755)
    applications = os.path.join(tmp, 'data', 'applications')
    os.makedirs(applications, exist_ok=True)
    with open(os.path.join(applications, 'tc-test-mail.desktop'), 'w') as f:
        f.write('[Desktop Entry]\nType=Application\nName=Test Mail\nExec=%s %%u\n'
                'MimeType=x-scheme-handler/mailto;\nNoDisplay=true\n' % program)
    config = os.path.join(tmp, 'config')
    os.makedirs(config, exist_ok=True)
    with open(os.path.join(config, 'mimeapps.list'), 'w') as f:
        f.write('[Default Applications]\nx-scheme-handler/mailto=tc-test-mail.desktop\n')
    return log


def mail_started(log, count):
    """The URIs the mail app was started with, once there are @count."""
    if not os.path.exists(log):
        return None
    with open(log) as f:
        lines = f.read().splitlines()
    return lines if len(lines) >= count else None


def open_websocket(url, token):
    """A real WebSocket to the server (the handshake by hand: Debian's
    Python has no client library); open while the socket is."""
    parts = urllib.parse.urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(('GET /api/v1/ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n'
                  'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
                  'Sec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n'
                  % (parts.hostname, parts.port, key, token)).encode())
    answer = sock.recv(4096).decode(errors='replace')
    assert answer.startswith('HTTP/1.1 101'), answer
    return sock


def row_of(root, list_name, who):
    lst = find(root, role='list', name=list_name)
    return lst and find(lst, role='list item', contains=who)


def main():
    tmp = tempfile.mkdtemp(prefix='tc-ui-team-')
    server = app = bus = ws = None
    print('1..12')
    try:
        server, url, db = start_server(tmp, SERVER, os.path.join(DATA_DIR, 'team.csv'))
        alice = login(url, 'alice', 'password-A')
        mail_log = mail_app(tmp)
        app, bus = start_app(tmp, APP, SCHEMA_XML, url)
        root = wait_for('the app on the accessibility bus', find_app)
        log_in(root, 'alice', 'password-A')

        # The team sidebar: everyone Alice may chat with, and how they relate.
        bob_row = wait_for('Bob in the team sidebar',
                           lambda: row_of(root, 'Team members', 'Bob Birch'))
        dan_row = wait_for('Dan in the team sidebar',
                           lambda: row_of(root, 'Team members', 'Dan Dogwood'))
        tap('Downline, level 1' in bob_row.get_name() and
            'Downline, level 2' in dan_row.get_name() and
            'offline' in bob_row.get_name(),
            'the team sidebar lists members with presence and downline level',
            'rows: %r / %r' % (bob_row.get_name(), dan_row.get_name()))

        # Dan's Team Dashboard.
        activate(dan_row, 'row.activate')
        phone = wait_for('Dan\'s phone on his dashboard',
                         lambda: find_text(root, '+1 555 555 0004'))
        time.sleep(1)
        screenshot('ui-dashboard.png')
        tap(phone is not None and find_text(root, 'dan@example.com') is not None and
            find_text(root, 'Bob Birch') is not None and
            find_text(root, 'Carol Cedar') is not None,
            'the dashboard shows contact info, sponsor (Bob) and enroller (Carol)',
            'labels: %r' % [t for t in texts(root) if t][:60])

        # Copy buttons: what another program pastes, and a toast that says so.
        copied = []
        for button, expected in (('Copy Phone Number', '+1 555 555 0004'),
                                 ('Copy Email Address', 'dan@example.com')):
            press(root, button)
            copied.append(wait_for('%s on the clipboard' % expected,
                                   lambda: clipboard_text() == expected and expected))
        toast = find_text(root, 'Email address copied')
        screenshot('ui-dashboard-copied.png')
        tap(copied == ['+1 555 555 0004', 'dan@example.com'] and toast is not None,
            'Copy Phone Number and Copy Email Address put them on the clipboard, '
            'and a toast says so', 'pasted %r; toast %r' % (copied, toast))

        # Email, from the Chat or Email menu: the mail app, addressed to Dan.
        press(root, 'Chat with or email Dan Dogwood')
        item = wait_for('the Email menu item', lambda: find(root, role='menu item', name='Email'))
        item.get_action_iface().do_action(0)
        started = wait_for('the mail app started', lambda: mail_started(mail_log, 1))
        tap(started == ['mailto:dan@example.com'],
            'Email starts the mail app with a message to Dan', 'started with %r' % started)

        # Her site, to a prospect by email: no address, a subject and a body.
        site_row = wait_for('Your Site', lambda: find_text(root, 'Your Site'))
        send = near(site_row, lambda n: find(n, role='push button', name='Send'))
        press(send, 'Send')
        item = wait_for('the by-email menu item',
                        lambda: find(root, role='menu item',
                                     name='To a Prospect or Customer by Email…'))
        item.get_action_iface().do_action(0)
        started = wait_for('the mail app started again', lambda: mail_started(mail_log, 2))
        uri = urllib.parse.urlsplit(started[1])
        fields = urllib.parse.parse_qs(uri.query)
        tap(uri.scheme == 'mailto' and uri.path == '' and
            fields.get('subject') == ['Take a look at my site'] and
            len(fields.get('body', [])) == 1 and
            'https://alice.example.com' in fields['body'][0] and
            fields['body'][0].endswith('Alice Apex'),
            'sending her site by email starts the mail app with its subject and body',
            'started with %r' % started[1])

        # Chat, from the chat bubble's menu, opens the conversation.
        press(root, 'Chat with or email Dan Dogwood')
        item = wait_for('the Chat menu item', lambda: find(root, role='menu item', name='Chat'))
        item.get_action_iface().do_action(0)
        title = wait_for('the conversation with Dan',
                         lambda: 'Dan Dogwood' in (root.get_child_at_index(0).get_name() or ''))
        tap(title, 'Chat opens the conversation with Dan in the Team Chat panel')

        # The offline note in a conversation with an offline peer.
        note = wait_for('the offline note in the conversation',
                        lambda: find_text(root, OFFLINE.format('Dan Dogwood')))
        time.sleep(1)
        screenshot('ui-conversation-offline.png')
        tap(note is not None, 'the conversation says Dan is offline and how he will get it')

        # Bob connects: his dot turns green, live.
        bob = login(url, 'bob', 'password-B')
        ws = open_websocket(url, bob['token'])
        online = wait_for('Bob online in the sidebar',
                          lambda: (row_of(root, 'Team members', 'Bob Birch') or
                                   bob_row).get_name().find('online') >= 0 and
                          'offline' not in row_of(root, 'Team members', 'Bob Birch').get_name())
        avatar = wait_for('Bob\'s avatar',
                          lambda: find(row_of(root, 'Team members', 'Bob Birch'),
                                       role='image', name='Bob Birch'))
        tap(online and avatar.get_description() == 'Online',
            'Bob connecting turns his presence to online (row and avatar)',
            'avatar says %r' % avatar.get_description())

        # New Chat to Carol and Dan: both offline, each gets their own copy.
        press(root, 'New Chat')
        box = wait_for('the recipient search', lambda: find(root, name='Add recipients'))
        search = box if box.get_editable_text_iface() is not None else find(box, role='text')
        for who in ('Carol', 'Dan'):
            search.get_editable_text_iface().set_text_contents(who)

            def matching_row():
                matches = find(root, role='list', name='Matching team members')
                row = matches and find(matches, role='list item', contains=who)
                # A row being replaced as the list changes offers no action.
                return row if row and has_action(row, 'row.activate') else None
            match = wait_for(who + ' among the matches', matching_row)
            activate(match, 'row.activate')
            wait_for(who + '\'s chip', lambda: find(root, role='push button',
                                                    contains='Remove ' + who))
        both = OFFLINE_MANY.format('Carol Cedar, Dan Dogwood')
        shown = wait_for('the disclaimer for both', lambda: find_text(root, both))
        time.sleep(1)
        screenshot('ui-new-chat.png')
        tap(shown is not None, 'New Chat names both offline recipients in the disclaimer')

        chips = find(root, role='panel', name='Recipients') or find(root, name='Recipients')
        composer = near(chips, lambda n: find(n, role='text', name='Message'))
        message = find(composer, role='text', name='Message')
        message.get_editable_text_iface().set_text_contents(HELLO_BOTH)
        press(near(message, lambda n: find(n, role='push button', name='Send')), 'Send')

        def delivered(peer):
            got = http('GET', url + '/api/v1/conversations/%s/messages' % peer, alice['token'])
            return [m for m in got['messages'] if m['body'] == HELLO_BOTH]
        carol_got = wait_for('Carol\'s copy on the server', lambda: delivered('C'))
        dan_got = wait_for('Dan\'s copy on the server', lambda: delivered('D'))
        time.sleep(0.5)  # a duplicate would come right behind
        carol_got, dan_got = delivered('C'), delivered('D')
        tap(len(carol_got) == 1 and len(dan_got) == 1 and
            carol_got[0]['to'] == 'C' and dan_got[0]['to'] == 'D' and
            carol_got[0]['id'] != dan_got[0]['id'],
            'New Chat sends each recipient their own message, once',
            'Carol: %r Dan: %r' % (carol_got, dan_got))

        # Settings > Communication: Text is saved on the server.
        # The main header's menu (the login page, hidden, has one too).
        toggle = find(root, role='push button', contains='Team Chat')
        press(near(toggle, lambda n: find(n, role='push button', name='Main Menu')),
              'Main Menu')
        item = wait_for('the Settings menu item',
                        lambda: find(root, role='menu item', name='Settings'))
        item.get_action_iface().do_action(0)
        app_root = root
        email = wait_for('the current choice (Email) shown',
                         lambda: (lambda b: b if b is not None and is_on(b) else None)(
                             find(app_root, role='push button', name='Email')))
        time.sleep(0.5)
        screenshot('ui-settings.png')
        press(app_root, 'Text Message')
        saved = wait_for('the preference on the server',
                         lambda: http('GET', url + '/api/v1/me', alice['token'])
                         ['preferences']['offline_channel'] == 'sms')
        tap(saved and email is not None, 'switching Communication to Text is saved on the server')
    except Exception:  # noqa: BLE001 — report, then fail the run
        import traceback
        tap(False, 'ui test raised', traceback.format_exc())
        screenshot('ui-team-failure.png')
    finally:
        if ws is not None:
            ws.close()
        stop(app, bus, server)
        if app is not None:
            check_app_log(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if results and all(results) else 1)


if __name__ == '__main__':
    main()

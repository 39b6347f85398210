#!/usr/bin/python3
"""The real app in a real window, driven through the accessibility tree.

Starts the real teamchat-server on loopback with the test team, sends Alice a
message from Bob, then runs `teamchat --server URL` under the current X
display and acts as a person would: a wrong password shows an error a person
can act on, the right one leads to the Team Chat panel where Bob's
conversation shows with its unread count. Opening it shows Bob's message and
tells the server it was read; a reply typed in the composer reaches Bob
exactly once, and Bob reading it shows as a read receipt; on the keyboard
Enter sends and Shift+Enter starts a new line. Once Bob has
moved to another team the server refuses the next message: it shows why,
with Retry and Delete. `teamchat-server revoke-sessions` run meanwhile
logs the app out: it says so and shows the login page. Then, with a keyring on the session bus, a login
is kept: the app started again, the keyring held up meanwhile, shows an
empty start page and a spinner, then the conversations, the login page
never in the accessibility tree (skipped without
gnome-keyring-daemon: on PATH, or TEAMCHAT_KEYRING_DAEMON, e.g. the copy
bench/app-bench.sh unpacks into BUILD/bench/keyring/usr/bin). Screenshots
go to the build dir.

Needs DISPLAY (xvfb-run) and a session bus (dbus-run-session). Prints TAP.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcui import *  # noqa: E402,F401,F403 — the shared UI test helpers
from tcui import Atspi  # noqa: E402

SERVER = os.environ['TEAMCHAT_SERVER']
APP = os.environ['TEAMCHAT_APP']
DATA_DIR = os.environ['TC_IT_DATA_DIR']
SCHEMA_XML = os.environ['TEAMCHAT_SCHEMA']

SESSION_SCHEMA = 'io.github.teamchat.TeamChat.Session'
BOB_SAYS = 'Welcome aboard, Alice! Call me when you can.'
ALICE_SAYS = 'Thanks, Bob! I will call you tomorrow morning.'


def start_keyring(tmp):
    """gnome-keyring-daemon on the test's session bus, its login keyring
    created and unlocked in a directory of its own (no prompt); None
    without one."""
    daemon = os.environ.get('TEAMCHAT_KEYRING_DAEMON') or shutil.which('gnome-keyring-daemon')
    if not daemon or not os.access(daemon, os.X_OK):
        return None
    home = os.path.join(tmp, 'keyring')
    os.makedirs(home)
    proc = subprocess.Popen([daemon, '--replace', '--foreground', '--unlock',
                             '--components=secrets'],
                            env=dict(os.environ, XDG_DATA_HOME=home, XDG_RUNTIME_DIR=home),
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    proc.stdin.write(b'ui-test')
    proc.stdin.close()
    return proc


def kept_sessions():
    """The items of the app's session schema in the keyring."""
    from gi.repository import Gio, GLib
    bus = Gio.bus_get_sync(Gio.BusType.SESSION)
    try:
        found = bus.call_sync('org.freedesktop.secrets', '/org/freedesktop/secrets',
                              'org.freedesktop.Secret.Service', 'SearchItems',
                              GLib.Variant('(a{ss})', ({'xdg:schema': SESSION_SCHEMA},)),
                              None, Gio.DBusCallFlags.NONE, 5000, None)
    except GLib.Error:
        return []
    unlocked, locked = found.unpack()
    return unlocked + locked


def kept_session(url, env, tmp):
    """Logs in with a keyring there, quits, starts again: the app must open
    on the conversations, the login page never in the accessibility tree.
    Returns the keyring daemon (the caller stops it)."""
    keyring = start_keyring(tmp)
    if keyring is None:
        print('ok %d # SKIP no gnome-keyring-daemon for a kept session' % (len(results) + 1))
        results.append(True)
        return None
    wait_for('the keyring on the session bus', lambda: kept_sessions() == [] and
             subprocess.run(['dbus-send', '--session', '--print-reply',
                             '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
                             'org.freedesktop.DBus.Peer.Ping'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0)
    # A first start: no session kept for this server, so the login page.
    app = subprocess.Popen([APP, '--server', url], env=env)
    try:
        root = wait_for('the app on the accessibility bus', find_app)
        wait_for('the Log In button', lambda: find(root, role='push button', name='Log In'))
        set_entry(root, 'Login', 'alice')
        set_entry(root, 'Password', 'password-A')
        press(root, 'Log In')
        wait_for('the conversation list', lambda: find(root, role='list', name='Conversations'))
        wait_for('the session in the keyring', kept_sessions)
    finally:
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=10)
    wait_for('the first app to leave the accessibility bus', lambda: find_app() is None)

    # Started again, the keyring held up (stopped) so that what the window
    # shows while it resumes the session can be looked at: the start page,
    # a spinner saying what is going on after a second, never the login
    # page; then, the keyring going on, the conversations.
    keyring.send_signal(signal.SIGSTOP)
    app = subprocess.Popen([APP, '--server', url], env=env)
    login_seen = []

    def login_page():
        if (find(root, role='push button', name='Log In') is not None or
                find(root, role='password text') is not None):
            login_seen.append(True)
        return login_seen
    try:
        root = wait_for('the app on the accessibility bus', find_app)
        spinner = wait_for('the start page\'s spinner', lambda: login_page() or
                           find(root, name='Opening your conversations…'))
        screenshot('ui-start-page.png')
        keyring.send_signal(signal.SIGCONT)

        def conversations():
            login_page()
            found = find(root, role='list', name='Conversations')
            return found and find(found, contains='Bob', role='list item')
        row = wait_for('Bob\'s conversation after the restart', conversations)
        time.sleep(1)
        screenshot('ui-kept-session.png')
        tap(row is not None and spinner is not login_seen and not login_seen and
            find(root, name='Opening your conversations…') is None,
            'a kept session opens on the start page, a spinner while the keyring '
            'answers, then the conversations; the login page never in the '
            'accessibility tree', 'login page seen' if login_seen else '')
    finally:
        keyring.send_signal(signal.SIGCONT)
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=10)
    return keyring


def main():
    tmp = tempfile.mkdtemp(prefix='tc-ui-')
    server = app = bus = keyring = None
    print('1..20')
    try:
        db = os.path.join(tmp, 'ui.db')
        out = subprocess.run([SERVER, 'import-associates', '--db', db,
                              os.path.join(DATA_DIR, 'team.csv')],
                             capture_output=True, text=True, check=True)
        assert out.stdout == 'imported 7\n', out.stdout
        # A session ended elsewhere reaches the running server within a second.
        config = os.path.join(tmp, 'server.conf')
        with open(config, 'w') as f:
            f.write('[server]\nsession_check_seconds=1\n')
        server = subprocess.Popen([SERVER, 'serve', '--db', db, '--port', '0',
                                   '--bind', '127.0.0.1', '--config', config],
                                  stdout=subprocess.PIPE, text=True)
        line = server.stdout.readline()
        assert line.startswith('listening on '), line
        url = line[len('listening on '):].strip()

        bob = http('POST', url + '/api/v1/session',
                   body={'login': 'bob', 'password': 'password-B', 'device': 'ui-test'})
        http('POST', url + '/api/v1/messages', bob['token'],
             {'client_id': '1b4e28ba-2fa1-41d2-883f-0016d3cca427', 'to': ['A'],
              'body': BOB_SAYS})

        schemas = os.path.join(tmp, 'schemas')
        os.makedirs(schemas)
        shutil.copy(SCHEMA_XML, schemas)
        subprocess.run(['glib-compile-schemas', schemas], check=True)

        bus = subprocess.Popen(['/usr/libexec/at-spi-bus-launcher', '--launch-immediately'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = dict(os.environ,
                   GSETTINGS_SCHEMA_DIR=schemas, GSETTINGS_BACKEND='memory',
                   GDK_BACKEND='x11', GSK_RENDERER='cairo', GTK_A11Y='atspi',
                   XDG_DATA_HOME=os.path.join(tmp, 'data'),
                   XDG_CONFIG_HOME=os.path.join(tmp, 'config'),
                   XDG_CACHE_HOME=os.path.join(tmp, 'cache'),
                   LANGUAGE='C', LC_ALL='C.UTF-8')
        # What the app says on stderr, read back below (and shown at the end).
        with open(app_log_path(tmp), 'w') as app_log:
            app = subprocess.Popen([APP, '--server', url], env=env, stderr=app_log)

        root = wait_for('the app on the accessibility bus', find_app)
        wait_for('the Log In button', lambda: find(root, role='push button', name='Log In'))
        server_field = find(root, role='text', name='Server')
        shown = None
        if server_field is not None:
            text = server_field.get_text_iface()
            shown = text.get_text(0, text.get_character_count())
        tap(shown == url, 'the Server field is prefilled from --server',
            'shown: %r, expected %r' % (shown, url))

        set_entry(root, 'Login', 'alice')
        set_entry(root, 'Password', 'not-her-password')
        press(root, 'Log In')
        err = wait_for('the error message',
                       lambda: find_text(root, 'Wrong login or password.'))
        screenshot('ui-login-error.png')
        tap(err is not None, 'a wrong password says so')
        # Typing goes to the password, its wrong text selected, so that it
        # is typed again at once. (GTK 4.8 tells no FOCUSED state for
        # libadwaita's entry rows: the keys say where the focus is.)
        time.sleep(0.5)
        type_keys('again')
        password = find(root, role='text', name='Password')
        typed = None
        for _ in range(25):
            text = password.get_text_iface() if password is not None else None
            typed = text.get_text(0, text.get_character_count()) if text is not None else None
            if typed == 'again':
                break
            time.sleep(0.2)
        tap(typed == 'again',
            'after a wrong password the focus is back in the password field, its text selected',
            'the password field holds %r' % typed)

        set_entry(root, 'Password', 'password-A')
        press(root, 'Log In')
        conversations = wait_for('the conversation list',
                                 lambda: find(root, role='list', name='Conversations'))
        rows = wait_for('Bob\'s conversation',
                        lambda: find(conversations, contains='Bob', role='list item'))
        time.sleep(1)  # let the page transition finish before the picture
        screenshot('ui-chat-panel.png')
        tap(find(root, role='push button', name='Log In') is None and
            find(root, role='password text') is None,
            'logging in shows the Team Chat panel, and the login form leaves the '
            'accessibility tree')
        # The fields turn insensitive while the login runs: the focus must
        # leave them first, or GTK warns that a GtkText lost it unheard.
        said = read_app_log(tmp)
        tap('did not receive a focus-out event' not in said,
            'logging in leaves no text field with the focus unheard', said)
        label = rows.get_name()
        tap('1 unread message' in label and 'offline' in label,
            'the conversation says who, presence and unread count', 'row: ' + label)

        # GTK 4.8 exposes a toggle button as a push button named by its label.
        recent = find_text(root, 'Recent')
        unread = find_text(root, 'Unread')
        recent_button = recent.get_parent() if recent else None
        unread_button = unread.get_parent() if unread else None
        tap(recent_button is not None and unread_button is not None and
            recent_button.get_role_name() == 'push button' and
            is_on(recent_button) and not is_on(unread_button),
            'the panel offers Recent (chosen) and Unread',
            'found: %r %r' % (recent_button and recent_button.get_role_name(),
                              unread_button and unread_button.get_role_name()))

        # Open Bob's conversation as a keyboard or screen reader user would.
        activate(rows, 'row.activate')
        messages = wait_for('the conversation\'s message list',
                            lambda: find(root, role='list', name='Messages'))
        shown = wait_for('Bob\'s message in the conversation',
                         lambda: find_text(messages, BOB_SAYS))
        tap(shown is not None, 'opening the conversation shows Bob\'s message',
            'labels: %r' % texts(messages))

        def bob_sees():
            answer = http('GET', url + '/api/v1/conversations/A/messages', bob['token'])
            return answer['messages']

        def bob_message_read():
            return [m for m in bob_sees() if m['body'] == BOB_SAYS and m['read']]
        read = wait_for('the read marker on the server', bob_message_read)
        tap(len(read) == 1, 'opening it tells the server it was read (Bob sees read:true)')

        composer = find(root, role='text', name='Message')
        if composer is None:
            raise AssertionError('no text field named Message')
        composer.get_editable_text_iface().set_text_contents(ALICE_SAYS)
        # The conversation's own Send (New Chat has one too).
        composer_box = near(composer, lambda n: find(n, role='push button', name='Send'))
        press(composer_box, 'Send')
        wait_for('the reply in the conversation', lambda: find_text(messages, ALICE_SAYS))
        # The sync engine's ack turns "Sending…" into a sent message.
        wait_for('the reply to be sent', lambda: find_text(messages, 'Sending…') is None)
        cleared = composer.get_text_iface()
        tap(cleared.get_character_count() == 0,
            'Send shows the reply at once and empties the composer')

        replies = wait_for('the reply on the server',
                           lambda: [m for m in bob_sees() if m['body'] == ALICE_SAYS])
        time.sleep(0.5)  # a duplicate would come right behind it
        replies = [m for m in bob_sees() if m['body'] == ALICE_SAYS]
        tap(len(replies) == 1 and replies[0]['from'] == 'A',
            'the reply reaches Bob exactly once', 'Bob sees: %r' % replies)

        # Bob reads the reply: Alice sees a read receipt under it.
        http('POST', url + '/api/v1/read', bob['token'],
             {'peer': 'A', 'up_to': replies[0]['id']})
        receipt = wait_for('the read receipt', lambda: find_text(messages, 'Read'))
        time.sleep(1)  # let the list settle before the picture
        screenshot('ui-conversation.png')
        tap(receipt is not None, 'Bob reading the reply shows "Read" under it')

        # The keyboard, as most people write: opening the conversation put
        # the focus in the composer.
        wait_for('the composer to have the focus',
                 lambda: composer.get_state_set().contains(Atspi.StateType.FOCUSED))
        type_keys('Call at nine?')
        press_key(RETURN, SHIFT)
        type_keys('Or ten.')
        press_key(RETURN)
        two_lines = 'Call at nine?\nOr ten.'
        typed = wait_for('the typed message on the server',
                         lambda: [m for m in bob_sees() if m['body'] == two_lines])
        tap(len(typed) == 1 and cleared.get_character_count() == 0,
            'Enter sends, Shift+Enter starts a new line', 'Bob sees: %r' % typed)

        # The company moves Bob to Grace's team: Alice may not write to him
        # any more, and the server says so when her next message arrives.
        moved = os.path.join(tmp, 'moved.csv')
        with open(os.path.join(DATA_DIR, 'team.csv')) as team, open(moved, 'w') as out:
            lines = team.read().splitlines()
            out.write(lines[0] + '\n')
            out.write([line for line in lines if line.startswith('B,')][0]
                      .replace(',A,A,', ',G,G,') + '\n')
        subprocess.run([SERVER, 'import-associates', '--db', db, moved],
                       check=True, stdout=subprocess.DEVNULL)
        refused = 'Are you still on my team?'
        composer.get_editable_text_iface().set_text_contents(refused)
        press(composer_box, 'Send')
        wait_for('the refusal', lambda: find(messages, role='push button', name='Retry'))
        reason = find(messages, role='label', contains='Not sent')
        time.sleep(1)
        screenshot('ui-conversation-failed.png')
        tap(reason is not None and find(messages, role='push button', name='Delete') is not None,
            'a refused message says why and offers Retry and Delete',
            'reason: %r' % (reason and reason.get_name()))

        press(messages, 'Delete')
        gone = wait_for('the refused message to go',
                        lambda: find_text(messages, refused) is None and
                        find(messages, role='push button', name='Retry') is None)
        tap(gone and find_text(messages, ALICE_SAYS) is not None,
            'Delete removes the refused message and keeps the others')

        # Carol writes twice; Alice marks everything read from the panel's
        # menu, through the confirmation, without opening Carol's messages.
        carol = http('POST', url + '/api/v1/session',
                     body={'login': 'carol', 'password': 'password-C', 'device': 'ui-test'})
        for i, text in enumerate(['Team call moved to 8 pm', 'Bring the new catalogue']):
            http('POST', url + '/api/v1/messages', carol['token'],
                 {'client_id': '2c5ea4c0-4067-11e9-8bad-9b1deb4d3b7%d' % i, 'to': ['A'],
                  'body': text})
        carol_row = wait_for('Carol\'s unread row',
                             lambda: find(root, role='list item', contains='2 unread messages'))
        press(root, 'More Actions')
        item = wait_for('the Mark All as Read menu item',
                        lambda: find(root, role='menu item', name='Mark All as Read') or
                        find(root, role='push button', name='Mark All as Read'))
        item.get_action_iface().do_action(0)
        dialog = wait_for('the confirmation',
                          lambda: find_text(root, 'Mark All Conversations as Read?'))
        time.sleep(1)
        screenshot('ui-mark-all-confirm.png')
        press(root, 'Mark All as Read')

        def carol_sees_read():
            mine = http('GET', url + '/api/v1/conversations/A/messages', carol['token'])
            return all(m['read'] for m in mine['messages'] if m['from'] == 'C')
        wait_for('Carol\'s messages read on the server', carol_sees_read)
        tap(dialog is not None and carol_row is not None and carol_sees_read(),
            'Mark All as Read asks first, then marks every conversation read')
        press(root, 'Unread')
        caught_up = wait_for('the empty Unread list', lambda: find_text(root, 'All Caught Up'))
        time.sleep(1)
        screenshot('ui-unread-empty.png')
        tap(caught_up is not None, 'the Unread tab is then empty')

        # The keyboard shortcuts are listed from the main menu.
        press(root, 'Main Menu')
        item = wait_for('the Keyboard Shortcuts menu item',
                        lambda: find(root, role='menu item', name='Keyboard Shortcuts'))
        item.get_action_iface().do_action(0)
        shortcut = wait_for('the shortcuts window', lambda: find_text(root, 'New Line'))
        time.sleep(1)
        screenshot('ui-shortcuts.png')
        tap(shortcut is not None and find_text(root, 'Send') is not None,
            'the shortcuts window lists how to send and start a new line')
        press_key(0xff1b)   # Escape closes the shortcuts window

        # An administrator logs Alice out on every device (a stolen
        # laptop): the app says so and shows the login page.
        revoked = subprocess.run([SERVER, 'revoke-sessions', '--db', db, 'A'],
                                 capture_output=True, text=True)
        ended = wait_for('the session-ended toast', lambda: find_text(
            root, 'Your session has ended. Log in again to keep chatting.'))
        log_in_button = wait_for('the login page', lambda: find(root, role='push button',
                                                               name='Log In'))
        screenshot('ui-session-ended.png')
        tap(revoked.stdout == 'revoked 1 session\n' and ended is not None and
            log_in_button is not None,
            'revoke-sessions on the command line logs the running app out: '
            '"Your session has ended", then the login page', revoked.stdout + revoked.stderr)

        app.send_signal(signal.SIGTERM)
        app.wait(timeout=10)
        app = None
        keyring = kept_session(url, env, tmp)
    except Exception as e:  # noqa: BLE001 — report, then fail the run
        import traceback
        tap(False, 'ui test raised', traceback.format_exc())
        screenshot('ui-failure.png')
    finally:
        for proc in (app, server, keyring, bus):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        sys.stderr.write(read_app_log(tmp))
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(results) and len(results) == 20 else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""The real app in a real window, driven through the accessibility tree.

Starts the real teamchat-server on loopback with the test team, sends Alice a
message from Bob, then runs `teamchat --server URL` under the current X
display and acts as a person would: a wrong password shows an error a person
can act on, the right one leads to the Team Chat panel where Bob's
conversation shows with its unread count. Screenshots go to the build dir.

Needs DISPLAY (xvfb-run) and a session bus (dbus-run-session). Prints TAP.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi  # noqa: E402

SERVER = os.environ['TEAMCHAT_SERVER']
APP = os.environ['TEAMCHAT_APP']
DATA_DIR = os.environ['TC_IT_DATA_DIR']
SCHEMA_XML = os.environ['TEAMCHAT_SCHEMA']
SHOTS = os.environ.get('TC_SCREENSHOT_DIR', os.getcwd())

results = []


def tap(ok, name, detail=''):
    results.append(ok)
    print(('ok' if ok else 'not ok') + ' %d %s' % (len(results), name))
    if detail:
        for line in detail.splitlines():
            print('# ' + line)
    sys.stdout.flush()


def wait_for(what, func, timeout=20.0):
    """Polls func until it returns something truthy; a guard, not a timing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = func()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError('timed out waiting for ' + what)


def http(method, url, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header('Content-Type', 'application/json')
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read().decode()
        return json.loads(text) if text else None


def walk(node, depth=0):
    if node is None or depth > 60:
        return
    yield node
    for i in range(node.get_child_count()):
        try:
            child = node.get_child_at_index(i)
        except Exception:
            continue
        yield from walk(child, depth + 1)


def find_app():
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_name() == 'teamchat':
            return app
    return None


def find(root, role=None, name=None, contains=None):
    for node in walk(root):
        try:
            if role is not None and node.get_role_name() != role:
                continue
            label = node.get_name() or ''
            if name is not None and label.replace('_', '') != name:
                continue
            if contains is not None and contains not in label:
                continue
            return node
        except Exception:
            continue
    return None


def find_text(root, text):
    """A label (or alert) whose text is exactly @text: they expose it by name."""
    for node in walk(root):
        try:
            if node.get_role_name() in ('label', 'alert') and (node.get_name() or '') == text:
                return node
        except Exception:
            continue
    return None


def is_on(button):
    states = button.get_state_set()
    return states.contains(Atspi.StateType.PRESSED) or states.contains(Atspi.StateType.CHECKED)


def set_entry(root, title, value):
    # An AdwEntryRow exposes its editable text as a "text" child whose name
    # is the row's title.
    entry = find(root, role='text', name=title)
    if entry is None:
        raise AssertionError('no text field named %r' % title)
    entry.get_editable_text_iface().set_text_contents(value)
    return entry


def press(root, name):
    button = find(root, role='push button', name=name)
    if button is None:
        raise AssertionError('no button named %r' % name)
    button.get_action_iface().do_action(0)


def screenshot(name):
    path = os.path.join(SHOTS, name)
    subprocess.run(['import', '-window', 'root', path], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def main():
    tmp = tempfile.mkdtemp(prefix='tc-ui-')
    server = app = bus = None
    print('1..5')
    try:
        db = os.path.join(tmp, 'ui.db')
        out = subprocess.run([SERVER, 'import-associates', '--db', db,
                              os.path.join(DATA_DIR, 'team.csv')],
                             capture_output=True, text=True, check=True)
        assert out.stdout == 'imported 7\n', out.stdout
        server = subprocess.Popen([SERVER, 'serve', '--db', db, '--port', '0',
                                   '--bind', '127.0.0.1'],
                                  stdout=subprocess.PIPE, text=True)
        line = server.stdout.readline()
        assert line.startswith('listening on '), line
        url = line[len('listening on '):].strip()

        bob = http('POST', url + '/api/v1/session',
                   body={'login': 'bob', 'password': 'password-B', 'device': 'ui-test'})
        http('POST', url + '/api/v1/messages', bob['token'],
             {'client_id': '1b4e28ba-2fa1-41d2-883f-0016d3cca427', 'to': ['A'],
              'body': 'Welcome aboard, Alice! Call me when you can.'})

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
        app = subprocess.Popen([APP, '--server', url], env=env)

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

        set_entry(root, 'Password', 'password-A')
        press(root, 'Log In')
        rows = wait_for('Bob\'s conversation',
                        lambda: find(root, contains='Bob', role='list item'))
        time.sleep(1)  # let the page transition finish before the picture
        screenshot('ui-chat-panel.png')
        tap(True, 'logging in shows the Team Chat panel')
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
    except Exception as e:  # noqa: BLE001 — report, then fail the run
        import traceback
        tap(False, 'ui test raised', traceback.format_exc())
        screenshot('ui-failure.png')
    finally:
        for proc in (app, server, bus):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(results) and len(results) == 5 else 1


if __name__ == '__main__':
    sys.exit(main())

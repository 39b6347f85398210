"""Helpers shared by the UI tests: TAP output, the accessibility tree,
keyboard input, screenshots, the HTTP API, and starting server and app.

The UI tests drive the real app in a real window as a person would, through
AT-SPI (Debian's /usr/bin/python3 with gir1.2-atspi-2.0).
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi  # noqa: E402

SHOTS = os.environ.get('TC_SCREENSHOT_DIR', os.getcwd())

results = []

RETURN = 0xff0d                   # keysyms and modifier masks of X
SHIFT = 1 << Atspi.ModifierType.SHIFT


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
    try:
        count = node.get_child_count()
    except Exception:  # noqa: BLE001 — a row replaced while we walk
        return
    for i in range(count):
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
            # GTK 4.8 may repeat a labelled control's name ("Email Email").
            if name is not None and label.replace('_', '') not in (name, name + ' ' + name):
                continue
            if contains is not None and contains not in label:
                continue
            return node
        except Exception:
            continue
    return None


def near(node, found):
    """The closest ancestor of @node (or itself) for which found(ancestor)
    is truthy: to tell apart two buttons of one name in different views."""
    while node is not None:
        if found(node):
            return node
        node = node.get_parent()
    raise AssertionError('nothing found near the node')


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
    # A GtkMenuButton shows as a push button holding the real (toggle) one:
    # take the first of that name that has an action.
    for node in walk(root):
        try:
            # GTK 4.8 names a button with a mnemonic label "_Label Label".
            label = (node.get_name() or '').replace('_', '')
            if (node.get_role_name() == 'push button' and
                    label in (name, name + ' ' + name) and
                    node.get_action_iface() is not None and
                    node.get_action_iface().get_n_actions() > 0):
                node.get_action_iface().do_action(0)
                return
        except Exception:  # noqa: BLE001 — a node replaced while we walk
            continue
    seen = []
    for node in walk(root):
        try:
            if node.get_role_name() == 'push button':
                seen.append(node.get_name())
        except Exception:  # noqa: BLE001
            continue
    raise AssertionError('no button named %r among %r' % (name, seen))


def has_action(node, action_name):
    """Whether @node offers @action_name: a list row being replaced while
    the list changes may, for a moment, offer none."""
    try:
        action = node.get_action_iface()
        return action is not None and action_name in [
            action.get_action_name(i) for i in range(action.get_n_actions())]
    except Exception:  # noqa: BLE001 — the row went away
        return False


def activate(node, action_name):
    # GTK 4.8 lists a widget's own actions by their detailed names.
    action = node.get_action_iface()
    names = [action.get_action_name(i) for i in range(action.get_n_actions())]
    if action_name not in names:
        raise AssertionError('no action %r in %r' % (action_name, names))
    action.do_action(names.index(action_name))


def texts(root):
    return [node.get_name() for node in walk(root)
            if node.get_role_name() == 'label']


def type_keys(text):
    for char in text:
        Atspi.generate_keyboard_event(ord(char), None, Atspi.KeySynthType.SYM)
        time.sleep(0.02)


def press_key(keysym, modifiers=0):
    # Modifiers are locked around the key, as a held Shift would be.
    if modifiers:
        Atspi.generate_keyboard_event(modifiers, None, Atspi.KeySynthType.LOCKMODIFIERS)
    Atspi.generate_keyboard_event(keysym, None, Atspi.KeySynthType.SYM)
    if modifiers:
        Atspi.generate_keyboard_event(modifiers, None, Atspi.KeySynthType.UNLOCKMODIFIERS)
    time.sleep(0.05)


def screenshot(name):
    path = os.path.join(SHOTS, name)
    subprocess.run(['import', '-window', 'root', path], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


_READ_CLIPBOARD = '''
import time
import gi
gi.require_version('Gtk', '4.0')
gi.require_version('Gdk', '4.0')
from gi.repository import Gdk, GLib, Gtk
Gtk.init()
box = {}
def done(clipboard, result):
    try:
        box['text'] = clipboard.read_text_finish(result)
    except GLib.Error as e:
        box['error'] = e.message
Gdk.Display.get_default().get_clipboard().read_text_async(None, done)
end = time.monotonic() + 10
while not box and time.monotonic() < end:
    GLib.MainContext.default().iteration(True)
print(box.get('text') or '', end='')
'''


def clipboard_text():
    """What pasting in another program would get from the clipboard now
    (a GTK 4 client of the same X display, in a process of its own so that
    this one stays off the accessibility bus)."""
    out = subprocess.run([sys.executable, '-c', _READ_CLIPBOARD], capture_output=True,
                         text=True, timeout=30,
                         env=dict(os.environ, GDK_BACKEND='x11', GTK_A11Y='none'))
    return out.stdout


def start_server(tmp, server_bin, csv):
    """Imports @csv into a new database and serves it; returns (process, url, db)."""
    db = os.path.join(tmp, 'ui.db')
    subprocess.run([server_bin, 'import-associates', '--db', db, csv],
                   capture_output=True, text=True, check=True)
    server = subprocess.Popen([server_bin, 'serve', '--db', db, '--port', '0',
                               '--bind', '127.0.0.1'],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    assert line.startswith('listening on '), line
    return server, line[len('listening on '):].strip(), db


def start_demo_server(tmp, server_bin):
    """seed-demo (the demo team and its Documents and Media library) into a
    new database and serves it; returns (process, url, db, media dir)."""
    db = os.path.join(tmp, 'demo.db')
    media = os.path.join(tmp, 'media')
    subprocess.run([server_bin, 'seed-demo', '--db', db, '--media-dir', media],
                   capture_output=True, text=True, check=True)
    server = subprocess.Popen([server_bin, 'serve', '--db', db, '--media-dir', media,
                               '--port', '0', '--bind', '127.0.0.1'],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    assert line.startswith('listening on '), line
    return server, line[len('listening on '):].strip(), db, media


def http_bytes(url, token):
    """GET @url with the bearer token; the body as bytes."""
    req = urllib.request.Request(url)
    req.add_header('Authorization', 'Bearer ' + token)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


def find_window(app, title):
    """A top-level window of the app by its title (dialogs are their own)."""
    for i in range(app.get_child_count()):
        try:
            window = app.get_child_at_index(i)
            if window is not None and (window.get_name() or '') == title:
                return window
        except Exception:  # noqa: BLE001 — a window closing while we look
            continue
    return None


def login(url, login_name, password):
    return http('POST', url + '/api/v1/session',
                body={'login': login_name, 'password': password, 'device': 'ui-test'})


def start_app(tmp, app_bin, schema_xml, url, extra_env=None):
    """The app under the current display with its own settings and data;
    returns (app process, a11y bus process)."""
    schemas = os.path.join(tmp, 'schemas')
    os.makedirs(schemas, exist_ok=True)
    shutil.copy(schema_xml, schemas)
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
    env.update(extra_env or {})
    with open(app_log_path(tmp), 'w') as log:
        app = subprocess.Popen([app_bin, '--server', url], env=env, stderr=log)
    return app, bus


def app_log_path(tmp):
    """Where the app started for a test writes its stderr (start_app()
    puts it there), for read_app_log() and check_app_log()."""
    return os.path.join(tmp, 'app.log')


def read_app_log(tmp):
    path = app_log_path(tmp)
    if not os.path.exists(path):
        return ''
    with open(path) as f:
        return f.read()


def check_app_log(tmp):
    """After the app has stopped: taps that it wrote no GLib warning or
    critical (GTK's, libadwaita's or its own) on stderr, and shows what it
    wrote in the test's log."""
    said = read_app_log(tmp)
    sys.stderr.write(said)
    problems = [line for line in said.splitlines()
                if '-WARNING **' in line or '-CRITICAL **' in line]
    tap(not problems, 'the app wrote no warning or critical on stderr', '\n'.join(problems))


def log_in(root, login_name, password):
    wait_for('the Log In button', lambda: find(root, role='push button', name='Log In'))
    set_entry(root, 'Login', login_name)
    set_entry(root, 'Password', password)
    press(root, 'Log In')


def stop(*processes):
    for proc in processes:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

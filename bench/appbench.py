"""Shared by the app benchmarks (bench/app-start.py, bench/app-scroll.py):
a server with seeded history, a keyring holding a session, and the app or
the bare window started with the TEAMCHAT_BENCH probe, read line by line.

They need a display and a session bus of their own; see docs/PERFORMANCE.md
for the command (xvfb-run -n N … dbus-run-session -- …).
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import threading
import time
import urllib.request

APP_ID = 'io.github.teamchat.TeamChat'
SCHEMA = APP_ID + '.Session'
PASSWORD = 'teamchat-demo'


def now_us():
    # CLOCK_MONOTONIC, the clock of g_get_monotonic_time() in the programs.
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def http(method, url, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header('Content-Type', 'application/json')
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read().decode()
        return json.loads(text) if text else None


def seeded_db(build, messages, cache_dir):
    """A server database from `seed-demo --messages N`, seeded once per build
    directory and copied for each run."""
    os.makedirs(cache_dir, exist_ok=True)
    db = os.path.join(cache_dir, 'seed-%d.db' % messages)
    if not os.path.exists(db):
        print('# seeding %d messages (once, kept in %s)' % (messages, cache_dir), flush=True)
        subprocess.run([os.path.join(build, 'sync-server', 'teamchat-server'), 'seed-demo',
                        '--db', db + '.tmp', '--media-dir', os.path.join(cache_dir, 'media'),
                        '--messages', str(messages)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(['sqlite3', db + '.tmp', 'PRAGMA wal_checkpoint(TRUNCATE);'],
                       check=True, stdout=subprocess.DEVNULL)
        os.rename(db + '.tmp', db)
    return db


class Server:
    def __init__(self, build, db, tmp, media_dir, copy=True, unlimited=False):
        if copy:
            path = os.path.join(tmp, 'server.db')
            shutil.copy(db, path)
            db = path
        argv = [os.path.join(build, 'sync-server', 'teamchat-server'), 'serve', '--db', db,
                '--media-dir', media_dir, '--port', '0', '--bind', '127.0.0.1']
        if unlimited:
            # No message rate limit, to write a long history quickly.
            conf = os.path.join(tmp, 'unlimited.ini')
            with open(conf, 'w') as f:
                f.write('[limits]\nmessages_per_minute=0\n')
            argv += ['--config', conf]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith('listening on '), line
        self.url = line[len('listening on '):].strip()

    def stop(self):
        stop(self.proc)


class Keyring:
    """gnome-keyring-daemon on the session bus, its login keyring created and
    unlocked in a directory of its own: no prompt."""

    def __init__(self, tmp):
        daemon = os.environ.get('TEAMCHAT_BENCH_KEYRING_DAEMON', shutil.which('gnome-keyring-daemon'))
        if daemon is None:
            raise SystemExit('no gnome-keyring-daemon: run bench/app-bench.sh, which fetches one')
        home = os.path.join(tmp, 'keyring')
        os.makedirs(home, exist_ok=True)
        env = dict(os.environ, XDG_DATA_HOME=home, XDG_RUNTIME_DIR=home)
        subprocess.run([daemon, '--replace', '--unlock', '--components=secrets', '--daemonize'],
                       input=b'bench', env=env, check=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run(['dbus-send', '--session', '--print-reply',
                              '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
                              'org.freedesktop.DBus.GetNameOwner',
                              'string:org.freedesktop.secrets'],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
            if time.monotonic() > deadline:
                raise SystemExit('the keyring did not come up')
            time.sleep(0.1)

    def keep_session(self, server_url, associate_id, token):
        """What the app stores after a login (tc-secret-token-store.c)."""
        subprocess.run(['secret-tool', 'store', '--label=Team Chat session',
                        'xdg:schema', SCHEMA, 'server', server_url, 'associate', associate_id],
                       input=token.encode(), check=True)


def log_in(server_url, login):
    answer = http('POST', server_url + '/api/v1/session',
                  body={'login': login, 'password': PASSWORD, 'device': 'bench'})
    return answer['associate']['id'], answer['token']


def app_env(build, tmp, name):
    schemas = os.path.join(tmp, 'schemas')
    if not os.path.isdir(schemas):
        os.makedirs(schemas)
        src = os.path.join(os.path.dirname(__file__), '..', 'data', APP_ID + '.gschema.xml')
        shutil.copy(src, schemas)
        subprocess.run(['glib-compile-schemas', schemas], check=True)
    home = os.path.join(tmp, name)
    return dict(os.environ,
                GSETTINGS_SCHEMA_DIR=schemas, GSETTINGS_BACKEND='memory',
                GDK_BACKEND='x11', GSK_RENDERER='cairo',
                XDG_DATA_HOME=os.path.join(home, 'data'),
                XDG_CONFIG_HOME=os.path.join(home, 'config'),
                XDG_CACHE_HOME=os.path.join(home, 'cache'),
                LANGUAGE='C', LC_ALL='C.UTF-8')


class Program:
    """A program that prints `bench EVENT t=… rss=… key=value…` lines,
    read as they come by a thread of their own."""

    def __init__(self, argv, env, bus_name=None):
        self.bus_name = bus_name
        self.start = now_us()
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                     errors='replace')
        self.events = {}
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            if not line.startswith('bench '):
                continue
            words = line.split()
            values = dict(w.split('=', 1) for w in words[2:] if '=' in w)
            name = words[1]
            if name == 'mark':
                name = 'mark:' + values.get('what', '')
            with self.changed:
                self.events.setdefault(name, values)
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, event, timeout=120):
        deadline = time.monotonic() + timeout
        with self.changed:
            while event not in self.events:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError('no %r from %s (exit %s; seen: %s)' % (
                        event, self.proc.args[0], self.proc.poll(), ', '.join(self.events)))
                self.changed.wait(min(left, 0.5))
            return self.events[event]

    def ms(self, event, timeout=120):
        return (int(self.wait_for(event, timeout)['t']) - self.start) / 1000.0

    def cpu_ms(self, event):
        """The program's main-thread CPU time at the event (ms)."""
        return float(self.wait_for(event).get('cpu', 'nan'))

    def rss_mib(self, event):
        return int(self.wait_for(event)['rss']) / 1024.0

    def quit(self):
        if self.proc.poll() is None and self.bus_name is not None:
            # As Ctrl+Q does: the app shuts down cleanly.
            subprocess.run(['gdbus', 'call', '--session', '--dest', self.bus_name,
                            '--object-path', '/' + self.bus_name.replace('.', '/'),
                            '--method', 'org.gtk.Actions.Activate', 'quit', '[]', '{}'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        stop(self.proc)


def stop(proc):
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def median(values):
    return statistics.median(values) if values else float('nan')

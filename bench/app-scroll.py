#!/usr/bin/python3
"""Opening and scrolling a conversation of 50,000 messages (issue 9), under
Xvfb, in the real app.

The history: the demo team (`seed-demo --messages 0`), then MESSAGES
(default 50,000) messages between `maria` and `kwame` written through
POST /api/v1/messages (two thirds from maria, a third from kwame; short and
long bodies, some over several lines), kept in BUILD_DIR/bench/data. The
app logs in as maria from the keyring and syncs it all once.

Then RUNS times, each in a fresh app process: a second after the
conversations are listed, with the window idle (no frame due, as when a
person clicks), the app's TEAMCHAT_BENCH probe opens the conversation with
kwame as a click on its row does (app.open-conversation), and reports when
the next frame started and ended, and when the first frame with every
visible message read ended. Once the history has stayed in one place for
10 frames (the panel slides it in), xdotool turns the mouse wheel over it
(CLICKS clicks upwards,
one every 16 ms, as a quick flick through the history does) and the probe
reports the intervals between frames while it moves (what frame rate the
scrolling keeps), how long each frame took from its start to the end of
its paint, and in how many frames messages were still being read.

Usage: bench/app-scroll.py [BUILD_DIR] [RUNS] [MESSAGES] [CLICKS]
TEAMCHAT_BENCH_MARKS=1 also prints, for each run, the probe's marks on the
way from the click to the conversation on screen (wall and CPU time).
Run under a display and a session bus: see docs/PERFORMANCE.md.
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import appbench as ab  # noqa: E402

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '_build')
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
messages = int(sys.argv[3]) if len(sys.argv) > 3 else 50000
clicks = int(sys.argv[4]) if len(sys.argv) > 4 else 150
app_bin = os.path.join(build, 'app', 'src', 'teamchat')
cache = os.path.join(build, 'bench', 'data')
PEER_LOGIN = 'kwame'

WORDS = ('order kit team call meeting today tomorrow thanks great sample '
         'catalogue delivery customer price launch training webinar goal '
         'bonus rank follow-up invoice shipping question answer').split()


def body(i):
    n = (i * 7919) % 97
    words = [WORDS[(i + k * 31) % len(WORDS)] for k in range(3 + n % 40)]
    text = ' '.join(words)
    if n % 11 == 0:
        text = text.replace(' thanks ', '\nthanks\n')
    return '#%d %s' % (i, text)


def write_conversation(url, n):
    tokens = {}
    ids = {}
    for login in ('maria', PEER_LOGIN):
        ids[login], tokens[login] = ab.log_in(url, login)
    parsed = urllib.parse.urlsplit(url)
    next_i = iter(range(n))
    lock = threading.Lock()
    failures = []

    def worker():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        while True:
            with lock:
                i = next(next_i, None)
            if i is None:
                break
            sender = PEER_LOGIN if i % 3 == 2 else 'maria'
            recipient = 'maria' if sender == PEER_LOGIN else PEER_LOGIN
            payload = json.dumps({'client_id': str(uuid.uuid4()), 'to': [ids[recipient]],
                                  'body': body(i)})
            conn.request('POST', '/api/v1/messages', payload,
                         {'Content-Type': 'application/json',
                          'Authorization': 'Bearer ' + tokens[sender]})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 201:
                failures.append(resp.status)
                break
        conn.close()

    # In order within a thread; four threads interleave, as people do.
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit('sending failed: HTTP %s' % failures[0])
    return ids[PEER_LOGIN]


def conversation_db():
    db = os.path.join(cache, 'conversation-%d.db' % messages)
    if os.path.exists(db):
        return db
    base = ab.seeded_db(build, 0, cache)
    print('# writing %d messages between maria and %s (once, kept in %s)' % (
        messages, PEER_LOGIN, cache), flush=True)
    with tempfile.TemporaryDirectory(prefix='tc-bench-conv-') as tmp:
        work = os.path.join(tmp, 'conversation.db')
        subprocess.run(['cp', base, work], check=True)
        server = ab.Server(build, work, tmp, os.path.join(cache, 'media'), copy=False,
                           unlimited=True)
        try:
            write_conversation(server.url, messages)
        finally:
            server.stop()
        subprocess.run(['sqlite3', work, 'PRAGMA wal_checkpoint(TRUNCATE);'], check=True,
                       stdout=subprocess.DEVNULL)
        os.rename(work, db)
    return db


def scroll(prog, ready):
    x = int(float(ready['x']) + float(ready['width']) / 2)
    y = int(float(ready['y']) + float(ready['height']) / 2)
    subprocess.run(['xdotool', 'mousemove', str(x), str(y)], check=True)
    subprocess.run(['xdotool', 'click', '--repeat', str(clicks), '--delay', '16', '4'],
                   check=True)
    done = prog.wait_for('scroll-done', timeout=60)
    # Out of the way of the next window.
    subprocess.run(['xdotool', 'mousemove', '1279', '799'], check=True)
    return done


db = conversation_db()
with tempfile.TemporaryDirectory(prefix='tc-bench-scroll-') as tmp:
    server = ab.Server(build, db, tmp, os.path.join(cache, 'media'))
    try:
        keyring = ab.Keyring(tmp)
        associate, token = ab.log_in(server.url, 'maria')
        peer, _ = ab.log_in(server.url, PEER_LOGIN)
        keyring.keep_session(server.url, associate, token)
        env = ab.app_env(build, tmp, 'app')

        app = ab.Program([app_bin, '--server', server.url], dict(env, TEAMCHAT_BENCH='start,sync'),
                         ab.APP_ID)
        try:
            done = app.wait_for('sync-done', timeout=900)
            print('synced %s events in %s s' % (done['events'], done['seconds']), flush=True)
        finally:
            app.quit()

        rows = []
        for run in range(runs):
            prog = ab.Program([app_bin, '--server', server.url],
                              dict(env, TEAMCHAT_BENCH='start,open=' + peer), ab.APP_ID)
            try:
                first_frame = prog.wait_for('open-first-frame', 60)
                first = float(first_frame['ms'])
                started = float(first_frame.get('started_ms', 'nan'))
                opened = prog.wait_for('open')
                if os.environ.get('TEAMCHAT_BENCH_MARKS'):
                    # Where the click's time went: each mark's wall and CPU time after it.
                    print('  ' + ', '.join('%s +%.1f ms (cpu +%.1f)' % (
                        name[len('mark:'):], (int(v['t']) - int(opened['t'])) / 1000.0,
                        float(v['cpu']) - float(opened['cpu']))
                        for name, v in sorted(prog.events.items(), key=lambda e: int(e[1]['t']))
                        if name.startswith('mark:conversation')), flush=True)
                read = prog.wait_for('open-read-frame', 30)
                ready = prog.wait_for('scroll-ready', 30)
                done = scroll(prog, ready)
                row = (first, float(read['ms']), float(done['interval_p50_ms']),
                       float(done['interval_p95_ms']), float(done['interval_max_ms']),
                       float(done['cost_p50_ms']), float(done['cost_p95_ms']),
                       int(done['frames']), int(done['intervals_over_17ms']),
                       int(done['intervals_over_33ms']), int(done['frames_with_unread_rows']),
                       float(done['distance_px']), int(read['n_items']), started)
                rows.append(row)
                print('run %2d: %d messages; opened: next frame %.1f ms (started after %.1f), '
                      'all shown read %.1f ms | '
                      'scroll %d frames over %.0f px: interval p50 %.1f p95 %.1f max %.1f ms, '
                      '> 17 ms: %d, > 33 ms: %d; frame cost p50 %.1f p95 %.1f ms; '
                      'frames with messages being read: %d' % (
                          run + 1, row[12], row[0], row[13], row[1], row[7], row[11], row[2], row[3],
                          row[4], row[8], row[9], row[5], row[6], row[10]), flush=True)
            except RuntimeError as e:
                # A run that did not get there is left out, and counted.
                print('run %2d left out: %s' % (run + 1, e), flush=True)
            finally:
                prog.quit()

        if rows:
            med = lambda i: ab.median([r[i] for r in rows])  # noqa: E731
            print('medians of %d runs: opened: next frame %.1f ms (started after %.1f), '
                  'all shown read %.1f ms; '
                  'scrolling: interval p50 %.1f ms, p95 %.1f ms, max %.1f ms; frame cost p50 '
                  '%.1f ms, p95 %.1f ms; intervals > 17 ms: %.0f of %.0f' % (
                      len(rows), med(0), med(13), med(1), med(2), med(3), med(4), med(5), med(6),
                      med(8), med(7)))
    finally:
        server.stop()

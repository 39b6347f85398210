#!/usr/bin/python3
"""App start and initial sync (issue 9, app targets), under Xvfb.

1. Seeds a server with `seed-demo --messages N` (default 100,000), keeps a
   session for `maria` in a keyring, and starts the app on an empty
   replica: it logs in from the keyring and syncs everything, while its
   TEAMCHAT_BENCH probe keeps frames coming and records the gaps between
   them (main-loop stalls). Prints the sync time and the stalls.
2. Then, RUNS times, alternating, starts a bare libadwaita window
   (bench-bare-window) and the app on that replica, each in a fresh
   process, and records from just before the exec to the end of the first
   frame (and, for the app, to the first frame of the logged-in view and
   to the first frame listing the conversations), with RSS at those
   moments. Prints medians and the ratios app / bare window.

Usage: bench/app-start.py [BUILD_DIR] [RUNS] [MESSAGES]
Run under a display and a session bus: see docs/PERFORMANCE.md.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import appbench as ab  # noqa: E402

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '_build')
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
messages = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
app_bin = os.path.join(build, 'app', 'src', 'teamchat')
bare_bin = os.path.join(build, 'bench', 'bench-bare-window')
cache = os.path.join(build, 'bench', 'data')

db = ab.seeded_db(build, messages, cache)
with tempfile.TemporaryDirectory(prefix='tc-bench-start-') as tmp:
    server = ab.Server(build, db, tmp, os.path.join(cache, 'media'))
    try:
        keyring = ab.Keyring(tmp)
        associate, token = ab.log_in(server.url, 'maria')
        keyring.keep_session(server.url, associate, token)
        env = ab.app_env(build, tmp, 'app')

        # 1. The initial sync, with the app on screen.
        app = ab.Program([app_bin, '--server', server.url], dict(env, TEAMCHAT_BENCH='start,sync'),
                         ab.APP_ID)
        try:
            done = app.wait_for('sync-done', timeout=600)
            start = app.wait_for('sync-start')
            print('initial sync: %s events in %.2f s (%.0f events/s); frames %s, gap p50 %s ms, '
                  'p99 %s ms, max %s ms, gaps > 50 ms: %s, > 100 ms: %s; RSS after %.0f MiB' % (
                      done['events'], float(done['seconds']),
                      int(done['events']) / float(done['seconds']), done['frames'],
                      done['gap_p50_ms'], done['gap_p99_ms'], done['gap_max_ms'],
                      done['gaps_over_50ms'], done['gaps_over_100ms'],
                      int(done['rss']) / 1024.0), flush=True)
            del start
        finally:
            app.quit()

        # 2. Starts, alternating with the bare window.
        bare_env = ab.app_env(build, tmp, 'bare')
        rows = {'bare': [], 'app': []}
        failed = 0
        for run in range(runs):
            order = ('bare', 'app') if run % 2 == 0 else ('app', 'bare')
            got = {}
            try:
                for which in order:
                    if which == 'bare':
                        prog = ab.Program([bare_bin], bare_env)
                        try:
                            got['bare'] = (prog.ms('first-frame'), prog.rss_mib('first-frame'))
                        finally:
                            prog.quit()
                    else:
                        prog = ab.Program([app_bin, '--server', server.url],
                                          dict(env, TEAMCHAT_BENCH='start'), ab.APP_ID)
                        try:
                            got['app'] = (prog.ms('first-frame'), prog.rss_mib('first-frame'),
                                          prog.ms('main-frame'), prog.ms('list-frame', 20),
                                          prog.rss_mib('list-frame'))
                        finally:
                            prog.quit()
            except RuntimeError as e:
                # A run that did not get there is left out, and counted.
                failed += 1
                print('run %2d: left out: %s' % (run + 1, str(e).split(';')[0]), flush=True)
                continue
            rows['bare'].append(got['bare'])
            rows['app'].append(got['app'])
            b, a = got['bare'], got['app']
            print('run %2d: bare %.0f ms %.0f MiB | app first frame %.0f ms %.0f MiB, '
                  'logged-in view %.0f ms, conversations listed %.0f ms %.0f MiB' % (
                      run + 1, b[0], b[1], a[0], a[1], a[2], a[3], a[4]), flush=True)

        med = lambda rows_, i: ab.median([r[i] for r in rows_])  # noqa: E731
        bare_ms, bare_rss = med(rows['bare'], 0), med(rows['bare'], 1)
        app_ms, app_rss = med(rows['app'], 0), med(rows['app'], 1)
        main_ms, list_ms, list_rss = med(rows['app'], 2), med(rows['app'], 3), med(rows['app'], 4)
        print('medians of %d runs (%d left out):' % (len(rows['app']), failed))
        print('  bare libadwaita window: first frame %.0f ms, RSS %.0f MiB' % (bare_ms, bare_rss))
        print('  app: first frame %.0f ms (%.2fx), RSS %.0f MiB (+%.0f MiB)' % (
            app_ms, app_ms / bare_ms, app_rss, app_rss - bare_rss))
        print('  app: logged-in view %.0f ms (%.2fx); conversations listed %.0f ms (%.2fx), '
              'RSS %.0f MiB (+%.0f MiB)' % (main_ms, main_ms / bare_ms, list_ms, list_ms / bare_ms,
                                           list_rss, list_rss - bare_rss))
    finally:
        server.stop()

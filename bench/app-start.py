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
   moments. Prints medians, the ratios app / bare window and the probe's
   marks on the way. With TEAMCHAT_BENCH_BEFORE=OTHER_BUILD_DIR, the app
   of that build takes its turn too ("before"), to compare two commits in
   one run.

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
# Another build of the app (an older commit), started in turn with this one.
before = os.environ.get('TEAMCHAT_BENCH_BEFORE')
before = os.path.abspath(before) if before else None
MARKS = ('startup', 'gtk-ready', 'activate', 'window-template', 'window-built', 'resumed')
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

        # 2. Starts, alternating with the bare window (and the app of another
        # build, to compare two commits in one run).
        bare_env = ab.app_env(build, tmp, 'bare')
        apps = {'app': app_bin}
        if before is not None:
            apps['before'] = os.path.join(before, 'app', 'src', 'teamchat')
        names = ['bare'] + sorted(apps)
        rows = {name: [] for name in names}
        marks = {name: {} for name in apps}
        failed = 0
        for run in range(runs):
            # Each program goes first, in the middle and last in turn.
            order = names[run % len(names):] + names[:run % len(names)]
            got = {}
            try:
                for which in order:
                    if which == 'bare':
                        prog = ab.Program([bare_bin], bare_env)
                        try:
                            got['bare'] = (prog.ms('first-frame'), prog.rss_mib('first-frame'),
                                           prog.cpu_ms('first-frame'))
                        finally:
                            prog.quit()
                    else:
                        prog = ab.Program([apps[which], '--server', server.url],
                                          dict(env, TEAMCHAT_BENCH='start'), ab.APP_ID)
                        try:
                            got[which] = (prog.ms('first-frame'), prog.rss_mib('first-frame'),
                                          prog.ms('main-frame'), prog.ms('list-frame', 20),
                                          prog.rss_mib('list-frame'), prog.cpu_ms('first-frame'),
                                          prog.cpu_ms('main-frame'))
                            got[which + ':marks'] = {
                                m: (prog.ms('mark:' + m), prog.cpu_ms('mark:' + m)) for m in MARKS
                                if 'mark:' + m in prog.events}
                        finally:
                            prog.quit()
            except RuntimeError as e:
                # A run that did not get there is left out, and counted.
                failed += 1
                print('run %2d: left out: %s' % (run + 1, str(e).split(';')[0]), flush=True)
                continue
            for name in names:
                rows[name].append(got[name])
            for name in apps:
                for m, ms in got[name + ':marks'].items():
                    marks[name].setdefault(m, []).append(ms)
            b = got['bare']
            print('run %2d: bare %.0f ms %.0f MiB' % (run + 1, b[0], b[1]) + ''.join(
                ' | %s first frame %.0f ms %.0f MiB, logged-in view %.0f ms, '
                'conversations listed %.0f ms %.0f MiB' % ((name,) + got[name][:5])
                for name in sorted(apps)), flush=True)

        med = lambda rows_, i: ab.median([r[i] for r in rows_])  # noqa: E731
        bare_ms, bare_rss = med(rows['bare'], 0), med(rows['bare'], 1)
        print('medians of %d runs (%d left out):' % (len(rows['bare']), failed))
        bare_cpu = med(rows['bare'], 2)
        print('  bare libadwaita window: first frame %.0f ms, RSS %.0f MiB; main thread CPU %.0f ms'
              % (bare_ms, bare_rss, bare_cpu))
        for name in sorted(apps):
            app_ms, app_rss = med(rows[name], 0), med(rows[name], 1)
            main_ms, list_ms, list_rss = med(rows[name], 2), med(rows[name], 3), med(rows[name], 4)
            print('  %s: first frame %.0f ms (%.2fx), RSS %.0f MiB (+%.0f MiB)' % (
                name, app_ms, app_ms / bare_ms, app_rss, app_rss - bare_rss))
            print('  %s: logged-in view %.0f ms (%.2fx); conversations listed %.0f ms (%.2fx), '
                  'RSS %.0f MiB (+%.0f MiB)' % (name, main_ms, main_ms / bare_ms, list_ms,
                                               list_ms / bare_ms, list_rss, list_rss - bare_rss))
            # The probe's marks, each from the exec; then the steps between them.
            times = [(m, ab.median([v[0] for v in marks[name][m]]),
                      ab.median([v[1] for v in marks[name][m]])) for m in MARKS if m in marks[name]]
            times += [('first-frame', app_ms, med(rows[name], 5)),
                      ('main-frame', main_ms, med(rows[name], 6)), ('list-frame', list_ms, float('nan'))]
            times.sort(key=lambda t: t[1])
            print('  %s: marks (ms from exec) %s' % (name, ', '.join(
                '%s %.0f (+%.0f)' % (m, t, t - (times[i - 1][1] if i else 0))
                for i, (m, t, c) in enumerate(times))))
            # The main thread's CPU time: what the machine's other work does not inflate.
            print('  %s: main thread CPU (ms) %s; first frame %.0f ms = %.2fx the bare window\'s'
                  % (name, ', '.join(
                      '%s %.1f (+%.1f)' % (m, c, c - (times[i - 1][2] if i else 0))
                      for i, (m, t, c) in enumerate(times) if m != 'list-frame'),
                     med(rows[name], 5), med(rows[name], 5) / bare_cpu), flush=True)
    finally:
        server.stop()

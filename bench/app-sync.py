#!/usr/bin/python3
"""The initial sync of the app under Xvfb (issue 9), several builds in turn.

The first part of bench/app-start.py alone: a server seeded with
`seed-demo --messages N` (maria sees about 51,000 of 100,000), a session
for maria kept in a keyring, and the app of each build started in turn on
an empty replica, ROUNDS times, each syncing everything while its
TEAMCHAT_BENCH probe records the sync time and the gaps between frames
(each round in a rotated order: the first of a round has an edge).
Prints each sync and the medians per build. Compare builds only within
one run (a shared machine).

Usage: bench/app-sync.py SERVER_BUILD ROUNDS LABEL=BUILD [LABEL=BUILD...]
SERVER_BUILD's teamchat-server serves every round (and seeds the database
once, kept in SERVER_BUILD/bench/data). PERF=1 records the first build's
first sync with `perf record --call-graph dwarf` into PERF_OUT (default
app-sync.perf). Run under a display and a session bus, with
TEAMCHAT_BENCH_KEYRING_DAEMON set (see bench/app-bench.sh):

  TEAMCHAT_BENCH_KEYRING_DAEMON=$(scripts/keyring-daemon.sh _build/keyring) \\
    xvfb-run -n 92 -s "-screen 0 1280x800x24 -noreset" dbus-run-session -- \\
    /usr/bin/python3 bench/app-sync.py _build 6 before=OLD_BUILD after=_build
"""
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import appbench as ab  # noqa: E402

if len(sys.argv) < 4:
    raise SystemExit(__doc__)
server_build = os.path.abspath(sys.argv[1])
rounds = int(sys.argv[2])
builds = [(label, os.path.abspath(path)) for label, path in (a.split('=', 1) for a in sys.argv[3:])]
messages = int(os.environ.get('TEAMCHAT_BENCH_MESSAGES', '100000'))
cache = os.path.join(server_build, 'bench', 'data')
db = ab.seeded_db(server_build, messages, cache)
perf = (['perf', 'record', '--call-graph', 'dwarf,16384', '-F', '400', '-o',
         os.environ.get('PERF_OUT', 'app-sync.perf')] if os.environ.get('PERF') else [])
results = {label: [] for label, _ in builds}

# One keyring for the whole run: starting one per round (--replace) made
# `secret-tool store` fail or hang now and then.
keyring = ab.Keyring(tempfile.mkdtemp(prefix='tc-bench-sync-keyring-'))
for r in range(rounds):
    # Each round starts with the next build: the first of a round synced
    # 0.1-0.2 s faster than the second whichever build it was (seen with
    # the same two builds in both orders).
    for label, build in builds[r % len(builds):] + builds[:r % len(builds)]:
        with tempfile.TemporaryDirectory(prefix='tc-bench-sync-') as tmp:
            server = ab.Server(server_build, db, tmp, os.path.join(cache, 'media'))
            try:
                associate, token = ab.log_in(server.url, 'maria')
                for attempt in range(20):
                    try:
                        keyring.keep_session(server.url, associate, token)
                        break
                    except Exception:
                        time.sleep(0.3)
                else:
                    raise SystemExit('could not keep the session in the keyring')
                env = dict(ab.app_env(build, tmp, 'app'), TEAMCHAT_BENCH='start,sync')
                first = r == 0 and label == builds[0][0]
                app = ab.Program((perf if first else []) +
                                 [os.path.join(build, 'app', 'src', 'teamchat'), '--server', server.url],
                                 env, ab.APP_ID)
                try:
                    done = app.wait_for('sync-done', timeout=600)
                    seconds, events = float(done['seconds']), int(done['events'])
                    results[label].append(dict(
                        seconds=seconds, rate=events / seconds, frames=int(done['frames']),
                        p50=float(done['gap_p50_ms']), p99=float(done['gap_p99_ms']),
                        longest=float(done['gap_max_ms']), over50=int(done['gaps_over_50ms']),
                        over100=int(done['gaps_over_100ms'])))
                    print('%s round %d: %d events in %.2f s (%.0f events/s); frames %s, gap p50 %s ms, '
                          'p99 %s ms, max %s ms, gaps > 50 ms: %s, > 100 ms: %s' % (
                              label, r, events, seconds, events / seconds, done['frames'],
                              done['gap_p50_ms'], done['gap_p99_ms'], done['gap_max_ms'],
                              done['gaps_over_50ms'], done['gaps_over_100ms']), flush=True)
                finally:
                    app.quit()
            finally:
                server.stop()

for label, runs in results.items():
    def median(key):
        return statistics.median(run[key] for run in runs)
    print('%s, medians of %d: %.2f s (%.2f–%.2f), %.0f events/s, frames %.0f, gap p50 %.1f ms, '
          'p99 %.1f ms, longest %.1f ms (%.1f–%.1f), gaps > 50 ms %.1f, > 100 ms %.1f' % (
              label, len(runs), median('seconds'), min(x['seconds'] for x in runs),
              max(x['seconds'] for x in runs), median('rate'), median('frames'), median('p50'),
              median('p99'), median('longest'), min(x['longest'] for x in runs),
              max(x['longest'] for x in runs), median('over50'), median('over100')))

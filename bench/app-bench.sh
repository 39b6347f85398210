#!/usr/bin/env bash
# The app benchmarks of issue 9, in the real app under Xvfb:
#   start   cold start to the first frames against a bare libadwaita window,
#           after an initial sync measured with the UI on screen
#           (bench/app-start.py; RUNS starts of each, default 15)
#   scroll  opening a conversation of 50,000 messages and scrolling it
#           (bench/app-scroll.py; RUNS opens, default 7)
# Usage: bench/app-bench.sh start|scroll [RUNS]
#
# Builds _build (debugoptimized, -Dapp=true) if needed; TEAMCHAT_BENCH_BUILD
# names another build directory. TEAMCHAT_BENCH_BEFORE=OTHER_BUILD_DIR starts
# that build's app in turn with this one (start only). Needs a keyring for
# the kept session: gnome-keyring-daemon is taken from Debian's package
# with `apt-get download` and unpacked into _build/bench/keyring, not
# installed (installed, it would answer every session bus of the machine,
# the UI tests' too). The display is Xvfb :92 (TEAMCHAT_BENCH_DISPLAY to
# change it); a session bus of its own comes from dbus-run-session.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?usage: bench/app-bench.sh start|scroll [RUNS]}
runs=${2:-}
display=${TEAMCHAT_BENCH_DISPLAY:-92}
build=${TEAMCHAT_BENCH_BUILD:-_build}

scripts/deps.sh build test bench
[ -f "$build/build.ninja" ] ||
  meson setup "$build" -Dwerror=true -Dapp=true -Dbuildtype=debugoptimized >/dev/null
meson compile -C "$build" >/dev/null

daemon=$(scripts/keyring-daemon.sh _build/bench/keyring)
export TEAMCHAT_BENCH_KEYRING_DAEMON=$daemon

case "$what" in
  start) script=bench/app-start.py ;;
  scroll) script=bench/app-scroll.py ;;
  *) echo "app-bench.sh: start or scroll, not '$what'" >&2; exit 2 ;;
esac
echo "== $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD) =="
exec xvfb-run -n "$display" -s "-screen 0 1280x800x24 -noreset" \
  dbus-run-session -- /usr/bin/python3 "$script" "$build" ${runs:+"$runs"}

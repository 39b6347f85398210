#!/usr/bin/env bash
# Live delivery: CLIENTS WebSocket connections (one associate each, in
# pairs that are each other's team), RATE messages a second sent as "send"
# frames; the time from handing a frame to libsoup to the recipient's
# "message" event, and to the sender's "ack". The clients run in one
# process (bench-ws-client) on the same machine as the server.
#
# Usage: bench/live.sh [CLIENTS] [RATE] [SECONDS]   (default 1000 1000 20)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-1000}
rate=${2:-1000}
secs=${3:-20}
. bench/lib.sh

bench_build bench/bench-ws-client
ws=_build-bench/bench/bench-ws-client
dir=$(mktemp -d /tmp/teamchat-live-XXXXXX)
pid=
trap 'stop_server; rm -rf "$dir"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
printf '[limits]\nmessages_per_minute=0\n' > "$dir/bench.ini"

fresh_copy "$(seeded 0)"
$ws prepare "$dir/bench.db" "$clients" >/dev/null
start_server "$server" serve --db "$dir/bench.db" --port 0 --config "$dir/bench.ini"
bench_header "$clients clients, $rate messages/s, ${secs}s"
$ws live "$url" "$clients" "$rate" "$secs"

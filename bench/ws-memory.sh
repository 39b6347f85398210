#!/usr/bin/env bash
# Memory per idle WebSocket connection: the server's RSS with no connection,
# then with 1,000, 5,000 and 10,000 idle ones (one associate each, hello
# received, presence settled), opened by one client process.
#
# Usage: bench/ws-memory.sh [STEPS…]   (default 1000 5000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(1000 5000 10000)
. bench/lib.sh

bench_build bench/bench-ws-client
ws=_build-bench/bench/bench-ws-client
dir=$(mktemp -d /tmp/teamchat-wsmem-XXXXXX)
pid=
trap 'stop_server; rm -rf "$dir"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
most=0
for n in "${steps[@]}"; do [ "$n" -gt "$most" ] && most=$n; done

fresh_copy "$(seeded 0)"
$ws prepare "$dir/bench.db" "$most" >/dev/null
start_server "$server" serve --db "$dir/bench.db" --port 0
bench_header "idle WebSocket connections: ${steps[*]}"
$ws idle "$url" "$pid" "${steps[@]}"

#!/usr/bin/env bash
# Does ingest slow down as the store grows? The same durable sends into a
# store that holds no messages and into one that holds MESSAGES (default
# 1,000,000), alternating, in one run: over HTTP (wrk, as bench/ingest.sh)
# and into the store alone (bench-store-ingest, no HTTP, less noise).
#
# Usage: bench/ingest-growth.sh [MESSAGES] [SECONDS] [ROUNDS]
# Seeded databases are kept in $BENCH_CACHE (see bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000000}
secs=${2:-10}
rounds=${3:-3}
conns=32
. bench/lib.sh

bench_build bench/bench-store-ingest
store_bench=_build-bench/bench/bench-store-ingest
dir=$(mktemp -d /tmp/teamchat-growth-XXXXXX)
pid=
trap 'stop_server; rm -rf "$dir"' EXIT
printf '[limits]\nmessages_per_minute=0\n' > "$dir/bench.ini"

empty=$(seeded 0)
full=$(seeded "$messages")

http_run() {
  fresh_copy "$1"
  start_server "$server" serve --db "$dir/bench.db" --port 0 --config "$dir/bench.ini"
  TOKEN=$(login maria)
  export TOKEN TO=A1006
  wrk -t1 -c"$conns" -d"${secs}s" -s bench/ingest.lua "$url" > "$dir/wrk" 2>&1
  stop_server
  sed -n 's/^messages\/s: //p' "$dir/wrk"
}

store_run() {
  fresh_copy "$1"
  $store_bench "$dir/bench.db" "$secs" "$conns" |
    sed -n 's/^store ingest: \([0-9]*\) messages\/s.*CPU \([0-9.]*\) µs.*/\1 \2/p'
}

bench_header "${secs}s runs, $conns in flight, $rounds rounds: 0 vs $messages messages stored"
declare -A results
for round in $(seq "$rounds"); do
  for which in empty full; do
    db=$empty; [ "$which" = full ] && db=$full
    http=$(http_run "$db")
    read -r store cpu < <(store_run "$db")
    printf 'round %s  %-5s  HTTP %6s messages/s   store alone %6s messages/s (%s µs CPU/message)\n' \
      "$round" "$which" "$http" "$store" "$cpu"
    results[$which-http]+="$http "
    results[$which-store]+="$store "
    results[$which-cpu]+="$cpu "
  done
done

echo "== medians =="
for kind in http store cpu; do
  e=$(echo "${results[empty-$kind]}" | median)
  f=$(echo "${results[full-$kind]}" | median)
  unit="messages/s"; [ "$kind" = cpu ] && unit="µs CPU/message (store alone)"
  printf '%-6s empty %7s   %s stored %7s %s   full/empty %.2f\n' "$kind" "$e" "$messages" "$f" \
    "$unit" "$(echo "$f / $e" | bc -l)"
done

#!/usr/bin/env bash
# Does ingest slow down as the store grows? The same durable sends into a
# store that holds no messages and into one that holds MESSAGES (default
# 1,000,000), alternating, in one run: over HTTP (wrk, as bench/ingest.sh)
# and into the store alone (bench-store-ingest, no HTTP, less noise).
#
# Usage: bench/ingest-growth.sh [MESSAGES] [SECONDS] [ROUNDS]
# Seeded databases are kept in $BENCH_CACHE (default /var/tmp/teamchat-bench)
# and reused while the schema and the seeding code are unchanged: seeding
# 1,000,000 messages takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000000}
secs=${2:-10}
rounds=${3:-3}
conns=32
cache=${BENCH_CACHE:-/var/tmp/teamchat-bench}

scripts/deps.sh build bench
[ -f _build-bench/build.ninja ] || meson setup _build-bench -Dbuildtype=release -Dapp=false >/dev/null
meson compile -C _build-bench sync-server/teamchat-server bench/bench-store-ingest >/dev/null
server=_build-bench/sync-server/teamchat-server
store_bench=_build-bench/bench/bench-store-ingest

# A seeded database for N messages, made once per version of the seeding.
seeded() {
  local n=$1 key db
  key=$(git log -1 --format=%h -- sync-server/tc-sqlite-schema.c sync-server/tc-seed.c \
        sync-server/tc-demo-team.c)
  db=$cache/seed-$n-$key.db
  if [ ! -f "$db" ]; then
    mkdir -p "$cache"
    rm -f "$db.tmp"*
    local start; start=$(date +%s)
    $server seed-demo --db "$db.tmp" --media-dir "$cache/media-$key" --messages "$n" >/dev/null
    sqlite3 "$db.tmp" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    mv "$db.tmp" "$db"
    rm -f "$db.tmp"*
    echo "seeded $n messages in $(( $(date +%s) - start )) s: $db ($(du -h "$db" | cut -f1))" >&2
  fi
  echo "$db"
}

dir=$(mktemp -d /tmp/teamchat-growth-XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
printf '[limits]\nmessages_per_minute=0\n' > "$dir/bench.ini"

empty=$(seeded 0)
full=$(seeded "$messages")

fresh_copy() {
  rm -f "$dir"/bench.db*
  cp "$1" "$dir/bench.db"
}

http_run() {
  fresh_copy "$1"
  rm -f "$dir/out"
  $server serve --db "$dir/bench.db" --port 0 --config "$dir/bench.ini" > "$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 100); do grep -qs listening "$dir/out" && break; sleep 0.1; done
  local url; url=$(sed -n 's/^listening on //p' "$dir/out")
  TOKEN=$(curl -sf -X POST "$url/api/v1/session" \
    -d '{"login":"maria","password":"teamchat-demo","device":"bench"}' |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  export TOKEN TO=A1006
  wrk -t1 -c"$conns" -d"${secs}s" -s bench/ingest.lua "$url" > "$dir/wrk" 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  sed -n 's/^messages\/s: //p' "$dir/wrk"
}

store_run() {
  fresh_copy "$1"
  $store_bench "$dir/bench.db" "$secs" "$conns" | sed -n 's/^store ingest: \([0-9]*\) messages\/s.*CPU \([0-9.]*\) µs.*/\1 \2/p'
}

echo "== $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)," \
     "${secs}s runs, $conns in flight, $rounds rounds: 0 vs $messages messages stored =="
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
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "== medians =="
for kind in http store; do
  e=$(echo "${results[empty-$kind]}" | median)
  f=$(echo "${results[full-$kind]}" | median)
  printf '%-6s empty %6s   %s stored %6s messages/s   full/empty %.2f\n' "$kind" "$e" "$messages" "$f" \
    "$(echo "$f / $e" | bc -l)"
done

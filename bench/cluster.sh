#!/usr/bin/env bash
# Scale-out benchmark: the server on PostgreSQL (durable: fsync and
# synchronous_commit on), one process versus two sharing the database.
#   notify: pgbench, 16 clients each inserting a row: alone, with a NOTIFY
#           in the same transaction, with a NOTIFY after it (in a
#           transaction of its own that does not wait for the disk);
#   ingest: wrk posting messages to an offline recipient (bench/ingest.lua),
#           all connections on one process, then split over two;
#   live:   a message's way from POST on one process to the recipient's
#           WebSocket on the same process, then on the other one;
#   and the same ingest and live figures on SQLite, for reference.
# Usage: bench/cluster.sh [SECONDS] [CONNECTIONS] [LIVE_MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
live=${3:-500}

scripts/deps.sh build test
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
[ -f _build-bench/build.ninja ] || meson setup _build-bench -Dbuildtype=release -Dapp=false
meson compile -C _build-bench sync-server/teamchat-server bench/bench-live-latency >/dev/null

dir=$(mktemp -d /tmp/teamchat-cluster-bench-XXXXXX)
pg=$(mktemp -d /tmp/teamchat-bench-pg-XXXXXX)   # PostgreSQL's own (it may run as "postgres")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  tests/server/pg-cluster.sh stop "$pg"
  rm -rf "$dir"
}
trap cleanup EXIT
TEAMCHAT_PG_DURABLE=1 tests/server/pg-cluster.sh start "$pg" >/dev/null
psql -X -q -h "$pg" -U postgres -d postgres -c "CREATE DATABASE bench"
db="postgresql:///bench?host=$pg&user=postgres"
sql() { psql -X -q -A -t -h "$pg" -U postgres -d bench -c "$1"; }

echo "== notify: pgbench -c16 -T5, one INSERT per transaction =="
psql -X -q -h "$pg" -U postgres -d bench -c "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, v text)"
printf "INSERT INTO bench_rows (v) VALUES ('x');\n" > "$dir/plain.sql"
printf "BEGIN;\nINSERT INTO bench_rows (v) VALUES ('x');\nSELECT pg_notify ('bench', 'x');\nCOMMIT;\n" > "$dir/inside.sql"
printf "INSERT INTO bench_rows (v) VALUES ('x');\nBEGIN;\nSET LOCAL synchronous_commit TO off;\nSELECT pg_notify ('bench', 'x');\nCOMMIT;\n" > "$dir/after.sql"
pgbench=$(pg_config --bindir)/pgbench
for what in plain inside after; do
  printf '%-7s ' "$what:"
  "$pgbench" -n -h "$pg" -U postgres -c 16 -j 2 -T 5 -f "$dir/$what.sql" bench 2>&1 | grep -E '^tps'
done
psql -X -q -h "$pg" -U postgres -d bench -c "DROP TABLE bench_rows"

server=_build-bench/sync-server/teamchat-server
$server seed-demo --db "$db" --media-dir "$dir/media" --messages 10000 >/dev/null
printf '[limits]\nmessages_per_minute=0\n[database]\npool_size=16\n' > "$dir/bench.ini"

start() {   # start N: a process, its URL in url_N
  $server serve --db "$db" --port 0 --config "$dir/bench.ini" > "$dir/out$1" 2>"$dir/err$1" &
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$dir/out$1" && break; sleep 0.1; done
  printf -v "url$1" '%s' "$(sed -n 's/^listening on //p' "$dir/out$1")"
}
login() {   # login URL LOGIN
  curl -sf -X POST "$1/api/v1/session" -d "{\"login\":\"$2\",\"password\":\"teamchat-demo\",\"device\":\"bench\"}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
count() { sql 'SELECT count(*) FROM messages'; }

start 1
start 2
TOKEN=$(login "$url1" maria)
RECIPIENT=$(login "$url1" kwame)
export TOKEN TO=A1006

echo "== ingest, one process: wrk -t2 -c$conns -d${secs}s =="
before=$(count)
wrk -t2 -c"$conns" -d"${secs}s" -s bench/ingest.lua "$url1"
echo "messages committed: $(( $(count) - before ))"

echo "== ingest, two processes: wrk -t1 -c$((conns / 2)) -d${secs}s on each =="
before=$(count)
INSTANCE=1 wrk -t1 -c"$((conns / 2))" -d"${secs}s" -s bench/ingest.lua "$url1" > "$dir/wrk1" &
w1=$!
INSTANCE=2 wrk -t1 -c"$((conns / 2))" -d"${secs}s" -s bench/ingest.lua "$url2" > "$dir/wrk2"
wait "$w1"
cat "$dir/wrk1" "$dir/wrk2" | grep -E "messages/s|p50"
echo "messages committed: $(( $(count) - before )) (both processes together)"

echo "== live delivery, $live messages one at a time, recipient on the same process =="
_build-bench/bench/bench-live-latency "$url1" "$url1" "$TOKEN" "$RECIPIENT" A1006 "$live"
echo "== live delivery, recipient on the other process =="
_build-bench/bench/bench-live-latency "$url1" "$url2" "$TOKEN" "$RECIPIENT" A1006 "$live"

echo "== reference: SQLite, one process =="
$server seed-demo --db "$dir/bench.db" --media-dir "$dir/media-sqlite" --messages 10000 >/dev/null
db="$dir/bench.db"
start 3
TOKEN=$(login "$url3" maria)
RECIPIENT=$(login "$url3" kwame)
wrk -t2 -c"$conns" -d"${secs}s" -s bench/ingest.lua "$url3" | grep -E "messages/s|p50"
_build-bench/bench/bench-live-latency "$url3" "$url3" "$TOKEN" "$RECIPIENT" A1006 "$live"

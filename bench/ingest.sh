#!/usr/bin/env bash
# Ingest benchmark: messages/s over HTTP into the real server (SQLite,
# synchronous=FULL, group commit), recipients offline.
# Usage: bench/ingest.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}

scripts/deps.sh build
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
[ -f _build-bench/build.ninja ] || meson setup _build-bench -Dbuildtype=release -Dapp=false
meson compile -C _build-bench >/dev/null

dir=$(mktemp -d /tmp/teamchat-bench-XXXXXX)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
server=_build-bench/sync-server/teamchat-server
$server seed-demo --db "$dir/bench.db" --media-dir "$dir/media" --messages 10000 >/dev/null
printf '[limits]\nmessages_per_minute=0\n' > "$dir/bench.ini"
$server serve --db "$dir/bench.db" --port 0 --config "$dir/bench.ini" > "$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$dir/out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$dir/out")
TOKEN=$(curl -sf -X POST "$url/api/v1/session" \
  -d '{"login":"maria","password":"teamchat-demo","device":"bench"}' |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export TOKEN TO=A1006

before=$(sqlite3 "$dir/bench.db" 'SELECT COUNT(*) FROM messages')
echo "== wrk -t1 -c$conns -d${secs}s POST /api/v1/messages (one recipient, offline) =="
wrk -t1 -c"$conns" -d"${secs}s" -s bench/ingest.lua "$url"
after=$(sqlite3 "$dir/bench.db" 'SELECT COUNT(*) FROM messages')
echo "messages committed: $((after - before))"
echo "database: $(du -h "$dir/bench.db" | cut -f1) (+WAL $(du -h "$dir/bench.db-wal" 2>/dev/null | cut -f1))"

#!/usr/bin/env bash
# Catch-up: GET /api/v1/sync paged as the app pages it (500 events a page),
# for maria of the demo team, in stores holding 10,000, 100,000 and
# 1,000,000 messages (about a third of them in maria's stream). Prints the
# time to the first 100,000 events and to the end of her stream, and the
# cost of one page from the middle of the stream, which must not depend on
# the size of the store.
#
# Usage: bench/sync.sh [SIZES] [PAGE]   (SIZES default "10000 100000 1000000")
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-10000 100000 1000000}
page=${2:-500}
. bench/lib.sh

bench_build bench/bench-sync-client
client=_build-bench/bench/bench-sync-client
dir=$(mktemp -d /tmp/teamchat-sync-XXXXXX)
pid=
trap 'stop_server; rm -rf "$dir"' EXIT

bench_header "pages of $page"
for n in $sizes; do
  db=$(seeded "$n")
  fresh_copy "$db"
  events=$(sqlite3 "$dir/bench.db" "SELECT COUNT(*) FROM events WHERE associate_id = 'A1001'")
  start_server "$server" serve --db "$dir/bench.db" --port 0
  echo "-- $n messages stored, $events events in maria's stream"
  $client "$url" maria teamchat-demo "$page" 100000 50
  stop_server
done

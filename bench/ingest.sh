#!/usr/bin/env bash
# Ingest benchmark: messages/s over HTTP into the real server (SQLite,
# synchronous=FULL, group commit), recipient offline, compared in the same
# run with a bare libsoup 3 server that answers every request with a fixed
# JSON body (bench/bare-soup-server.c), under the same wrk load.
#
# Usage: bench/ingest.sh [SECONDS] [CONNECTIONS] [ROUNDS]
#   SECONDS      per wrk run (default 10)
#   CONNECTIONS  wrk -c (default 32; always -t1, keep-alive)
#   ROUNDS       bare and teamchat alternate this many times (default 3)
# Environment:
#   SEED_MESSAGES=N      messages of history before the run (default 10000)
#   TEAMCHAT_SERVERS="A B"  server binaries to measure side by side (default:
#                        the release build of this tree); the database is
#                        seeded once with the first and copied fresh for
#                        every run, so an older binary can be compared with
#                        a newer one in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
rounds=${3:-3}
seed=${SEED_MESSAGES:-10000}

scripts/deps.sh build bench
[ -f _build-bench/build.ninja ] || meson setup _build-bench -Dbuildtype=release -Dapp=false >/dev/null
meson compile -C _build-bench sync-server/teamchat-server bench/bare-soup-server >/dev/null
servers=${TEAMCHAT_SERVERS:-_build-bench/sync-server/teamchat-server}
bare=_build-bench/bench/bare-soup-server

dir=$(mktemp -d /tmp/teamchat-bench-XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

first=${servers%% *}
start=$(date +%s.%N)
$first seed-demo --db "$dir/seed.db" --media-dir "$dir/media" --messages "$seed" >/dev/null
sqlite3 "$dir/seed.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null   # one file to copy
printf 'seeded %s messages in %.1f s\n' "$seed" "$(echo "$(date +%s.%N) - $start" | bc)"
printf '[limits]\nmessages_per_minute=0\n' > "$dir/bench.ini"

# Starts "$@" in the background; sets pid and url.
start_server() {
  rm -f "$dir/out"
  "$@" > "$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 100); do grep -qs listening "$dir/out" && break; sleep 0.1; done
  url=$(sed -n 's/^listening on //p' "$dir/out")
  [ -n "$url" ] || { echo "server did not start:"; cat "$dir/err"; exit 1; }
}
stop_server() {
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}
# CPU time the server has used so far, in ms (user + system, all threads).
cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$pid/stat"
}
# wrk with bench/ingest.lua against $url; prints "RATE P50 P99 REQUESTS CPU_US_PER_REQUEST".
run_wrk() {
  local cpu0 cpu1
  cpu0=$(cpu_ms)
  if ! wrk -t1 -c"$conns" -d"${secs}s" -s bench/ingest.lua "$url" > "$dir/wrk" 2>&1; then
    cat "$dir/wrk" >&2; exit 1
  fi
  local rate p50 p99 reqs
  rate=$(sed -n 's/^messages\/s: //p' "$dir/wrk")
  p50=$(sed -n 's/^p50 \([0-9.]*\) ms.*/\1/p' "$dir/wrk")
  p99=$(sed -n 's/.*p99 \([0-9.]*\) ms$/\1/p' "$dir/wrk")
  reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$dir/wrk")
  cpu1=$(cpu_ms)
  if grep -q 'Non-2xx' "$dir/wrk"; then grep 'Non-2xx' "$dir/wrk" >&2; fi
  echo "$rate $p50 $p99 $reqs $(echo "($cpu1 - $cpu0) * 1000 / $reqs" | bc)"
}

echo "== $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)," \
     "wrk -t1 -c$conns -d${secs}s, $seed messages stored, $rounds rounds =="
declare -A rates cpus
for round in $(seq "$rounds"); do
  export TOKEN=none TO=A1006   # the bare server reads nothing
  start_server "$bare"
  read -r rate p50 p99 _ cpu < <(run_wrk)
  stop_server
  printf 'round %s  %-40s %8s req/s       p50 %6s ms  p99 %6s ms  server CPU %4s µs/request\n' \
    "$round" "bare libsoup" "$rate" "$p50" "$p99" "$cpu"
  rates[bare]+="$rate "
  cpus[bare]+="$cpu "
  bare_rate=$rate

  n=0
  for server in $servers; do
    n=$((n + 1))
    rm -f "$dir"/bench.db*
    cp "$dir/seed.db" "$dir/bench.db"
    start_server "$server" serve --db "$dir/bench.db" --port 0 --config "$dir/bench.ini"
    TOKEN=$(curl -sf -X POST "$url/api/v1/session" \
      -d '{"login":"maria","password":"teamchat-demo","device":"bench"}' |
      /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    export TOKEN TO=A1006
    before=$(sqlite3 "$dir/bench.db" 'SELECT COUNT(*) FROM messages')
    read -r rate p50 p99 reqs cpu < <(run_wrk)
    stop_server
    after=$(sqlite3 "$dir/bench.db" 'SELECT COUNT(*) FROM messages')
    printf 'round %s  %-40s %8s messages/s  p50 %6s ms  p99 %6s ms  server CPU %4s µs/message  ratio %.2f  committed %s (wrk counted %s)\n' \
      "$round" "$server" "$rate" "$p50" "$p99" "$cpu" "$(echo "$rate / $bare_rate" | bc -l)" \
      "$((after - before))" "$reqs"
    rates[$n]+="$rate "
    cpus[$n]+="$cpu "
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bare_median=$(echo "${rates[bare]}" | median)
echo "== medians of $rounds rounds =="
printf '%-48s %8s req/s       server CPU %4s µs/request\n' "bare libsoup" "$bare_median" \
  "$(echo "${cpus[bare]}" | median)"
n=0
for server in $servers; do
  n=$((n + 1))
  m=$(echo "${rates[$n]}" | median)
  printf '%-48s %8s messages/s  server CPU %4s µs/message  ratio to bare %.2f\n' "$server" "$m" \
    "$(echo "${cpus[$n]}" | median)" "$(echo "$m / $bare_median" | bc -l)"
done

# bench/lib.sh: what the server benchmarks share (sourced, not run).
# Expects to run from the top of the tree, with $dir a scratch directory.

bench_build() {
  scripts/deps.sh build bench
  [ -f _build-bench/build.ninja ] || meson setup _build-bench -Dbuildtype=release -Dapp=false >/dev/null
  meson compile -C _build-bench sync-server/teamchat-server "$@" >/dev/null
  server=${TEAMCHAT_SERVER:-_build-bench/sync-server/teamchat-server}
}

# Prints the path of a database seeded by seed-demo with N messages, made
# once per version of the seeding code and kept in $BENCH_CACHE (default
# /var/tmp/teamchat-bench): 1,000,000 messages take a few minutes.
seeded() {
  local n=$1 cache=${BENCH_CACHE:-/var/tmp/teamchat-bench} key db start
  key=$(git log -1 --format=%h -- sync-server/tc-sqlite-schema.c sync-server/tc-seed.c \
        sync-server/tc-demo-team.c common/tc-uuid.c)
  db=$cache/seed-$n-$key.db
  if [ ! -f "$db" ]; then
    mkdir -p "$cache"
    rm -f "$db.tmp"*
    start=$(date +%s)
    $server seed-demo --db "$db.tmp" --media-dir "$cache/media-$key" --messages "$n" >/dev/null
    sqlite3 "$db.tmp" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    mv "$db.tmp" "$db"
    rm -f "$db.tmp"*
    echo "seeded $n messages in $(( $(date +%s) - start )) s: $db ($(du -h "$db" | cut -f1))" >&2
  fi
  echo "$db"
}

# A fresh copy of database $1 as $dir/bench.db.
fresh_copy() {
  rm -f "$dir"/bench.db*
  cp "$1" "$dir/bench.db"
}

# Starts "$@" in the background; sets pid and url.
start_server() {
  rm -f "$dir/out"
  "$@" > "$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 300); do grep -qs listening "$dir/out" && break; sleep 0.1; done
  url=$(sed -n 's/^listening on //p' "$dir/out")
  [ -n "$url" ] || { echo "server did not start:" >&2; cat "$dir/err" >&2; exit 1; }
}

stop_server() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

# A token for LOGIN (password of the demo team).
login() {
  curl -sf -X POST "$url/api/v1/session" \
    -d "{\"login\":\"$1\",\"password\":\"teamchat-demo\",\"device\":\"bench\"}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench_header() {
  echo "== $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD), $* =="
}

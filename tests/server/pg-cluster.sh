#!/usr/bin/env bash
# pg-cluster.sh: a throwaway PostgreSQL cluster for the tests, in DIR
# (Debian's postgresql package; as root, the server runs as "postgres").
#
#   pg-cluster.sh run DIR    initdb, then postgres in the foreground; it dies
#                            with its parent (tc-test-server.c starts one per
#                            test program when TEAMCHAT_TEST_PG_HOST is unset)
#   pg-cluster.sh start DIR  initdb and start it in the background; prints
#                            TEAMCHAT_TEST_PG_HOST=DIR for the tests to share
#   pg-cluster.sh stop DIR   stop it and remove DIR
#
# Durability is off (fsync, synchronous_commit): these databases are thrown
# away, and a test that kills the Team Chat server does not kill PostgreSQL.
# TEAMCHAT_PG_DURABLE=1 keeps PostgreSQL's defaults instead (benchmarks).
# As root, DIR is given to the postgres user: its parent must be one that
# user can enter (a fresh mktemp -d in /tmp is).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 run|start|stop DIR" >&2; exit 2; }

bindir=${TEAMCHAT_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ ! -x "$bindir/initdb" ]; then
  echo "pg-cluster.sh: PostgreSQL's server programs are missing (apt-get install postgresql)" >&2
  exit 1
fi

# initdb and postgres refuse to run as root.
as=()
if [ "$(id -u)" = 0 ]; then
  user=postgres
  id "$user" >/dev/null 2>&1 || user=nobody
  as=(setpriv "--reuid=$user" "--regid=$(id -g "$user")" --init-groups)
fi

options=(-c "listen_addresses=" -c "unix_socket_directories=$dir" -c port=5432
         -c max_connections=500 -c shared_buffers=64MB
         -c log_min_messages=warning -c log_checkpoints=off)
if [ "${TEAMCHAT_PG_DURABLE:-0}" != 1 ]; then
  options+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
fi

init() {
  mkdir -p "$dir"
  if [ ${#as[@]} -gt 0 ]; then chown "$user" "$dir"; fi
  if ! "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
       --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    exit 1
  fi
}

case $cmd in
  run)
    init
    if [ ${#as[@]} -gt 0 ]; then
      # Changing users clears the parent-death signal: setpriv sets it again.
      exec "${as[@]}" --pdeathsig=KILL "$bindir/postgres" -D "$dir/data" "${options[@]}"
    fi
    exec "$bindir/postgres" -D "$dir/data" "${options[@]}"
    ;;
  start)
    init
    "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "${options[*]}" start >/dev/null
    echo "TEAMCHAT_TEST_PG_HOST=$dir"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 run|start|stop DIR" >&2
    exit 2
    ;;
esac

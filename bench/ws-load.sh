#!/usr/bin/env bash
# WebSocket load: 2,000 clients (400 associates × 5 connections) exchanging
# messages with the real server for a sustained period, every message
# counted at every connection of both ends (bench/ws-load.c). Figures go to
# docs/RELIABILITY.md.
# Usage: bench/ws-load.sh [SECONDS] [RATE] [GROUPS]
#   SECONDS  how long to send (default 300)
#   RATE     messages per second, in all (default 100)
#   GROUPS   groups of 5 associates with 5 connections each (default 80:
#            2,000 WebSockets)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
rate=${2:-100}
groups=${3:-80}

# Two descriptors per client (its socket and the server's), in one machine.
ulimit -n "$(ulimit -Hn)"
need=$((groups * 25 * 2 + 512))
if [ "$(ulimit -n)" -lt "$need" ]; then
  echo "ws-load.sh: the file descriptor limit ($(ulimit -n)) is below $need; raise the hard limit" >&2
  exit 1
fi

scripts/deps.sh build
[ -f _build-bench/build.ninja ] || meson setup _build-bench -Dbuildtype=release -Dapp=false
meson compile -C _build-bench bench/ws-load sync-server/teamchat-server >/dev/null
_build-bench/bench/ws-load --server _build-bench/sync-server/teamchat-server \
  --groups "$groups" --group-size 5 --connections-per-account 5 --seconds "$secs" --rate "$rate"

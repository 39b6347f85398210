#!/usr/bin/env bash
# Message search benchmark: a replica of MESSAGES messages (default
# 100,000) filled through the sync path, the FTS5 index rebuilt, then 30
# queries typed a keystroke at a time, each search timed from the call to
# its answer on the main context (p50/p90/p99 by prefix length).
# Usage: bench/search.sh [MESSAGES] [LIMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-100000}
limit=${2:-200}

scripts/deps.sh build
[ -f _build-bench-app/build.ninja ] ||
  meson setup _build-bench-app -Dbuildtype=release -Dapp=true -Dserver=false >/dev/null
meson compile -C _build-bench-app bench/search-bench >/dev/null
echo "== $(nproc) cores, $(git rev-parse --short HEAD) =="
_build-bench-app/bench/search-bench "$messages" "$limit"

#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer +
# UndefinedBehaviorSanitizer, in _build-fuzz) and runs each one for SECONDS
# (default 60), starting from its seed corpus and dictionary. Fails when a
# target crashes, leaks or trips a sanitizer; prints each target's figures.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (TARGET: json, client-frame, …)
# TEAMCHAT_FUZZ_BUILD names another build directory (default _build-fuzz).
#
# What a run finds stays in _build-fuzz/fuzz/: corpus/NAME/ (the inputs that
# reached new code, reused by the next run) and artifacts/NAME/ (crashing
# inputs). A crash is reproduced with _build-fuzz/tests/fuzz/fuzz-NAME FILE;
# once fixed, the input goes into tests/fuzz/corpus/NAME/ as a regression
# test, which every ordinary build replays (meson test --suite fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
build=${TEAMCHAT_FUZZ_BUILD:-_build-fuzz}
out=$build/fuzz

scripts/deps.sh build fuzz

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Dapp=false -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
fi
meson compile -C "$build"

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for exe in "$build"/tests/fuzz/fuzz-*; do
    [ -x "$exe" ] && [ -f "$exe" ] && targets+=("${exe##*/fuzz-}")
  done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no fuzz targets in $build/tests/fuzz" >&2; exit 1; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export G_SLICE=always-malloc

failed=()
for name in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz-$name
  corpus=$out/corpus/$name
  artifacts=$out/artifacts/$name
  log=$out/$name.log
  mkdir -p "$corpus" "$artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")

  echo "== fuzz-$name for ${seconds}s =="
  status=0
  "$exe" "${args[@]}" "$corpus" "tests/fuzz/corpus/$name" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }')
  printf 'fuzz-%s: %s execs (%s/s), %s, corpus %s files (%s bytes), peak RSS %s MB\n' \
    "$name" "${execs:-?}" "${rate:-?}" "${cov:-cov ?}" "$files" "$bytes" "${rss:-?}"
  if [ $status -ne 0 ]; then
    echo "fuzz-$name FAILED (exit $status); the end of $log:" >&2
    tail -40 "$log" >&2
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes in: ${failed[*]} (inputs in $out/artifacts/)" >&2
  exit 1
fi

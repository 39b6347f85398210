#!/usr/bin/env bash
# Builds Team Chat and runs every test: once with warnings as errors, once
# under AddressSanitizer + UndefinedBehaviorSanitizer (leaks are failures),
# then runs each fuzz target for a short while (scripts/fuzz.sh; set
# TEAMCHAT_SKIP_FUZZ=1 to skip, TEAMCHAT_FUZZ_SECONDS to change the 20 s).
# The server tests run twice, on SQLite and (suite "postgresql") on a
# PostgreSQL cluster this script starts in a temporary directory and stops
# at the end (tests/server/pg-cluster.sh; Debian's postgresql package).
# Headless: UI tests run under xvfb-run and dbus-run-session. Xvfb runs with
# -noreset: otherwise it resets whenever its last client leaves (the a11y
# bus launcher does, right before the app connects) and the app's
# connection can fail with "cannot open display".
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build test

# The UI test of a kept session needs a keyring daemon (skipped without).
TEAMCHAT_KEYRING_DAEMON=$(scripts/keyring-daemon.sh _build-test-keyring)
export TEAMCHAT_KEYRING_DAEMON

# One PostgreSQL cluster for the whole run; each test makes its databases.
pg_dir=$(mktemp -d /tmp/teamchat-pg-XXXXXX)
trap 'tests/server/pg-cluster.sh stop "$pg_dir"' EXIT
pg_env=$(tests/server/pg-cluster.sh start "$pg_dir")
export "${pg_env?}"

run_suite() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dwerror=true "$@"
  else
    meson configure "$dir" -Dwerror=true "$@" >/dev/null
  fi
  meson compile -C "$dir"
  xvfb-run -a -s "-screen 0 1280x800x24 -noreset" dbus-run-session -- \
    meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier "${TIMEOUT_MULTIPLIER:-1}"
}

echo "== build with -Werror and run the tests =="
run_suite _build-test

if [ "${TEAMCHAT_SKIP_ASAN:-0}" != 1 ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build =="
  TIMEOUT_MULTIPLIER=3 run_suite _build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
fi

if [ "${TEAMCHAT_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz targets (libFuzzer, clang) =="
  scripts/fuzz.sh "${TEAMCHAT_FUZZ_SECONDS:-20}"
fi

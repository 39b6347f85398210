#!/usr/bin/env bash
# Builds Team Chat, seeds a demo team with 90 days of history (once), runs
# the server on http://127.0.0.1:8080 and opens the desktop app on it.
# Without a display it runs just the server. Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build demo

[ -f _build/build.ninja ] || meson setup _build
meson compile -C _build

data=demo-data
mkdir -p "$data"
if [ ! -f "$data/teamchat.db" ]; then
  _build/sync-server/teamchat-server seed-demo --db "$data/teamchat.db" --media-dir "$data/media" --messages 2000
fi

port=${TEAMCHAT_PORT:-8080}
url="http://127.0.0.1:$port"
cat <<TXT

Team Chat demo
  server:    $url
  logins:    maria (top of the team), kwame, or any login in docs/demo.md
  password:  teamchat-demo
  try it:    curl -s -X POST $url/api/v1/session \\
               -d '{"login":"maria","password":"teamchat-demo","device":"curl"}'

TXT

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: running the server only (the desktop app needs a graphical session)."
  exec _build/sync-server/teamchat-server serve --db "$data/teamchat.db" --media-dir "$data/media" --port "$port"
fi

_build/sync-server/teamchat-server serve --db "$data/teamchat.db" --media-dir "$data/media" --port "$port" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "$url/api/v1/health" >/dev/null && break; sleep 0.1; done

# Run from the build tree: the schema compiled there, the demo's own settings.
GSETTINGS_SCHEMA_DIR="$PWD/_build/data" _build/app/src/teamchat --server "$url"

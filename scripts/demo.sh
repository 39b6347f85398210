#!/usr/bin/env bash
# Builds Team Chat, seeds a demo team with 90 days of history (once), and
# runs the server on http://127.0.0.1:8080. Ctrl+C stops it.
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
cat <<TXT

Team Chat demo server
  URL:       http://127.0.0.1:$port
  logins:    maria (top of the team), kwame, or any login in docs/demo.md
  password:  teamchat-demo
  try it:    curl -s -X POST http://127.0.0.1:$port/api/v1/session \\
               -d '{"login":"maria","password":"teamchat-demo","device":"curl"}'

TXT
exec _build/sync-server/teamchat-server serve --db "$data/teamchat.db" --media-dir "$data/media" --port "$port"

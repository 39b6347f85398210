#!/usr/bin/env bash
# Prints the path of a gnome-keyring-daemon for the tests and benchmarks
# that keep a session in a keyring: the installed one, else Debian's
# package unpacked (not installed: no PAM or autostart changes on the
# machine) into DIR (default _build/keyring). Prints nothing, and exits 0,
# when neither is possible; the tests that need one skip then.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-_build/keyring}

if daemon=$(command -v gnome-keyring-daemon); then
  echo "$daemon"
  exit 0
fi
daemon=$PWD/$dir/usr/bin/gnome-keyring-daemon
if [ ! -x "$daemon" ]; then
  mkdir -p "$dir"
  (cd "$dir" && apt-get download gnome-keyring >/dev/null 2>&1 &&
     dpkg-deb -x gnome-keyring_*.deb . && rm -f gnome-keyring_*.deb) || true
fi
[ -x "$daemon" ] && echo "$daemon"
exit 0

#!/usr/bin/env bash
# Installs the Debian 12 packages Team Chat needs to build, test or run.
# Usage: scripts/deps.sh [build|test|demo|fuzz]...   (root, or sudo available)
# Only what is missing is installed; nothing comes from outside Debian's archive.
set -euo pipefail

build_pkgs=(
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libsqlite3-dev libsodium-dev
  libgdk-pixbuf-2.0-dev shared-mime-info
  libcurl4-openssl-dev libgmime-3.0-dev libpq-dev
  glib-networking
  libgtk-4-dev libadwaita-1-dev libsecret-1-dev libnotify-dev librsvg2-common
  desktop-file-utils appstream
)
test_pkgs=(
  xvfb xauth dbus dbus-daemon sqlite3 openssl python3-gi
  at-spi2-core gir1.2-atspi-2.0 imagemagick libglib2.0-bin
  flatpak-builder systemd
  python3-aiosmtpd
  postgresql util-linux
)
demo_pkgs=(curl fonts-noto-color-emoji)
# scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes.
fuzz_pkgs=(clang libclang-rt-dev)

want=("${build_pkgs[@]}")
for what in "$@"; do
  case "$what" in
    build) ;;
    test) want+=("${test_pkgs[@]}") ;;
    demo) want+=("${demo_pkgs[@]}") ;;
    fuzz) want+=("${fuzz_pkgs[@]}") ;;
    *) echo "deps.sh: unknown group '$what' (build, test, demo or fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs the Debian 12 packages Team Chat needs to build, test or run.
# Usage: scripts/deps.sh [build|test|demo|fuzz|bench]...   (root, or sudo available)
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
  locales gsettings-desktop-schemas
  groff-base curl
  postgresql util-linux
  libgcr-base-3-1 libgck-1-0
)
# The kept-session UI test also runs gnome-keyring-daemon, unpacked from
# its package by scripts/keyring-daemon.sh (the two libraries above are
# what it links beyond the build's).
# Locales the i18n tests format dates and numbers in (tests/i18n).
test_locales=(de_DE.UTF-8 en_US.UTF-8 es_ES.UTF-8 fr_FR.UTF-8 pt_BR.UTF-8)
demo_pkgs=(curl fonts-noto-color-emoji)
# scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes.
fuzz_pkgs=(clang libclang-rt-dev)
# bench/*.sh: load generator, result checks, and profilers for looking at
# where the time goes (docs/PERFORMANCE.md). Not needed by CI's tests.
# bench/app-bench.sh also: a session kept in a keyring (secret-tool), the
# mouse wheel (xdotool); gnome-keyring itself is unpacked by the script,
# not installed: installed, it would answer every session bus.
bench_pkgs=(wrk sqlite3 curl bc linux-perf valgrind
            libsecret-tools xdotool libgcr-base-3-1 libgck-1-0)

want=("${build_pkgs[@]}")
for what in "$@"; do
  case "$what" in
    build) ;;
    test) want+=("${test_pkgs[@]}") ;;
    demo) want+=("${demo_pkgs[@]}") ;;
    fuzz) want+=("${fuzz_pkgs[@]}") ;;
    bench) want+=("${bench_pkgs[@]}") ;;
    *) echo "deps.sh: unknown group '$what' (build, test, demo, fuzz or bench)" >&2; exit 2 ;;
  esac
done

want_locales=()
for what in "$@"; do
  [ "$what" = test ] && want_locales=("${test_locales[@]}")
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
    missing+=("$p")
  fi
done

# `locale -a` writes de_DE.utf8 for de_DE.UTF-8.
available_locales=$(locale -a 2>/dev/null || true)
missing_locales=()
for l in "${want_locales[@]}"; do
  if ! grep -qix "${l%.UTF-8}.utf8" <<<"$available_locales"; then
    missing_locales+=("$l")
  fi
done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_locales[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "deps.sh: run as root to install: ${missing[*]} ${missing_locales[*]}" >&2; exit 1; }
  sudo=sudo
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ ${#missing_locales[@]} -gt 0 ]; then
  echo "Generating locales: ${missing_locales[*]}"
  for l in "${missing_locales[@]}"; do
    # Enable "xx_YY.UTF-8 UTF-8" in /etc/locale.gen (commented out or absent).
    if grep -q "^# *$l UTF-8" /etc/locale.gen; then
      $sudo sed -i "s/^# *$l UTF-8/$l UTF-8/" /etc/locale.gen
    elif ! grep -q "^$l UTF-8" /etc/locale.gen; then
      echo "$l UTF-8" | $sudo tee -a /etc/locale.gen >/dev/null
    fi
  done
  $sudo locale-gen
fi

#!/usr/bin/env bash
# One entry point for people and CI: set up a virtualenv and run the app or the tests.
#
#   ./dev.sh demo     set everything up, then launch traysupport on the embedded demo team
#   ./dev.sh test     set everything up, then run the whole test suite
#   ./dev.sh check    lint, format check, type check and layer contracts
#   ./dev.sh setup    only set up (.venv with the app and its dev tools)
#
# Setup is idempotent and quick when nothing changed. On Debian/Ubuntu it installs the
# few system libraries Qt needs (with sudo when not root); elsewhere it tells you what
# it needs instead.
set -euo pipefail
cd "$(dirname "$0")"

VENV=${TRAYSUPPORT_VENV:-.venv}
# Qt's xcb/offscreen platforms and the test desktop (Xvfb, a session bus, a tray host
# and a notification daemon for the end-to-end tests; at-spi2-core and systemd's busctl
# read the windows as a screen reader does).
APT_PACKAGES=(python3-venv libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
  libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0
  xvfb dbus dbus-x11 dunst trayer imagemagick x11-utils xdotool at-spi2-core systemd)

need_apt() {
  command -v dpkg-query >/dev/null || return 1
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] && printf '%s\n' "${missing[@]}"
  return 0
}

install_system_packages() {
  command -v apt-get >/dev/null || {
    echo "dev.sh: not a Debian/Ubuntu system; make sure Qt 6's runtime libraries are installed." >&2
    return 0
  }
  mapfile -t missing < <(need_apt "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "dev.sh: installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for py in python3.13 python3.12 python3.11 python3; do
    # 2>/dev/null: a pyenv shim exists for versions that are not selected, and complains.
    if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "dev.sh: Python 3.11 or newer is needed (found none on PATH)." >&2
  return 1
}

setup() {
  install_system_packages "${APT_PACKAGES[@]}"
  local py stamp
  py=$(find_python)
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
  # Reinstall only when the project's dependencies changed.
  stamp="$VENV/.traysupport-installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e '.[dev]'
    touch "$stamp"
  fi
}

run_tests() {
  # Four workers: the tests mostly wait (on servers, subprocesses, deadlines), so even
  # two cores run four at once; every test keeps its own home, ports and X display.
  # A later -n in the arguments wins (./dev.sh test -n 0 runs them one by one).
  QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest -n "${TRAYSUPPORT_TEST_WORKERS:-4}" "$@"
}

run_checks() {
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  "$VENV/bin/mypy"
  "$VENV/bin/lint-imports"
}

cmd=${1:-demo}
shift || true
case "$cmd" in
  setup) setup ;;
  demo) setup; exec "$VENV/bin/traysupport" --demo "$@" ;;
  test) setup; run_tests "$@" ;;
  check) setup; run_checks ;;
  *) echo "usage: ./dev.sh [demo|test|check|setup] [args...]" >&2; exit 2 ;;
esac

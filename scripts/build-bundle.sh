#!/usr/bin/env bash
# Build the per-laptop bundle dist/traysupport/ from build.spec (see docs/packaging.md).
#
#   scripts/build-bundle.sh                                    the plain bundle
#   TEAM_DEFAULTS=team-defaults.toml scripts/build-bundle.sh   with a team's defaults in it
#
# Uses the project's virtualenv (./dev.sh setup makes it; TRAYSUPPORT_VENV names another)
# and installs PyInstaller into it when it is missing. The build goes to build/ and
# dist/ (both gitignored); BUNDLE_WORKPATH and BUNDLE_DISTPATH put it elsewhere, which
# the bundle smoke test does so that its test build never replaces yours.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${TRAYSUPPORT_VENV:-.venv}
PYTHON="$VENV/bin/python"
WORKPATH=${BUNDLE_WORKPATH:-build}
DISTPATH=${BUNDLE_DISTPATH:-dist}

if [ ! -x "$PYTHON" ]; then
  echo "build-bundle: no virtualenv at $VENV; run ./dev.sh setup first" >&2
  exit 2
fi
if ! "$PYTHON" -c 'import PyInstaller' 2>/dev/null; then
  echo "build-bundle: installing PyInstaller into $VENV"
  "$PYTHON" -m pip install --quiet "pyinstaller>=6"
fi
if [ -n "${TEAM_DEFAULTS:-}" ]; then
  [ -f "$TEAM_DEFAULTS" ] || { echo "build-bundle: TEAM_DEFAULTS=$TEAM_DEFAULTS: no such file" >&2; exit 2; }
  # The spec resolves paths against the repository, not against where you typed this.
  TEAM_DEFAULTS=$(realpath -- "$TEAM_DEFAULTS")
  export TEAM_DEFAULTS
fi

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --workpath "$WORKPATH" --distpath "$DISTPATH" build.spec
bundle="$DISTPATH/traysupport"
echo "build-bundle: $bundle/ built in $(( $(date +%s) - started )) s, $(du -sh "$bundle" | cut -f1)" \
  "on disk ($(du -sh --apparent-size "$bundle" | cut -f1) of files); run $bundle/traysupport"
if [ -f "$bundle/team-defaults.toml" ]; then
  echo "build-bundle: with team defaults: $bundle/team-defaults.toml"
fi

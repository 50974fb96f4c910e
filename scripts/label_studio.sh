#!/usr/bin/env bash
# Install Label Studio (a pinned version) in its own virtualenv in the user's cache, idempotently.
# It pins its own Django stack, so it never goes into the project's .venv. The tests start it
# from there (tests/labelstudio_fixtures.py). Prints the venv's path on stdout.
# A second run that finds the stamp file returns at once.
set -euo pipefail

VERSION=${LABEL_STUDIO_VERSION:-1.23.2}
PYTHON=${PYTHON:-python3}
ROOT=${PREANNOTATE_LS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/preannotate-lab}
VENV="$ROOT/label-studio-$VERSION"
STAMP="$VENV/.installed"

log() { printf '[label-studio] %s\n' "$*" >&2; }

if [ ! -e "$STAMP" ]; then
  mkdir -p "$ROOT"
  # one installer at a time: a second caller waits for the first one's lock
  exec 9>"$ROOT/.label-studio-$VERSION.lock"
  flock 9
  if [ ! -e "$STAMP" ]; then
    # sentry-sdk 3 removed an option Label Studio 1.23 passes at start-up; it asks only >=2.16
    log "installing label-studio==$VERSION into $VENV (takes a few minutes, once)"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "label-studio==$VERSION" "sentry-sdk<3" 2>&1 \
      | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
    # an import, not `label-studio --version`, which may look for updates online
    "$VENV/bin/python" -c "import label_studio, django" >/dev/null 2>&1 \
      || { echo "error: label-studio $VERSION installed but does not run (see above)" >&2; exit 1; }
    touch "$STAMP"
  fi
fi
echo "$VENV"

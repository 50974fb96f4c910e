#!/usr/bin/env bash
# Build the front-end that ships inside the wheel (both outputs are gitignored build artifacts):
#   js/           -> preannotate_lab/widgets/static/   the widgets' bundles (when js/ exists)
#   labextension/ -> preannotate_lab/labextension/     the prebuilt JupyterLab extension
#
#   scripts/build_js.sh              install the npm dependencies (when changed) and build
#   scripts/build_js.sh install      only the dependencies
#   scripts/build_js.sh run build    only the build
#
# The wheel build runs it through hatch-jupyter-builder, whose npm_builder calls
# `<npm> install` then `<npm> run build`: this script stands in for npm there (pyproject.toml).
# Needs node/npm and the `jupyter-builder` command (the jupyter_builder package, a build
# requirement; also pulled in by jupyterlab).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[build_js] %s\n' "$*" >&2; }

projects=()
[ -f js/package.json ] && projects+=(js)
projects+=(labextension)

command -v npm >/dev/null || { echo "error: npm is missing (Debian: apt-get install nodejs npm)" >&2; exit 1; }

install_deps() {
  local dir=$1 lock stamp
  lock=$(cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)
  stamp="$dir/node_modules/.preannotate-deps-$lock"
  [ -e "$stamp" ] && return 0
  log "npm ci in $dir/"
  # --prefer-offline: the npm cache answers when it can, so a rebuild needs no network
  (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
  touch "$stamp"
}

build() {
  local dir=$1
  log "npm run build in $dir/"
  local out
  # quiet when it works; the compiler's messages (on stdout) when it does not
  if ! out=$(cd "$dir" && npm run --silent build 2>&1); then
    printf '%s\n' "$out" >&2
    echo "error: npm run build failed in $dir/" >&2
    exit 1
  fi
  if [ "$dir" = labextension ]; then
    # beside the build, so the wheel's shared data and a development symlink both carry it:
    # `jupyter labextension list` then names the Python package that installed the extension
    cp labextension/install.json preannotate_lab/labextension/install.json
  fi
}

# jupyter-builder: on PATH in an isolated wheel build (the build environment's scripts) and in
# an activated venv; else the project's .venv or the running python's folder
if ! command -v jupyter-builder >/dev/null; then
  for dir in .venv/bin "$(dirname "$(command -v python3 || echo /nonexistent)")"; do
    if [ -x "$dir/jupyter-builder" ]; then PATH="$(cd "$dir" && pwd):$PATH"; break; fi
  done
fi

case "${1:-all}" in
  install) for p in "${projects[@]}"; do install_deps "$p"; done ;;
  run) for p in "${projects[@]}"; do build "$p"; done ;;
  all) for p in "${projects[@]}"; do install_deps "$p"; build "$p"; done ;;
  *) echo "usage: $0 [install | run build]" >&2; exit 2 ;;
esac

# shellcheck shell=bash
# Sourced by scripts/demo and scripts/test: find a Python >= 3.12, create .venv beside the
# project once, and (re)install the project into it whenever pyproject.toml changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ALIGNSIM_VENV:-$ROOT/.venv}"
MIN_PYTHON="3.12"

python_ok() {
  # True when "$1" runs and is at least MIN_PYTHON (a pyenv shim for an unselected version fails here).
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidates=()
  [ -n "${ALIGNSIM_PYTHON:-}" ] && candidates+=("$ALIGNSIM_PYTHON")
  candidates+=(python3.14 python3.13 python3.12 python3 python)
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  local dir
  for dir in "$pyenv_root"/versions/3.1[2-9]* "$HOME"/.local/share/uv/python/cpython-3.1[2-9]* \
    /usr/local/opt/python@3.1[2-9] /opt/homebrew/opt/python@3.1[2-9]; do
    [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3")
  done
  for dir in /usr/bin /usr/local/bin /opt/homebrew/bin; do
    local exe
    for exe in "$dir"/python3.1[2-9]; do [ -x "$exe" ] && candidates+=("$exe"); done
  done
  local c
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

ensure_venv() {
  local extras="${1:-}"
  if [ -x "$VENV/bin/python" ] && ! python_ok "$VENV/bin/python"; then
    echo "alignsim: $VENV uses a Python older than $MIN_PYTHON; recreating it" >&2
    rm -rf "$VENV"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    local py
    if ! py="$(find_python)"; then
      cat >&2 <<MSG
alignsim needs Python $MIN_PYTHON or newer, and none was found
(tried \$ALIGNSIM_PYTHON, python3.14, python3.13, python3.12, python3, python, pyenv and uv installs).
Install one, for example:
  Debian/Ubuntu:  sudo apt install python3.12 python3.12-venv
  macOS:          brew install python@3.12
  pyenv:          pyenv install 3.12
  uv:             uv python install 3.12
then run this command again, or point ALIGNSIM_PYTHON at it:
  ALIGNSIM_PYTHON=/path/to/python3.12 $0
MSG
      exit 1
    fi
    echo "alignsim: creating $VENV with $py ($("$py" --version 2>&1))" >&2
    if ! "$py" -m venv "$VENV"; then
      echo "alignsim: '$py -m venv' failed; on Debian/Ubuntu install the python3.X-venv package" >&2
      exit 1
    fi
  fi
  local stamp="$VENV/.alignsim-installed$extras"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    echo "alignsim: installing alignsim$extras and its dependencies into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT$extras" >&2
    # compile the model's loops now rather than in the first run (cached per machine)
    "$VENV/bin/python" -m alignsim.model.warmup >&2 \
      || echo "alignsim: could not compile ahead; the first run will compile instead" >&2
    touch "$stamp"
  fi
}

#!/usr/bin/env bash
# Create the project's virtual environment with a Python >= 3.12 and install bordersim into it
# (editable, with its dev tools), every dependency pinned by constraints.txt so a new upstream
# release cannot break a clean install. Run from the repository root.
# Usage: scripts/setup.sh [VENV]   (default .venv)
# BORDERSIM_CONSTRAINTS=FILE uses another constraints file; set it empty to install the newest
# releases unpinned (what `make lock` does before it rewrites constraints.txt).
set -euo pipefail
venv=${1:-.venv}
constraints=${BORDERSIM_CONSTRAINTS-constraints.txt}
find_python() {
  local candidates=(python3.12 python3.13 python3)
  local root
  if root=$(pyenv root 2>/dev/null); then
    candidates+=("$root"/versions/3.12*/bin/python3 "$root"/versions/3.13*/bin/python3)
  fi
  for py in "${candidates[@]}"; do
    if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$py"
      return 0
    fi
  done
  echo "error: bordersim needs Python >= 3.12 (none of: ${candidates[*]} works)" >&2
  return 1
}
py=$(find_python)
echo "setting up $venv with $("$py" --version)"
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
if [[ -n $constraints ]]; then
  "$venv/bin/pip" install --quiet -c "$constraints" -e ".[dev,app,ema]"
else
  "$venv/bin/pip" install --quiet -e ".[dev,app,ema]"
fi
bash "$(dirname "$0")/browser.sh"

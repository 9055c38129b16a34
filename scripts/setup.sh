#!/usr/bin/env bash
# Create the project's virtual environment with a Python >= 3.12 and install bordersim into it.
set -euo pipefail
venv=${1:-.venv}
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
"$venv/bin/pip" install --quiet -e ".[dev,app]"
bash "$(dirname "$0")/browser.sh"

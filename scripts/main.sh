#!/usr/bin/env bash
# The main job: the five-scenario comparison (N seeds each, one year), then its report.
# Usage: scripts/main.sh [N_SEEDS]   (default 30, what the pattern checks need; the full experiment uses 100)
set -euo pipefail
cd "$(dirname "$0")/.."
n_seeds=${1:-30}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
.venv/bin/bordersim -m experiment=scenario_comparison n_seeds="$n_seeds" | tee "$log"
table=$(sed -n 's/^comparison table: //p' "$log" | tail -n 1)
if [[ -z $table ]]; then
  echo "error: the sweep printed no comparison table" >&2
  exit 1
fi
sweep_dir=$(dirname "$table")
.venv/bin/bordersim-report "$sweep_dir"
echo "comparison table: $table"

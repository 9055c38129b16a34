"""Results keep their meaning: key outcomes of the current engine against a stored reference.

Runs seeds ``0 .. N-1`` (default 30) of the ``baseline`` and ``strike`` scenarios for one year
(``write_spatial=false``) and compares each key outcome of ``bordersim.run(...).summary["outcomes"]``
with the per-seed outcomes of the reference engine stored in ``benchmarks/reference/outcomes.parquet``
(its git commit, date and library versions in the sidecar ``outcomes.json`` and in the Parquet
file's metadata).

An outcome passes when the new per-seed values are identical to the reference (same seeds,
exactly equal floats), or else when the new mean lies inside the reference engine's 95%
interval of the mean: a bootstrap interval (``scipy.stats.bootstrap``, BCa, 9,999 resamples,
fixed seed; the percentile interval where BCa is undefined; a zero-width interval when every
reference value is the same). The table also prints Welch's two-sample p-value for context; it
does not decide anything. Exits 1 if any outcome fails.

Read a failure with care when the values are not identical: if an engine change alters the
random streams, the new seeds are in effect fresh draws, and even with the same distribution
the new mean of 30 seeds lands inside the old 95% interval of the mean only about 83% of the
time (the difference of two means has sqrt(2) times the spread of one), so some of the 26
checks will fail by chance; the Welch p-value then shows whether a shift is more than noise.

Usage::

    .venv/bin/python benchmarks/equivalence.py                    # compare (make equivalence)
    .venv/bin/python benchmarks/equivalence.py --write-reference  # store the current engine
    options: --seeds N (default 30), --jobs N (worker processes, default 2),
             --reference FILE.parquet, --out FILE.json (also write the comparison)

Regenerate the reference only from an engine whose results are the intended ones (the
engine before an optimisation), never to make a failing check pass.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats

SCENARIOS = ("baseline", "strike")
OUTCOMES = (
    "is_members_end", "is_attacks_total", "is_infiltrations_total", "militia_fighters_end",
    "militia_revenue_total", "escalation_peak", "civilian_harm_total", "smuggling_trips_total",
    "state_control_share_mean", "displaced_share_end", "mean_grievance_end", "clash_casualties_total",
    "strikes_total",
)  # fmt: skip
DAYS = 365
HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference" / "outcomes.parquet"
METADATA_KEY = b"bordersim_reference"
CONFIDENCE = 0.95
N_RESAMPLES = 9_999
BOOTSTRAP_SEED = 20191229
BLOCK = 5  # seeds per task handed to a worker


@cache
def _scenario_config(scenario: str) -> dict[str, Any]:
    """The resolved config of one scenario (composed once per process: Hydra costs ~0.3 s)."""
    import bordersim

    cfg = bordersim.compose_config([f"scenario=[{scenario}]", f"days={DAYS}", "write_spatial=false"])
    return bordersim.resolve(cfg).data


def run_block(scenario: str, seeds: list[int]) -> list[dict[str, Any]]:
    """Key outcomes of one scenario for each seed in ``seeds`` (one row per seed)."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    import bordersim

    rows = []
    for seed in seeds:
        outcomes = bordersim.run({**_scenario_config(scenario), "seed": seed}).summary["outcomes"]
        rows.append({"scenario": scenario, "seed": seed, **{k: float(outcomes[k]) for k in OUTCOMES}})
    return rows


def run_all(n_seeds: int, jobs: int) -> pd.DataFrame:
    """Outcomes of every scenario and seed, in ``jobs`` worker processes (1: in this process)."""
    starts = range(0, n_seeds, BLOCK)
    blocks = [(s, list(range(start, min(start + BLOCK, n_seeds)))) for s in SCENARIOS for start in starts]
    if jobs <= 1:
        rows = [row for scenario, seeds in blocks for row in run_block(scenario, seeds)]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_block, scenario, seeds) for scenario, seeds in blocks]
            rows = [row for future in futures for row in future.result()]
    return pd.DataFrame(rows).sort_values(["scenario", "seed"], ignore_index=True)


def provenance(n_seeds: int) -> dict[str, Any]:
    """Where the reference came from: commit, working-tree state, versions, run settings."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=HERE)
        return done.stdout.strip() if done.returncode == 0 else "unknown"

    return {
        "git_commit": git("rev-parse", "HEAD"),
        "git_branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--", ":/src", ":/configs")),  # from the top
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenarios": list(SCENARIOS), "seeds": list(range(n_seeds)), "days": DAYS, "write_spatial": False,
        "outcomes": list(OUTCOMES),
        "versions": {
            "python": platform.python_version(),
            **{name: version(name) for name in ("bordersim", "mesa", "numpy", "scipy", "pandas")},
        },
    }  # fmt: skip


def write_reference(frame: pd.DataFrame, path: Path, meta: dict[str, Any]) -> None:
    """Write the per-seed outcomes with ``meta`` in the Parquet metadata and a sidecar JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: json.dumps(meta)})
    pq.write_table(table, path)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")


def read_reference(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The stored per-seed outcomes and their provenance."""
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
    return table.to_pandas(), meta


def mean_interval(values: np.ndarray) -> tuple[float, float, str]:
    """95% interval of the mean of ``values`` and the method that produced it."""
    if np.all(values == values[0]):
        return float(values[0]), float(values[0]), "constant"
    for method in ("BCa", "percentile"):
        res = stats.bootstrap(
            (values,), np.mean, confidence_level=CONFIDENCE, n_resamples=N_RESAMPLES, method=method,
            rng=np.random.default_rng(BOOTSTRAP_SEED),
        )  # fmt: skip
        low, high = res.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            return float(low), float(high), method
    return float("nan"), float("nan"), "undefined"


def compare(reference: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario and outcome: reference mean and interval, new mean, identical, pass."""
    rows = []
    for scenario in SCENARIOS:
        old = reference[reference.scenario == scenario].set_index("seed").sort_index()
        new = current[current.scenario == scenario].set_index("seed").sort_index()
        same_seeds = list(old.index) == list(new.index)
        for outcome in OUTCOMES:
            a, b = old[outcome].to_numpy(float), new[outcome].to_numpy(float)
            identical = same_seeds and np.array_equal(a, b, equal_nan=True)
            low, high, method = mean_interval(a)
            inside = bool(low <= b.mean() <= high)
            if np.std(a) == 0 and np.std(b) == 0:
                welch = 1.0 if a.mean() == b.mean() else 0.0
            else:
                welch = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
            rows.append({
                "scenario": scenario, "outcome": outcome, "old_mean": a.mean(),
                "ci_low": low, "ci_high": high, "ci_method": method, "new_mean": b.mean(),
                "identical": identical, "inside_ci": inside,
                "welch_p": welch, "pass": identical or inside,
            })  # fmt: skip
    return pd.DataFrame(rows)


def _num(x: float) -> str:
    """A number in at most 10 characters, precise enough to see small shifts."""
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.4e}"


def print_table(table: pd.DataFrame, n_old: int, n_new: int) -> None:
    """The comparison as an aligned text table."""
    print(f"\nreference: {n_old} seeds per scenario; current engine: {n_new} seeds; interval: 95% bootstrap")
    head = (
        f"{'scenario':<9} {'outcome':<26} {'old mean':>10} {'95% interval of old mean':>25} "
        f"{'new mean':>10} {'identical':>9} {'Welch p':>7}  pass"
    )
    print(head)
    print("-" * len(head))
    for r in table.to_dict(orient="records"):
        interval = f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
        print(
            f"{r['scenario']:<9} {r['outcome']:<26} {_num(r['old_mean']):>10} {interval:>25} "
            f"{_num(r['new_mean']):>10} {'yes' if r['identical'] else 'no':>9} {r['welch_p']:>7.3f}  "
            f"{'PASS' if r['pass'] else 'FAIL'}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30, help="seeds 0..N-1 per scenario (default 30)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--write-reference", action="store_true", help="store this engine's outcomes")
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--out", type=Path, help="also write the comparison to this JSON file")
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if not args.write_reference and not args.reference.exists():
        print(f"no reference at {args.reference}: run with --write-reference first", file=sys.stderr)
        return 2
    start = time.perf_counter()
    current = run_all(args.seeds, args.jobs)
    elapsed = time.perf_counter() - start
    runs = len(current)
    print(f"{runs} one-year runs ({len(SCENARIOS)} scenarios x {args.seeds} seeds) on {args.jobs} worker(s): "
          f"{elapsed:.1f} s ({os.cpu_count()} cores)")  # fmt: skip
    if args.write_reference:
        meta = provenance(args.seeds)
        write_reference(current, args.reference, meta)
        dirty = " (uncommitted changes in src/ or configs/!)" if meta["git_dirty"] else ""
        print(f"wrote {args.reference} and {args.reference.with_suffix('.json').name}: "
              f"commit {meta['git_commit'][:12]}{dirty}")  # fmt: skip
        return 0
    reference, meta = read_reference(args.reference)
    print(f"reference: {args.reference} (commit {str(meta.get('git_commit', 'unknown'))[:12]}, "
          f"{meta.get('created', '?')})")  # fmt: skip
    table = compare(reference, current)
    print_table(table, reference.seed.nunique(), args.seeds)
    failed = table[~table["pass"]]
    n_identical = int(table.identical.sum())
    verdict = "OK" if failed.empty else "FAILED: " + ", ".join(failed.scenario + "/" + failed.outcome)
    print(f"\n{len(table) - len(failed)}/{len(table)} pass ({n_identical} per-seed identical); {verdict}")
    if args.out:
        args.out.write_text(
            json.dumps({"elapsed_s": round(elapsed, 1), "jobs": args.jobs, "seeds": args.seeds,
                        "reference": meta, "rows": table.to_dict(orient="records")}, indent=2, default=str)
        )  # fmt: skip
    return 1 if len(failed) else 0


if __name__ == "__main__":
    sys.exit(main())

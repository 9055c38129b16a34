"""Benchmark: ``bordersim -m experiment=scenario_comparison`` with 1 and 2 joblib workers.

Each sweep runs as the user would run it (the command line, the joblib launcher, collection
and comparison table included) into a fresh temporary directory; the figures are the wall
time, runs per second, the speed-up over one worker, and the CPU seconds the sweep used (which,
unlike wall time, other processes on a shared machine hardly change). The full sweep is 5 scenarios x
100 seeds x 365 days (500 runs); ``--n-seeds`` shrinks it. Run with
``.venv/bin/python benchmarks/sweep.py [--n-seeds 100] [--workers 1 2] [--out FILE.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BORDERSIM = str(Path(sys.executable).with_name("bordersim"))


def time_sweep(workers: int, n_seeds: int, seeds_per_job: int, sweep_dir: Path) -> dict:
    """Wall time of one full sweep with ``workers`` joblib workers into a new ``sweep_dir``."""
    cmd = [
        BORDERSIM, "-m", "experiment=scenario_comparison", f"n_seeds={n_seeds}",
        f"seeds_per_job={seeds_per_job}", f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={sweep_dir}",
    ]  # fmt: skip
    load, cpu = os.getloadavg()[0], _children_cpu_s()
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=sweep_dir.parent)
    wall = time.perf_counter() - start
    cpu = _children_cpu_s() - cpu
    meta = json.loads((sweep_dir / "sweep.json").read_text())
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return {
        "workers": workers, "runs_ok": meta["n_runs_ok"], "runs_expected": meta["n_runs_expected"],
        "wall_s": round(wall, 1), "runs_per_s": round(meta["n_runs_ok"] / wall, 3),
        "cpu_s": round(cpu, 1), "cpu_s_per_run": round(cpu / max(meta["n_runs_ok"], 1), 2),
        "load_average_before": load,
    }  # fmt: skip


def _children_cpu_s() -> float:
    """CPU seconds used so far by finished child processes (the sweep and its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-seeds", type=int, default=100)
    parser.add_argument("--seeds-per-job", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bordersim-bench-") as tmp:
        for number, workers in enumerate(args.workers):
            sweep_dir = Path(tmp) / f"{number}_workers_{workers}"  # a new sweep each time, never a resume
            results.append(time_sweep(workers, args.n_seeds, args.seeds_per_job, sweep_dir))
            print(json.dumps(results[-1]), flush=True)
    first = results[0]
    print(f"\nscenario_comparison, {args.n_seeds} seeds x 5 scenarios, {os.cpu_count()} cores")
    print(f"workers  runs  wall [s]  runs/s  speed-up over {first['workers']} worker(s)")
    for r in results:
        speedup = r["runs_per_s"] / first["runs_per_s"]
        row = f"{r['workers']:>7}  {r['runs_ok']:>4}  {r['wall_s']:>8.1f}  {r['runs_per_s']:>6.2f}"
        print(f"{row}  {speedup:>7.2f}")
    if args.out:
        figures = {"n_seeds": args.n_seeds, "cores": os.cpu_count(), "runs": results}
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

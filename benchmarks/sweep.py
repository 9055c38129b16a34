"""Benchmark: ``bordersim -m experiment=scenario_comparison`` with 1 and 2 joblib workers.

Each sweep runs as the user would run it (the command line, the joblib launcher, collection
and comparison table included) into a fresh temporary directory; the figures are the wall
time, runs per second, the speed-up over one worker, the CPU seconds the sweep used (which,
unlike wall time, other processes on a shared machine hardly change) and the sweep's memory:
the peak resident memory of its whole process tree (launcher and workers, summed) and of its
largest process, sampled from ``/proc`` every 0.4 s (Linux; elsewhere not measured). The full
sweep is 5 scenarios x 100 seeds x 365 days (500 runs); ``--n-seeds`` shrinks it. Run with
``.venv/bin/python benchmarks/sweep.py [--n-seeds 100] [--workers 1 2] [--out FILE.json]``;
``benchmarks/run.py`` (``make bench``) calls :func:`time_sweep` for its sweep rows.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BORDERSIM = str(Path(sys.executable).with_name("bordersim"))
SCENARIOS = 5  # in experiment=scenario_comparison


def default_seeds_per_job(n_seeds: int) -> int:
    """Seeds per Hydra job: 10 as in the preset, fewer for small sweeps so that there are at least
    two jobs per scenario (else 2 workers could not share 5 jobs evenly)."""
    return max(1, min(10, n_seeds // 2))


def time_sweep(workers: int, n_seeds: int, seeds_per_job: int, sweep_dir: Path) -> dict[str, Any]:
    """Wall time, CPU time and memory of one full sweep with ``workers`` joblib workers into a new
    ``sweep_dir``."""
    cmd = [
        BORDERSIM, "-m", "experiment=scenario_comparison", f"n_seeds={n_seeds}",
        f"seeds_per_job={seeds_per_job}", f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={sweep_dir}",
    ]  # fmt: skip
    sweep_dir.parent.mkdir(parents=True, exist_ok=True)
    load, cpu = os.getloadavg()[0], _children_cpu_s()
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, cwd=sweep_dir.parent)
        memory = TreeMemory(proc.pid)
        returncode = proc.wait()
        wall = time.perf_counter() - start
        mem = memory.stop()
        cpu = _children_cpu_s() - cpu
        if returncode != 0 or not (sweep_dir / "sweep.json").exists():
            out.seek(0), err.seek(0)
            print(out.read()[-2000:], err.read()[-2000:], file=sys.stderr)
    if not (sweep_dir / "sweep.json").exists():
        raise RuntimeError(f"the sweep failed (exit {returncode}): {' '.join(cmd)}")
    meta = json.loads((sweep_dir / "sweep.json").read_text())
    return {
        "workers": workers, "n_seeds": n_seeds, "seeds_per_job": seeds_per_job,
        "runs_ok": meta["n_runs_ok"], "runs_expected": meta["n_runs_expected"], "exit_code": returncode,
        "wall_s": round(wall, 1), "runs_per_s": round(meta["n_runs_ok"] / wall, 3),
        "cpu_s": round(cpu, 1), "cpu_s_per_run": round(cpu / max(meta["n_runs_ok"], 1), 2),
        "load_average_before": load, **mem,
    }  # fmt: skip


def _children_cpu_s() -> float:
    """CPU seconds used so far by finished child processes (the sweep and its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled from ``/proc`` in a
    background thread (Linux only; elsewhere every figure is ``None``).

    ``peak_tree_mb`` is the largest sum of the tree's VmRSS seen at one sample (a lower bound of
    the true peak); ``peak_process_mb`` the largest VmHWM (the kernel's own per-process peak) of
    any process of the tree.
    """

    def __init__(self, pid: int, interval_s: float = 0.4, rescan_every: int = 5) -> None:
        self.pid, self.interval_s, self.rescan_every = pid, interval_s, rescan_every
        self.available = Path("/proc/self/status").exists()
        self.peak_tree_kb = 0
        self.peak_process_kb = 0
        self.processes: set[int] = set()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if self.available:
            self._thread.start()

    def stop(self) -> dict[str, Any]:
        """Stop sampling; the figures in MB."""
        self._done.set()
        if self.available:
            self._thread.join()
        mb = (lambda kb: round(kb / 1024, 1)) if self.available else (lambda kb: None)
        return {
            "peak_tree_mb": mb(self.peak_tree_kb), "peak_process_mb": mb(self.peak_process_kb),
            "processes_seen": len(self.processes) if self.available else None,
        }  # fmt: skip

    def _run(self) -> None:
        tree: list[int] = []
        for sample in itertools.count():
            if sample % self.rescan_every == 0:  # finding the tree scans all of /proc: not every time
                tree = self._tree()
            total = 0
            for pid in tree:
                rss, hwm = _status_kb(pid)
                total += rss
                self.peak_process_kb = max(self.peak_process_kb, hwm)
                if rss:
                    self.processes.add(pid)
            self.peak_tree_kb = max(self.peak_tree_kb, total)
            if self._done.wait(self.interval_s):
                return

    def _tree(self) -> list[int]:
        parents: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(parents.get(pid, []))
        return tree


def _status_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB; zeros once it has ended."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: line.split()[1] for line in lines if line.startswith(("VmRSS", "VmHWM"))}
    return int(values.get("VmRSS", 0)), int(values.get("VmHWM", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-seeds", type=int, default=100)
    parser.add_argument("--seeds-per-job", type=int, help="default: 10, fewer for small sweeps")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    seeds_per_job = args.seeds_per_job or default_seeds_per_job(args.n_seeds)
    results = []
    with tempfile.TemporaryDirectory(prefix="bordersim-bench-") as tmp:
        for number, workers in enumerate(args.workers):
            sweep_dir = Path(tmp) / f"{number}_workers_{workers}"  # a new sweep each time, never a resume
            results.append(time_sweep(workers, args.n_seeds, seeds_per_job, sweep_dir))
            print(json.dumps(results[-1]), flush=True)
    first = results[0]
    print(f"\nscenario_comparison, {args.n_seeds} seeds x {SCENARIOS} scenarios, {os.cpu_count()} cores")
    print(f"workers  runs  wall [s]  runs/s  speed-up over {first['workers']} worker(s)  peak RSS tree [MB]")
    for r in results:
        speedup = r["runs_per_s"] / first["runs_per_s"]
        row = f"{r['workers']:>7}  {r['runs_ok']:>4}  {r['wall_s']:>8.1f}  {r['runs_per_s']:>6.2f}"
        print(f"{row}  {speedup:>26.2f}  {r['peak_tree_mb']}")
    if args.out:
        figures = {"n_seeds": args.n_seeds, "cores": os.cpu_count(), "runs": results}
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

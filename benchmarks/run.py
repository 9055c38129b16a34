"""Benchmark of bordersim (``make bench``): speed, scaling, start-up and memory in one table.

Every figure is measured in the same run on the same machine, so compare ratios, not absolute
numbers across machines; the test suite holds no timing thresholds. The table has six sections:

1. the default one-year run in this process (best of ``--repeats``): Hydra config compose, model
   build, one simulated year after build, ms per simulated day, and runs per minute in a single
   process (60 s over resolve + build + year + summary, as a sweep job runs each seed);
2. agent-steps per second of that run against Mesa's Wolf-Sheep example
   (``mesa.examples.advanced.wolf_sheep``) with 2,000 initial animals (the example's 2:1 sheep to
   wolves and its density of 150 animals on 20 x 20 cells, so a 73 x 73 grid), and their ratio;
3. cost scaling: ms per simulated day at ``agent_scale`` 1, 2, 5, 10 and at ``cell_km`` 0.5 and
   0.25 (four times the cells), with the fitted log-log exponents a and b of
   time ~ agents^a and time ~ cells^b (1 means linear), and a default day split into what is
   fixed and what grows with the cells and with the agents (``cost_anatomy``), and the ms a
   default day spends in each phase of the schedule (``phase_times``);
4. CLI start: wall time of ``python -c "import bordersim"`` and ``bordersim --help`` in fresh
   subprocesses (best of ``--cli-repeats``);
5. memory: peak RSS of one default run of the ``bordersim`` command (a fresh process) and of the
   2-worker sweep of section 6 (the whole process tree and its largest process);
6. ``bordersim -m experiment=scenario_comparison`` end to end with 1 and then 2 joblib workers
   (``benchmarks/sweep.py``), runs per minute and the 1 -> 2 worker speed-up. The full size is
   500 runs (5 scenarios x 100 seeds x 365 days); unless ``--full-sweep`` is given the sweep is
   reduced and the time of the full 500 runs is extrapolated from it, labelled as such.

Usage::

    .venv/bin/python benchmarks/run.py                # reduced sweep (20 seeds x 5 scenarios)
    .venv/bin/python benchmarks/run.py --quick        # a fast look: 1 repeat, 120-day scaling runs,
                                                      #   sweep of 10 seeds x 5 scenarios
    .venv/bin/python benchmarks/run.py --full-sweep   # the sweep at full size (500 runs) on 1 and 2 workers

Other flags: ``--repeats N`` (default 3; 1 with --quick), ``--scaling-days N`` (365; 120 with
--quick), ``--ws-steps N`` (Wolf-Sheep steps, 100; 50 with --quick), ``--cli-repeats N`` (5; 3 with
--quick), ``--sweep-seeds N`` (seeds per scenario of the sweep, overrides the above),
``--no-sweep`` (skip section 6 and the sweep's memory), ``--out FILE.json`` (also write every
figure as JSON).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from mesa.examples.advanced.wolf_sheep.agents import Sheep, Wolf
from mesa.examples.advanced.wolf_sheep.model import WolfSheep, WolfSheepScenario
from sweep import BORDERSIM, SCENARIOS, default_seeds_per_job, time_sweep

import bordersim
from bordersim.errors import ConfigError
from bordersim.metrics import summarise
from bordersim.model import BorderModel

logging.getLogger("MESA").setLevel(logging.WARNING)

WS_ANIMALS = 2_000
AGENT_SCALES = (1, 2, 5, 10)
CELL_KMS = (0.5, 0.25)
FULL_SWEEP_SEEDS = 100


# -- 1. the default run ------------------------------------------------------------------
def time_run(overrides: list[str] | tuple[str, ...], repeats: int) -> dict[str, Any]:
    """Best of ``repeats`` in-process runs: each phase timed separately, the best of each kept."""
    best: dict[str, float] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        composed = bordersim.compose_config(list(overrides))
        t1 = time.perf_counter()
        cfg = bordersim.resolve(composed)
        t2 = time.perf_counter()
        model = BorderModel(cfg)
        t3 = time.perf_counter()
        agent_steps = 0
        for _ in range(model.spin_up + model.days):  # a run simulates its spin-up too
            agent_steps += len(model.agents)
            model.run_for(1)
        t4 = time.perf_counter()
        summarise(model.recorder.frame())
        t5 = time.perf_counter()
        phases = {
            "compose_s": t1 - t0,
            "resolve_s": t2 - t1,
            "build_s": t3 - t2,
            "run_s": t4 - t3,
            "summary_s": t5 - t4,
        }
        for key, seconds in phases.items():
            best[key] = min(best.get(key, math.inf), seconds)
    days = model.spin_up + model.days
    one_run = best["resolve_s"] + best["build_s"] + best["run_s"] + best["summary_s"]
    return {
        **{k: round(v, 4) for k, v in best.items()},
        "days": days,
        "spin_up_days": model.spin_up,
        "year_s": round(best["run_s"] / days * 365, 3),
        "repeats": repeats,
        "ms_per_day": round(best["run_s"] / days * 1e3, 3),
        "agents_per_day": round(agent_steps / days, 1),
        "cells": int(np.prod(model.geo.shape)),
        "grid": list(model.geo.shape),
        "agent_steps_per_s": round(agent_steps / best["run_s"]),
        "runs_per_minute": round(60 / one_run, 1),
    }


# -- 2. Wolf-Sheep -----------------------------------------------------------------------
def time_wolf_sheep(animals: int, steps: int, repeats: int) -> dict[str, Any]:
    """Best of ``repeats`` Wolf-Sheep runs starting with ``animals`` animals, at the example's
    default proportions (2 sheep to 1 wolf) and density (150 animals on 20 x 20 cells)."""
    side = round(20 * math.sqrt(animals / 150))
    best: dict[str, Any] = {}
    for seed in range(repeats):
        scenario = WolfSheepScenario(
            initial_sheep=animals - animals // 3,
            initial_wolves=animals // 3,
            width=side,
            height=side,
            rng=seed,
        )
        model = WolfSheep(scenario)
        agent_steps = 0
        start = time.perf_counter()
        for _ in range(steps):
            agent_steps += len(model.agents_by_type[Sheep]) + len(model.agents_by_type.get(Wolf, []))
            model.step()
        seconds = time.perf_counter() - start
        rate = agent_steps / seconds
        if not best or rate > best["agent_steps_per_s"]:
            best = {
                "seconds": round(seconds, 3),
                "steps": steps,
                "agent_steps": agent_steps,
                "agent_steps_per_s": round(rate),
                "ms_per_step": round(seconds / steps * 1e3, 2),
            }
    return {
        "initial_animals": animals,
        "grid": [side, side],
        "repeats": repeats,
        **best,
        "animals_per_step": round(best["agent_steps"] / steps, 1),
    }


# -- 3. scaling --------------------------------------------------------------------------
def scaling(days: int, repeats: int, default: dict[str, Any] | None) -> dict[str, Any]:
    """ms per day at each agent scale and cell size, and the fitted log-log exponents.
    ``default`` (the section-1 run, when it has ``days`` days) stands for agent_scale 1."""
    agents, cells = [], []
    for scale in AGENT_SCALES:
        if scale == 1 and default is not None and default["days"] - default["spin_up_days"] == days:
            agents.append({"agent_scale": 1, **_point(default)})
            continue
        agents.append(
            {"agent_scale": scale, **_scaling_point([f"agent_scale={scale}", f"days={days}"], repeats)}
        )
    for km in CELL_KMS:
        cells.append({"cell_km": km, **_scaling_point([f"cell_km={km}", f"days={days}"], repeats)})
    return {
        "days": days,
        "repeats": repeats,
        "agent_points": agents,
        "cell_points": cells,
        "exponent_agents": _exponent(
            [p.get("agents_per_day") for p in agents], [p.get("ms_per_day") for p in agents]
        ),
        "exponent_cells": _exponent([p.get("cells") for p in cells], [p.get("ms_per_day") for p in cells]),
        "anatomy": cost_anatomy(agents, cells),
    }


def cost_anatomy(agents: list[dict[str, Any]], cells: list[dict[str, Any]]) -> dict[str, float] | None:
    """Where a default day's time goes, from the scaling points: a line fitted to ms a day
    against agents (all at the default cell size) gives the cost of one agent; the step to
    finer cells, less the cost of its few extra agents, the cost of one cell; what is left of
    the line at no agents and no cells is fixed, the day's work that grows with neither (the
    call overheads of every phase). None unless two points of each ran."""
    by_agents = [p for p in agents if "error" not in p]
    by_cells = sorted((p for p in cells if "error" not in p), key=lambda p: p["cells"])
    if len(by_agents) < 2 or len(by_cells) < 2:
        return None
    per_agent, no_agents = np.polyfit(
        [p["agents_per_day"] for p in by_agents], [p["ms_per_day"] for p in by_agents], 1
    )
    coarse, fine = by_cells[0], by_cells[-1]
    extra_agents = fine["agents_per_day"] - coarse["agents_per_day"]
    per_cell = (fine["ms_per_day"] - coarse["ms_per_day"] - per_agent * extra_agents) / (
        fine["cells"] - coarse["cells"]
    )
    default = min(by_agents, key=lambda p: p["agents_per_day"])
    return {
        "fixed_ms": float(no_agents - per_cell * default["cells"]),
        "cells_ms": float(per_cell * default["cells"]),
        "agents_ms": float(per_agent * default["agents_per_day"]),
        "per_cell_us": float(per_cell * 1e3),
        "per_agent_us": float(per_agent * 1e3),
    }


def _scaling_point(overrides: list[str], repeats: int) -> dict[str, Any]:
    try:
        return _point(time_run(overrides, repeats))
    except ConfigError as exc:
        return {"error": str(exc)}


def _point(run: dict[str, Any]) -> dict[str, Any]:
    return {key: run[key] for key in ("ms_per_day", "agents_per_day", "cells", "grid", "build_s")}


def _exponent(x: list[float | None], y: list[float | None]) -> float | None:
    """Slope of log y against log x over the points that ran (None with fewer than two)."""
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if a and b]
    if len({a for a, _ in pairs}) < 2:
        return None
    slope = np.polyfit(np.log([a for a, _ in pairs]), np.log([b for _, b in pairs]), 1)[0]
    return round(float(slope), 3)


def phase_times(overrides: list[str]) -> dict[str, Any]:
    """ms a simulated day in each phase of the daily schedule (``BorderModel.step``) over one
    run: the phases' methods and each force unit's step are wrapped with a timer on this model
    alone; ``rest`` is what the phases leave of the day (finances, trade and tolls, the random
    streams, Mesa's own step)."""
    model = BorderModel(bordersim.resolve(bordersim.compose_config(overrides)))
    spent: dict[str, float] = {}

    def timed(label: str, method: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        return run

    phases = {
        "strikes": (model.air, "strike_day"),
        "security and control": (model, "refresh_security"),
        "population": (model, "update_population"),
        "routes": (model.routes, "day"),
        "smuggler crews": (model.smugglers, "run_day"),
        "IRGC convoys": (model.irgc, "move_convoys"),
        "IS cells": (model.islamic_state, "act"),
        "record": (model, "record"),
    }
    for label, (owner, name) in phases.items():
        setattr(owner, name, timed(label, getattr(owner, name)))
    units = {"militias": model.militias, "state forces": model.state_forces, "tribes": model.tribes}
    for label, members in units.items():
        for unit in members:
            unit.step = timed(label, unit.step)
    days = model.spin_up + model.days
    start = time.perf_counter()
    model.run_for(days)
    ms_per_day = (time.perf_counter() - start) / days * 1e3
    ms = {label: spent.get(label, 0.0) / days * 1e3 for label in [*phases, *units]}
    ms["rest"] = ms_per_day - sum(ms.values())
    return {
        "days": days,
        "ms_per_day": round(ms_per_day, 3),
        "phases": {k: round(v, 3) for k, v in ms.items()},
    }


# -- 4. CLI start ------------------------------------------------------------------------
def time_cli(repeats: int) -> dict[str, Any]:
    """Best-of wall time of ``import bordersim`` and ``bordersim --help``, each in a new process."""
    commands = {"import_s": [sys.executable, "-c", "import bordersim"], "help_s": [BORDERSIM, "--help"]}
    out: dict[str, Any] = {"repeats": repeats}
    for key, cmd in commands.items():
        best = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            best = min(best, time.perf_counter() - start)
        out[key] = round(best, 3)
    return out


# -- 5. memory of one run ----------------------------------------------------------------
PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run_memory(tmp: Path) -> dict[str, Any]:
    """Peak RSS of one default ``bordersim`` run (outputs written), measured by a fresh parent
    process so that no other child counts."""
    cmd = [sys.executable, "-c", PROBE, BORDERSIM, f"hydra.run.dir={tmp / 'one_run'}"]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    maxrss = int(done.stdout.split()[-1])
    kb = maxrss / 1024 if sys.platform == "darwin" else maxrss  # bytes on macOS, kB on Linux
    return {"peak_rss_mb": round(kb / 1024, 1)}


# -- 6. the sweep ------------------------------------------------------------------------
def sweeps(n_seeds: int, tmp: Path) -> dict[str, Any]:
    """The scenario comparison with 1 and then 2 workers, same size, and the speed-up."""
    per_job = default_seeds_per_job(n_seeds)
    one = time_sweep(1, n_seeds, per_job, tmp / "sweep_1_worker")
    two = time_sweep(2, n_seeds, per_job, tmp / "sweep_2_workers")
    full_runs = SCENARIOS * FULL_SWEEP_SEEDS
    return {
        "n_seeds": n_seeds,
        "runs": SCENARIOS * n_seeds,
        "seeds_per_job": per_job,
        "full_size": n_seeds >= 100,
        "one_worker": one,
        "two_workers": two,
        "speedup": round(two["runs_per_s"] / one["runs_per_s"], 2),
        "runs_per_minute_2_workers": round(two["runs_per_s"] * 60, 1),
        "full_500_runs_2_workers_s": two["wall_s"]
        if n_seeds >= FULL_SWEEP_SEEDS
        else round(full_runs / two["runs_per_s"], 1),
    }


# -- the table ---------------------------------------------------------------------------
def print_table(fig: dict[str, Any]) -> None:
    """All figures as one aligned table: measure, value, note."""
    rows: list[tuple[str, str, str]] = []

    def section(title: str) -> None:
        rows.append((f"[{title}]", "", ""))

    def row(name: str, value: str, note: str = "") -> None:
        rows.append((f"  {name}", value, note))

    d = fig["default_run"]
    section(f"default one-year run, in process (best of {d['repeats']})")
    row("config compose (Hydra)", f"{d['compose_s']:.3f} s", "once per sweep job")
    row("config resolve", f"{d['resolve_s']:.3f} s")
    row("model build", f"{d['build_s']:.3f} s", "target <= 0.1 s")
    row(
        f"one run after build ({d['spin_up_days']} spin-up + {d['days'] - d['spin_up_days']} days)",
        f"{d['run_s']:.2f} s",
    )
    row("a simulated year (365 days)", f"{d['year_s']:.2f} s", "target <= 0.3 s")
    row(
        "per simulated day",
        f"{d['ms_per_day']:.2f} ms",
        f"{d['agents_per_day']:.0f} agents, {d['cells']:,} cells",
    )
    row("runs per minute, one process", f"{d['runs_per_minute']:.1f}", "resolve + build + year + summary")

    ws = fig["wolf_sheep"]
    section("agent-steps per second")
    row("bordersim, default run", f"{d['agent_steps_per_s']:,}", f"{d['agents_per_day']:.0f} agents a day")
    row(
        f"Mesa Wolf-Sheep, {ws['initial_animals']:,} animals",
        f"{ws['agent_steps_per_s']:,}",
        f"{ws['grid'][0]}x{ws['grid'][1]}, {ws['steps']} steps, {ws['animals_per_step']:.0f} animals a step, "
        f"{ws['ms_per_step']:.1f} ms a step",
    )
    row("ratio bordersim / Wolf-Sheep", f"{fig['ratio_vs_wolf_sheep']:.2f}x", "target >= 10x")

    sc = fig["scaling"]
    if sc:
        section(f"cost scaling ({sc['days']} days a run, best of {sc['repeats']})")
        for p in sc["agent_points"]:
            _scaling_row(row, f"agent_scale {p['agent_scale']}", p)
        for p in sc["cell_points"]:
            _scaling_row(row, f"cell_km {p['cell_km']}", p, "")
        row("exponent a, time ~ agents^a", _fmt(sc["exponent_agents"]), "target <= 1 (agent_scale 1 -> 10)")
        row("exponent b, time ~ cells^b", _fmt(sc["exponent_cells"]), "target <= 1 (cell_km 0.5 -> 0.25)")
        _anatomy_rows(row, sc["anatomy"])

    ph = fig["phases"]
    section(f"where a default day goes ({ph['days']} days, one run, {ph['ms_per_day']:.2f} ms a day)")
    for label, ms in ph["phases"].items():
        row(label, f"{ms:.2f} ms ({ms / ph['ms_per_day']:.0%})")

    cli = fig["cli"]
    section(f"CLI start, fresh process (best of {cli['repeats']})")
    row('python -c "import bordersim"', f"{cli['import_s']:.2f} s", "target <= 0.8 s")
    row("bordersim --help", f"{cli['help_s']:.2f} s", "target <= 0.8 s")

    section("memory, peak resident set")
    row("one default run (bordersim command)", f"{fig['memory']['peak_rss_mb']:.0f} MB", "ru_maxrss")
    sw = fig["sweep"]
    if sw:
        two = sw["two_workers"]
        row(
            f"2-worker sweep, whole process tree ({two['processes_seen']} processes)",
            _mb(two["peak_tree_mb"]),
            "sum of RSS, sampled every 0.4 s",
        )
        row("2-worker sweep, largest process", _mb(two["peak_process_mb"]), "VmHWM")

        size = "full size" if sw["full_size"] else "REDUCED"
        section(
            f"experiment=scenario_comparison, {sw['runs']} runs "
            f"({sw['n_seeds']} seeds x {SCENARIOS}, 365 days), {size}"
        )
        for label, r in (("1 worker", sw["one_worker"]), ("2 workers", two)):
            row(
                f"{label}: wall",
                f"{r['wall_s']:.1f} s",
                f"{r['runs_ok']}/{r['runs_expected']} runs ok, {r['runs_per_s'] * 60:.1f} runs/min, "
                f"{r['cpu_s_per_run']:.2f} CPU s a run, {r['cpu_s'] / r['wall_s']:.2f} cores busy, "
                f"load before {r['load_average_before']:.1f}",
            )
        busy = two["cpu_s"] / two["wall_s"]
        note = "target >= 1.8x" + (
            f"; the 2-worker sweep kept only {busy:.1f} cores busy: the machine was shared, rerun when idle"
            if busy < 1.6
            else ""
        )
        row("speed-up 1 -> 2 workers", f"{sw['speedup']:.2f}x", note)
        row("runs per minute, 2 workers", f"{sw['runs_per_minute_2_workers']:.1f}")
        label = "500 runs, 2 workers" + ("" if sw["full_size"] else ": EXTRAPOLATED")
        note = "measured" if sw["full_size"] else f"linear from {sw['runs']} runs; --full-sweep measures it"
        row(label, f"{sw['full_500_runs_2_workers_s']:.0f} s", f"target < 120 s; {note}")

    width = [max(len(r[i]) for r in rows if r[1]) for i in range(2)]
    for name, value, note in rows:
        print(name if not value else f"{name:<{width[0]}}  {value:>{width[1]}}  {note}".rstrip())


def _scaling_row(row: Any, label: str, p: dict[str, Any], suffix: str = "") -> None:
    if "error" in p:
        row(label, "failed", p["error"][:90])
    else:
        row(
            label,
            f"{p['ms_per_day']:.2f} ms/day",
            f"{p['agents_per_day']:.0f} agents, {p['cells']:,} cells{suffix}",
        )


def _anatomy_rows(row: Any, anatomy: dict[str, float] | None) -> None:
    """A default day split into what is fixed and what grows with the cells and the agents."""
    if anatomy is None:
        return
    total = anatomy["fixed_ms"] + anatomy["cells_ms"] + anatomy["agents_ms"]
    parts = (
        ("a default day: fixed", anatomy["fixed_ms"], "grows with neither agents nor cells"),
        ("a default day: with the cells", anatomy["cells_ms"], f"{anatomy['per_cell_us']:.3f} us a cell"),
        (
            "a default day: with the agents",
            anatomy["agents_ms"],
            f"{anatomy['per_agent_us']:.2f} us an agent",
        ),
    )
    for label, ms, note in parts:
        row(label, f"{ms:.2f} ms ({ms / total:.0%})", note)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def _mb(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast look (see the module docstring)")
    parser.add_argument("--full-sweep", action="store_true", help="the sweep at full size: 500 runs")
    parser.add_argument("--no-sweep", action="store_true", help="skip the scenario_comparison sweep")
    parser.add_argument("--sweep-seeds", type=int, help="seeds per scenario of the sweep")
    parser.add_argument("--repeats", type=int, help="default runs timed (best of; 3, quick 1)")
    parser.add_argument("--scaling-days", type=int, help="days of each scaling run (365, quick 120)")
    parser.add_argument("--ws-steps", type=int, help="Wolf-Sheep steps (100, quick 50)")
    parser.add_argument("--cli-repeats", type=int, help="CLI start timings (best of; 5, quick 3)")
    parser.add_argument("--out", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    quick = args.quick
    repeats = args.repeats or (1 if quick else 3)
    scaling_days = args.scaling_days or (120 if quick else 365)
    sweep_seeds = args.sweep_seeds or (FULL_SWEEP_SEEDS if args.full_sweep else 10 if quick else 20)
    started = time.perf_counter()
    machine = {
        "python": platform.python_version(), "mesa": version("mesa"), "numpy": version("numpy"),
        "cores": os.cpu_count(), "load_average_before": os.getloadavg()[0],
    }  # fmt: skip
    fig: dict[str, Any] = {
        "machine": machine,
        "mode": "quick" if quick else "full-sweep" if args.full_sweep else "default",
    }
    print(
        f"bordersim benchmark ({fig['mode']}): Python {machine['python']}, mesa {machine['mesa']}, "
        f"{machine['cores']} cores, load {machine['load_average_before']:.1f}",
        flush=True,
    )
    steps = [
        ("default_run", lambda: time_run([], repeats)),
        ("wolf_sheep", lambda: time_wolf_sheep(WS_ANIMALS, args.ws_steps or (50 if quick else 100), repeats)),
        ("scaling", lambda: scaling(scaling_days, 1, fig["default_run"])),
        ("phases", lambda: phase_times([f"days={scaling_days}"])),
        ("cli", lambda: time_cli(args.cli_repeats or (3 if quick else 5))),
    ]
    with tempfile.TemporaryDirectory(prefix="bordersim-bench-") as tmp:
        steps.append(("memory", lambda: run_memory(Path(tmp))))
        if not args.no_sweep:
            steps.append(("sweep", lambda: sweeps(sweep_seeds, Path(tmp))))
        for key, measure in steps:
            start = time.perf_counter()
            print(f"  measuring {key} ...", end=" ", flush=True)
            fig[key] = measure()
            print(f"{time.perf_counter() - start:.0f} s", flush=True)
    fig.setdefault("sweep", None)
    fig["ratio_vs_wolf_sheep"] = round(
        fig["default_run"]["agent_steps_per_s"] / fig["wolf_sheep"]["agent_steps_per_s"], 3
    )
    fig["benchmark_wall_s"] = round(time.perf_counter() - started, 1)
    print()
    print_table(fig)
    print(
        f"\n(benchmark took {fig['benchmark_wall_s']:.0f} s; "
        "figures from one run on a shared machine are noisy)"
    )
    if args.out:
        args.out.write_text(json.dumps(fig, indent=2) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

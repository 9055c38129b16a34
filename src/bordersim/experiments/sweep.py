"""A sweep's life in the launching process: record it, watch it, collect it.

:class:`SweepCallback` (registered in ``configs/config.yaml``) writes ``sweep.json`` when a
multirun starts, refuses a sweep directory that holds a different sweep, starts the progress
display, and at the end collects the runs and writes the comparison table; with
``validate: true`` (the ``validation`` and ``scenario_comparison`` presets) it also judges
the runs against the patterns (``SWEEP_DIR/validation/``). Hydra skips
``on_multirun_end`` when a job raises, so the ``bordersim`` command also calls
:func:`finish` on its way out: a sweep is collected exactly once either way.
"""

from __future__ import annotations

import shlex
import sys
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bordersim.errors import ConfigError
from bordersim.experiments import plan
from bordersim.experiments.collect import collect, print_outcome
from bordersim.experiments.progress import Progress
from bordersim.experiments.store import read_meta, write_meta

#: The sweep this process launched (root, progress) until collected, then its exit code.
_state: dict[str, Any] = {}


class SweepCallback(Callback):
    """Hydra callback: :func:`start` at the start of a multirun, :func:`finish` at its end."""

    def __init__(self, validate: bool = False) -> None:
        self.validate = validate

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        start(config)
        _state["validate"] = self.validate

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        finish()


def start(config: DictConfig) -> None:
    """Write or check ``sweep.json`` and start the progress display."""
    root = Path(config.hydra.sweep.dir)
    try:
        plan.check_jobs(config)
    except ConfigError as err:
        print(f"error: {err} (no job was started)", file=sys.stderr)
        sys.exit(2)
    meta = describe(config, root)
    previous = read_meta(root)
    if previous and identity(previous) != identity(meta):
        print(
            f"error: {root} holds another sweep ({' '.join(previous.get('overrides', []))}); "
            "resume it with the same overrides or choose a new hydra.sweep.dir",
            file=sys.stderr,
        )
        sys.exit(2)
    if previous:
        meta["started"] = previous.get("started")
        meta["resumed"] = [*previous.get("resumed", []), datetime.now().isoformat(timespec="seconds")]
    root.mkdir(parents=True, exist_ok=True)
    write_meta(root, meta)
    progress = Progress(root, meta["n_runs_expected"])
    print(f"sweep {root}: {meta['n_jobs']} jobs, {meta['n_runs_expected']} runs", flush=True)
    progress.start()
    _state.update(root=root, progress=progress)


def finish() -> int:
    """Collect the sweep this process launched, once; return the exit code (1: runs failed or missing)."""
    if "root" in _state:
        root, progress = _state.pop("root"), _state.pop("progress")
        progress.stop()
        meta = collect(root)
        _state["exit_code"] = print_outcome(root, meta)
        if _state.pop("validate", False) and meta["n_runs_ok"]:
            from bordersim.validation.cli import report_verdicts  # loads the plotting stack

            report_verdicts(root)
    return _state.get("exit_code", 0)


def describe(config: DictConfig, root: Path) -> dict[str, Any]:
    """What ``sweep.json`` records when a sweep starts."""
    task = list(config.hydra.overrides.task)
    launch = [*task, *(o for o in config.hydra.overrides.hydra if not o.startswith("hydra.mode="))]
    resume = [o for o in launch if not o.startswith("hydra.sweep.dir=")] + [f"hydra.sweep.dir={root}"]
    return {
        "experiment": config.hydra.runtime.choices.get("experiment"),
        "sweep_dir": str(root),
        "command": shlex.join(["bordersim", "-m", *launch]),
        "resume": shlex.join(["bordersim", "-m", *resume]),
        "overrides": task,
        "sweeper_params": {k: str(v) for k, v in (config.hydra.sweeper.get("params") or {}).items()},
        "swept_parameters": plan.swept_parameters(config),
        "n_jobs": len(plan.jobs(config)),
        "n_runs_expected": plan.expected_runs(config),
        "bordersim_version": version("bordersim"),
        "started": datetime.now().isoformat(timespec="seconds"),
        "status": "running",
    }


def identity(meta: dict[str, Any]) -> tuple:
    """What makes two launches the same sweep: the experiment and overrides (``n_seeds`` may grow)."""
    overrides = sorted(o for o in meta.get("overrides", []) if not o.startswith("n_seeds="))
    return meta.get("experiment"), overrides

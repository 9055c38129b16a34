"""A sensitivity study's life in the launching process, and ``bordersim-sensitivity SWEEP_DIR``.

``bordersim -m experiment=morris`` (or ``sobol``, ``discovery``) launches the study's jobs
(:mod:`bordersim.sensitivity.runner`); :class:`StudyCallback` writes ``study.json`` (the settings,
the factors studied, the command and the command that resumes it) when it starts, refuses a
directory that holds another study or settings that name an unknown factor or a missing Morris
study, and at the end analyses the runs and writes the method's report
(``SWEEP_DIR/<method>/<method>.md``). A study resumed with ``hydra.sweep.dir=SWEEP_DIR`` runs only
what is missing. ``bordersim-sensitivity SWEEP_DIR`` analyses and reports a study again after the
fact (e.g. after an interruption).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bordersim.errors import ConfigError
from bordersim.experiments.progress import Progress
from bordersim.experiments.store import atomic
from bordersim.sensitivity import analysis, discovery, discovery_report, report, sobol_report
from bordersim.sensitivity.design import Design, design, settings
from bordersim.sensitivity.runner import RUNS

STUDY_JSON = "study.json"
#: method -> the function that analyses a study's contrast table and writes its report page.
PAGES = {"morris": report.write_report, "sobol": sobol_report.write_report,
         "discovery": discovery_report.write_report}  # fmt: skip
#: The study this process launched and its progress display, until it is analysed.
_state: dict[str, Any] = {}


class RunProgress(Progress):
    """The sweeps' progress line, counting a study's run files."""

    def count(self) -> tuple[int, int]:
        files = [p.name for p in (self.root / RUNS).glob("*/*.json")]
        failed = sum(name.endswith(".failed.json") for name in files)
        return len(files), failed


class StudyCallback(Callback):
    """Hydra callback of a sensitivity study: record the study at the start, report it at the end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            start(config)
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            sys.exit(2)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        finish()


def start(config: DictConfig) -> None:
    """Write ``study.json`` (or check the directory holds this same study); show progress."""
    root = Path(config.hydra.sweep.dir)
    meta = describe(config, root)
    previous = read_study(root)
    if previous and (previous["settings"], previous["run"]) != (meta["settings"], meta["run"]):
        message = "resume it with the same settings or choose a new hydra.sweep.dir"
        print(f"error: {root} holds another study; {message}", file=sys.stderr)
        sys.exit(2)
    root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(meta, indent=2, default=str)
    atomic(root / STUDY_JSON, lambda p: p.write_text(text))
    print(f"study {root}: {meta['n_estimates']} estimates in {len(meta['uncertain'])} factors, "
          f"{meta['n_rows']} rows, {meta['n_runs']} runs", flush=True)  # fmt: skip
    progress = RunProgress(root, meta["n_runs"])
    progress.start()
    _state.update(root=root, progress=progress)


def describe(config: DictConfig, root: Path) -> dict[str, Any]:
    """What ``study.json`` records: settings, run keys, factors, sizes, the command and its resume."""
    s, d = settings(config), design(config)
    if s.get("method") == "discovery":
        discovery.check(s, d)
    launch = [
        *config.hydra.overrides.task,
        *(o for o in config.hydra.overrides.hydra if not o.startswith("hydra.mode=")),
    ]
    resume = [o for o in launch if not o.startswith("hydra.sweep.dir=")] + [f"hydra.sweep.dir={root}"]
    distinct_rows = len({d.key(r) for r in d.rows})  # a row the design repeats shares its runs
    return {
        "settings": s, "run": {k: config[k] for k in ("days", "spin_up_days", "start_date", "seed")},
        "factors": d.factors, "uncertain": d.uncertain, "n_estimates": len(d.estimates),
        "n_rows": len(d.rows),
        "n_runs": distinct_rows * len(s["scenarios"]) * d.seeds_per_row,
        "command": shlex.join(["bordersim", "-m", *launch]),
        "resume": shlex.join(["bordersim", "-m", *resume]),
    }  # fmt: skip


def finish() -> int:
    """Analyse the study this process launched, once; the exit code (1: runs failed or missing)."""
    if "root" in _state:
        root, progress = _state.pop("root"), _state.pop("progress")
        progress.stop()
        _state["exit_code"] = 1  # until the analysis has written its report (a callback's error is a warning)
        _state["exit_code"] = analyse(root)
        if _state["exit_code"]:
            print(f"study incomplete; resume with: {read_study(root)['resume']}")
    return _state.get("exit_code", 0)


def read_study(root: Path) -> dict[str, Any]:
    path = root / STUDY_JSON
    return json.loads(path.read_text()) if path.is_file() else {}


def analyse(root: Path) -> int:
    """Analyse the finished runs of a study and write its report; 1 if runs are missing."""
    study = read_study(root)
    s = study["settings"]
    method = str(s.get("method", "morris"))
    d = design({**s, "morris": None, "factors": study["uncertain"]})  # the factors chosen at the start
    runs = analysis.read_runs(root)
    contrasts = [name for name in s["scenarios"] if name != s["baseline"]]
    table = analysis.contrast_table(runs, s["baseline"], contrasts, s["outcomes"])
    header = [f"{sizes(study, d)}; {s['seeds_per_row']} seed(s) per row shared by its scenarios; runs of "
              f"{study['run']['days']} days after a {study['run']['spin_up_days']}-day spin-up. "
              f"{len(runs)} of {study['n_runs']} runs finished."]  # fmt: skip
    page = PAGES[method](d, s, table, root / method, header)
    failed = len(list((root / RUNS).glob("*/*.failed.json")))
    print(f"study {root}: {len(runs)} of {study['n_runs']} runs ok, {failed} failed")
    print(f"{method} report: {page}")
    return 0 if len(runs) >= study["n_runs"] else 1


def sizes(study: dict[str, Any], d: Design) -> str:
    """The design in words: estimates, factors and rows."""
    s, n = study["settings"], len(d.uncertain)
    estimates = f"{study['n_estimates']} estimates in {n} factors"
    if s.get("method") == "sobol":
        return f"{estimates} and the noise factor; {s['samples']} Saltelli base samples of {d.block} rows"
    if s.get("method") == "discovery":
        return f"{estimates} and {len(d.levers)} levers; a Latin hypercube of {s['samples']} rows"
    return (f"{estimates} and the noise factor; {s['trajectories']} trajectories of {d.block} rows, "
            f"{s['levels']} levels")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bordersim-sensitivity", description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, help="directory of a study (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    if not (args.sweep_dir / STUDY_JSON).is_file():
        print(f"error: {args.sweep_dir}: no {STUDY_JSON} (not a sensitivity study)", file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(analyse(args.sweep_dir))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)

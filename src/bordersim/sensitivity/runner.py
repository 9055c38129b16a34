"""One Hydra job of a sensitivity study: its block of sample rows, each in every scenario.

A run is one row x scenario x seed. Its outcomes go to ``SWEEP_DIR/runs/<row key>/<scenario>_<seed>.json``
(written atomically; a run that raises leaves ``<scenario>_<seed>.failed.json`` and the job goes
on). The file names depend on the row's values only, so a resumed study skips every finished
run whichever job holds it. A scenario is composed from the job's own overrides plus
``scenario=[NAME]`` (or the list its settings give) and the scenario's settings of the study
(e.g. the day it starts); in a discovery study the row's levers add their settings and scenarios
to every scenario but the baseline. Each composition is made once per job.
"""

from __future__ import annotations

import copy
import json
import sys
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from bordersim import config
from bordersim.api import run
from bordersim.experiments.store import atomic
from bordersim.sensitivity.design import Design, block_rows, design, settings

RUNS = "runs"


def run_path(root: Path, key: str, scenario: str, seed: int) -> Path:
    return root / RUNS / key / f"{scenario}_{seed}.json"


def failed_path(done: Path) -> Path:
    return done.with_suffix(".failed.json")


def run_rows(cfg: DictConfig, root: Path) -> None:
    """Run every row x scenario x seed of the job's block that is not finished yet."""
    s, d = settings(cfg), design(cfg)
    rows = block_rows(d, int(cfg.sweep.block), int(s["rows_per_job"]))
    composed: dict[tuple[str, ...], dict[str, Any]] = {}
    for planned in runs(d, s, rows):
        out = run_path(root, planned["row"], planned["scenario"], planned["seed"])
        if out.is_file():
            continue
        overrides = tuple(planned.pop("overrides"))
        if overrides not in composed:
            composed[overrides] = config.plain(job_config(list(overrides)))
        try:
            outcomes = run_one(composed[overrides], planned)
        except Exception as err:  # a failed run is recorded; the study goes on
            record_failure(out, err)
            print(f"run failed: {out}: {type(err).__name__}: {err}", file=sys.stderr)
            continue
        write_json(out, {**planned, "outcomes": outcomes})
        failed_path(out).unlink(missing_ok=True)


def runs(d: Design, s: Mapping[str, Any], rows: np.ndarray) -> Iterator[dict[str, Any]]:
    """Every run of ``rows``: row key, scenario, seed, parameter values, levers, overrides to compose."""
    for scenario, overrides in s["scenarios"].items():
        for row in rows:
            added, levers = ([], []) if scenario == s["baseline"] else d.composition(row)
            job = composition(scenario, list(overrides or []), added) + levers
            for seed in d.seeds(row):
                yield {"row": d.key(row), "scenario": scenario, "seed": seed, "params": d.values(row),
                       "levers": d.lever_values(row), "overrides": job}  # fmt: skip


def composition(scenario: str, overrides: list[str], added: list[str]) -> list[str]:
    """Overrides composing a scenario: ``scenario=[...]`` (its name, or the list its overrides
    give, plus the scenarios levers add), then its other overrides."""
    named = [o for o in overrides if o.startswith("scenario=")]
    names = named[-1].removeprefix("scenario=").strip("[]").split(",") if named else [scenario]
    rest = [o for o in overrides if not o.startswith("scenario=")]
    return [f"scenario=[{','.join([*names, *added])}]", *rest]


def run_one(base: dict[str, Any], planned: Mapping[str, Any]) -> dict[str, Any]:
    """The outcomes of one planned run on its composed scenario."""
    return run(with_values(base, planned["params"], planned["seed"])).summary["outcomes"]


def job_config(overrides: list[str]) -> DictConfig:
    """The job's config with a scenario's overrides (``scenario=[...]`` first)."""
    hydra = HydraConfig.get()
    loader = GlobalHydra.instance().config_loader()
    job = [*hydra.overrides.hydra, *hydra.overrides.task, *overrides]
    return loader.load_configuration(hydra.job.config_name, overrides=job, run_mode=RunMode.RUN)


def with_values(base: dict[str, Any], values: dict[str, Any], seed: int) -> dict[str, Any]:
    """A run's inputs: the scenario's config with a row's parameter values and a seed."""
    one = copy.deepcopy(base)
    for key, value in values.items():
        *path, last = key.split(".")
        node = one["params"]
        for part in path:
            node = node[part]
        node[last] = value
    one.update(seed=seed, write_spatial=False)
    return one


def write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, default=str)
    atomic(path, lambda p: p.write_text(text))


def record_failure(out: Path, err: BaseException) -> None:
    error = f"{type(err).__name__}: {err}"
    write_json(failed_path(out), {"error": error, "traceback": "".join(traceback.format_exception(err))})

"""One Hydra job of a sensitivity study: its block of sample rows, each in every scenario.

A run is one row x scenario x seed. Its outcomes go to ``SWEEP_DIR/runs/<row key>/<scenario>_<seed>.json``
(written atomically; a run that raises leaves ``<scenario>_<seed>.failed.json`` and the job goes
on). The file names depend on the row's values only, so a resumed study skips every finished
run whichever job holds it. Each scenario is composed once per job from the job's own overrides
plus ``scenario=[NAME]`` and the scenario's settings of the study (e.g. the day it starts).
"""

from __future__ import annotations

import copy
import json
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    for scenario, overrides in s["scenarios"].items():
        base = config.plain(scenario_config(scenario, overrides or []))
        for key, seed, values in pending(root, d, rows, scenario):
            out = run_path(root, key, scenario, seed)
            try:
                outcomes = run(with_values(base, values, seed)).summary["outcomes"]
            except Exception as err:  # a failed run is recorded; the study goes on
                record_failure(out, err)
                print(f"run failed: {out}: {type(err).__name__}: {err}", file=sys.stderr)
                continue
            record = {"row": key, "scenario": scenario, "seed": seed, "params": values, "outcomes": outcomes}
            write_json(out, record)
            failed_path(out).unlink(missing_ok=True)


def pending(root: Path, d: Design, rows: Any, scenario: str) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(row key, seed, parameter values) of the runs of ``rows`` in ``scenario`` not finished yet."""
    for row in rows:
        key = d.key(row)
        for seed in d.seeds(row):
            if not run_path(root, key, scenario, seed).is_file():
                yield key, seed, d.values(row)


def scenario_config(scenario: str, overrides: list[str]) -> DictConfig:
    """The job's config with ``scenario=[NAME]`` and the study's overrides of that scenario."""
    hydra = HydraConfig.get()
    loader = GlobalHydra.instance().config_loader()
    job = [*hydra.overrides.hydra, *hydra.overrides.task, f"scenario=[{scenario}]", *overrides]
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

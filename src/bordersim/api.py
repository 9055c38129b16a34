"""Running a model and writing its outputs: the Python API behind the ``bordersim`` command.

Outputs of a run directory: ``daily.parquet`` (one row per day), ``summary.json``
(outcomes, seed, resolved config), and with ``write_spatial`` also ``maps.npz`` (end-of-run
control, IS activity, civilian harm, smuggling runs by route) and ``strikes.parquet``.
Every file is written to a temporary name and renamed, ``summary.json`` last, so a run
directory holding ``summary.json`` is complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from bordersim import config
from bordersim.metrics import summarise
from bordersim.model import BorderModel
from bordersim.params import RunConfig

SUMMARY = "summary.json"


@dataclass
class RunResult:
    """What one run produced: the daily frame, the summary, and the model itself."""

    daily: pd.DataFrame
    summary: dict[str, Any]
    model: BorderModel

    def write(self, directory: str | Path) -> Path:
        """Write the run's files into ``directory`` (summary.json last)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        _atomic(out / "daily.parquet", lambda p: self.daily.to_parquet(p, index=False))
        if self.model.config.write_spatial:
            _atomic(out / "maps.npz", lambda p: np.savez_compressed(p, **spatial(self.model)))
            strikes = pd.DataFrame(self.model.air.log, columns=STRIKE_COLUMNS)
            _atomic(out / "strikes.parquet", lambda p: strikes.to_parquet(p, index=False))
        text = json.dumps(self.summary, indent=2, default=str)
        _atomic(out / SUMMARY, lambda p: Path(p).write_text(text))
        return out


STRIKE_COLUMNS = ["day", "date", "actor", "target", "unit", "lat", "lon", "killed", "civilians_harmed"]


def run(
    cfg: RunConfig | DictConfig | Mapping[str, Any] | None = None, overrides: list[str] | tuple[str, ...] = ()
) -> RunResult:
    """Build and run one model from a config (RunConfig, DictConfig, dict, or None for the
    defaults composed with ``overrides`` such as ``["seed=3", "scenario=[reopening]"]``)."""
    resolved = config.resolve(cfg if cfg is not None else config.compose_config(overrides))
    model = BorderModel(resolved)
    model.run()
    daily = model.recorder.frame()
    summary = {
        "seed": resolved.seed,
        "scenario": sorted(resolved.scenario),
        "start_date": str(resolved.start_date),
        "bordersim_version": version("bordersim"),
        "outcomes": summarise(daily),
        "events_fired": model.fired_events,
        "config": resolved.data,
    }
    return RunResult(daily, summary, model)


def spatial(model: BorderModel) -> dict[str, Any]:
    """End-of-run maps for the report: control, IS activity, harm, runs per route."""
    return {
        "control": model.influence.control,
        "is_activity": model.is_activity / max(model.day + 1, 1),
        "residents": model.population.residents,
        "grievance": model.population.grievance,
        "route_trips": model.route_trips,
        "route_names": np.array(model.routes.names),
        "route_kinds": np.array([r.kind for r in model.geo.routes]),
    }


def _atomic(path: Path, write: Callable[[Path], Any]) -> None:
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # keeps the suffix: np.savez adds .npz
    write(tmp)
    os.replace(tmp, path)

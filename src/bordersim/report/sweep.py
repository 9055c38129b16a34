"""Reading a sweep directory for the report, tolerating partial sweeps.

A sweep directory holds ``collected/{runs,daily,strikes}.parquet``, ``comparison.md`` and
``sweep.json`` beside the run directories (the experiment pipeline's data contract).
:func:`load_sweep` reads what is there into a :class:`Sweep` and writes down, in plain
sentences, everything that is missing or failed, so the report can say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Columns of runs.parquet that are neither swept parameters nor outcomes.
ID_COLUMNS = ("run_id", "scenario", "seed", "status", "error", "run_dir")


class SweepError(ValueError):
    """The directory is not a sweep the report can read at all."""


@dataclass
class Sweep:
    """What the report needs from one sweep directory, and what was missing from it."""

    root: Path
    runs: pd.DataFrame  # all rows of runs.parquet, failed ones included
    daily: pd.DataFrame  # empty if collected/daily.parquet is missing
    strikes: pd.DataFrame  # empty if collected/strikes.parquet is missing
    meta: dict[str, Any]  # sweep.json, or {} if missing
    params: list[str]  # swept parameters (dotted keys)
    comparison_md: str | None
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> pd.DataFrame:
        """Runs that finished."""
        return self.runs[self.runs["status"] == "ok"]

    @property
    def experiment(self) -> str:
        return str(self.meta.get("experiment") or self.root.name)

    @property
    def conditions(self) -> list[str]:
        """Distinct conditions (scenario plus swept values) in a stable, readable order."""
        return list(dict.fromkeys(self.labels(self.ok.sort_values(["scenario", *self.params]))))

    def labels(self, frame: pd.DataFrame) -> pd.Series:
        """Condition label of each row of ``frame`` (the scenario is left out if there is one)."""
        several = self.runs["scenario"].nunique() > 1 or not self.params
        return condition_labels(frame, self.params, with_scenario=several)

    def seeds_text(self) -> str:
        """'N seeds' per condition, or a range if conditions differ."""
        counts = self.labels(self.ok).value_counts()
        if counts.empty:
            return "0 seeds"
        lo, hi = int(counts.min()), int(counts.max())
        return f"{lo} seeds per condition" if lo == hi else f"{lo}-{hi} seeds per condition"

    def config_text(self) -> str:
        """A short description of the configuration for figure captions."""
        overrides = self.meta.get("overrides")
        if overrides:
            return " ".join(str(o) for o in overrides)
        return "shipped defaults" if self.meta else "unknown (sweep.json missing)"

    def caption(self, extra: str = "") -> str:
        """The caption line every figure carries: experiment, seeds, config."""
        text = f"Experiment {self.experiment}, {self.seeds_text()}, config: {self.config_text()}."
        return f"{text} {extra}".strip()

    def summary(self, run_dir: str) -> dict[str, Any] | None:
        """The summary.json of one run directory, or None."""
        path = self.root / run_dir / "summary.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def representative_summary(self) -> dict[str, Any] | None:
        """The summary of the first finished run that has one (for config and geography)."""
        for run_dir in self.ok["run_dir"]:
            summary = self.summary(run_dir)
            if summary is not None:
                return summary
        return None

    def software_version(self) -> str:
        found = self.meta.get("bordersim_version")
        if found:
            return str(found)
        summary = self.representative_summary()
        return str(summary["bordersim_version"]) if summary else f"{installed_version()} (report tool)"


def installed_version() -> str:
    try:
        return version("bordersim")
    except PackageNotFoundError:
        return "unknown"


def condition_labels(runs: pd.DataFrame, params: list[str], with_scenario: bool = True) -> pd.Series:
    """One label per row: the scenario, then ``short_key=value`` for each swept parameter."""
    parts = [runs["scenario"].astype(str)] if with_scenario else []
    parts += [short_key(p) + "=" + runs[p].map(fmt_value) for p in params]
    labels = parts[0]
    for part in parts[1:]:
        labels = labels + " " + part
    return labels


def short_key(key: str) -> str:
    """The last two parts of a dotted key: 'scenario.strike.rate_per_week' -> 'strike.rate_per_week'."""
    return ".".join(key.split(".")[-2:])


def fmt_value(v: Any) -> str:
    """A number without trailing zeros (0.5, 2), anything else as text."""
    return f"{v:g}" if isinstance(v, int | float | np.number) else str(v)


def load_sweep(root: str | Path) -> Sweep:
    """Read a sweep directory; raise SweepError only if no run table can be found."""
    root = Path(root)
    if not root.is_dir():
        raise SweepError(f"{root}: not a directory")
    runs_path = root / "collected" / "runs.parquet"
    if not runs_path.is_file():
        raise SweepError(f"{root}: no collected/runs.parquet (run bordersim-collect on the sweep first)")
    runs = pd.read_parquet(runs_path)
    absent = [c for c in ("run_id", "scenario", "seed", "status") if c not in runs.columns]
    if absent:
        raise SweepError(f"{runs_path}: missing columns {', '.join(absent)}")
    missing: list[str] = []
    meta = _read_json(root / "sweep.json", missing)
    params = swept_params(runs, meta)
    sweep = Sweep(
        root=root,
        runs=runs,
        daily=_read_table(root / "collected" / "daily.parquet", missing),
        strikes=_read_table(root / "collected" / "strikes.parquet", missing),
        meta=meta,
        params=params,
        comparison_md=_read_text(root / "comparison.md", missing),
        missing=missing,
    )
    sweep.missing.extend(run_problems(sweep))
    return sweep


def swept_params(runs: pd.DataFrame, meta: dict[str, Any]) -> list[str]:
    """Swept parameters: from sweep.json if it lists them, else the dotted run-table columns."""
    listed = meta.get("swept_parameters") or meta.get("swept") or meta.get("params")
    if isinstance(listed, dict):
        listed = list(listed)
    if isinstance(listed, list) and all(isinstance(p, str) for p in listed):
        return [p for p in listed if p in runs.columns]
    return [c for c in runs.columns if "." in c and c not in ID_COLUMNS]


def run_problems(sweep: Sweep) -> list[str]:
    """Sentences about failed runs, runs still absent, and run directories not found."""
    out = []
    failed = sweep.runs[sweep.runs["status"] != "ok"]
    for _, row in failed.iterrows():
        error = row.get("error") or "no error recorded"
        out.append(f"run {row['run_id']} ({row['scenario']}, seed {row['seed']}) failed: {error}")
    empty = sorted(set(sweep.runs["scenario"]) - set(sweep.ok["scenario"]))
    if empty:
        out.append(f"no finished runs for scenario(s) {', '.join(empty)}: they are absent from every figure")
    expected = sweep.meta.get("n_runs_expected") or sweep.meta.get("n_expected")
    if isinstance(expected, int) and expected > len(sweep.runs):
        out.append(f"{expected - len(sweep.runs)} of {expected} expected runs are absent from the run table")
    if "run_dir" in sweep.runs.columns:
        lost = [d for d in sweep.ok["run_dir"] if not (sweep.root / str(d) / "summary.json").is_file()]
        if lost:
            out.append(f"{len(lost)} finished runs have no summary.json in their run directory")
    return out


def _read_json(path: Path, missing: list[str]) -> dict[str, Any]:
    if not path.is_file():
        missing.append(f"{path.name} is missing: experiment name, overrides and run counts are unknown")
        return {}
    try:
        return dict(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError, ValueError):
        missing.append(f"{path.name} could not be read as JSON")
        return {}


def _read_table(path: Path, missing: list[str]) -> pd.DataFrame:
    if not path.is_file():
        missing.append(f"collected/{path.name} is missing: figures drawn from it are left out")
        return pd.DataFrame()
    return pd.read_parquet(path)


def _read_text(path: Path, missing: list[str]) -> str | None:
    if not path.is_file():
        missing.append(f"{path.name} is missing: the comparison table is not in this report")
        return None
    return path.read_text()

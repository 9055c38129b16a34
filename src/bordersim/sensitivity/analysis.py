"""The runs of a finished (or partly finished) study as contrasts, and its Morris indices.

For each sample row the contrast of a scenario is its outcome minus the baseline's outcome of
the same row and seed (common random numbers), averaged over the row's seeds; the baseline's
own level is analysed as well. Every method reads this contrast table. For a Morris study
SALib's ``morris.analyze`` then gives, per factor, mu, mu* (the mean absolute elementary
effect), sigma and a bootstrap interval of mu*. A block of the design (a Morris trajectory, a
Sobol' base sample) with a run missing or failed is left out whole: the estimators need
complete blocks.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze

from bordersim.sensitivity.design import Design
from bordersim.sensitivity.ranking import LEVEL
from bordersim.sensitivity.runner import RUNS
from bordersim.sensitivity.space import NOISE


def read_runs(root: Path) -> pd.DataFrame:
    """One row per finished run: row key, scenario, seed and every outcome."""
    records = []
    for path in sorted((root / RUNS).glob("*/*.json")):
        if path.name.endswith(".failed.json"):
            continue
        run = json.loads(path.read_text())
        records.append(
            {"row": run["row"], "scenario": run["scenario"], "seed": run["seed"], **run["outcomes"]}
        )
    return pd.DataFrame.from_records(records)


def contrast_table(
    runs: pd.DataFrame, baseline: str, scenarios: list[str], outcomes: dict[str, str]
) -> pd.DataFrame:
    """Per row key: ``(contrast, outcome)`` columns, scenario minus baseline averaged over seeds."""
    columns = list(outcomes.values())
    wide = runs.pivot_table(index=["row", "seed"], columns="scenario", values=columns, aggfunc="first")
    parts = {}
    for name, column in outcomes.items():
        base = wide[(column, baseline)]
        parts[(LEVEL, name)] = base
        for scenario in scenarios:
            if (column, scenario) in wide:
                parts[(f"{scenario} - {baseline}", name)] = wide[(column, scenario)] - base
    frame = pd.DataFrame(parts)
    return frame.groupby(level="row").mean()  # NaN (a missing run) stays NaN for its row


def complete_blocks(d: Design, table: pd.DataFrame, column: tuple[str, str]) -> np.ndarray:
    """Indices of the design's blocks whose rows all have a value in ``column``."""
    values = np.array([table[column].get(d.key(row), np.nan) for row in d.rows]).reshape(-1, d.block)
    return np.flatnonzero(np.isfinite(values).all(axis=1))


def values_of(
    d: Design, table: pd.DataFrame, column: tuple[str, str], blocks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``blocks`` and their values in ``column``, in the design's order."""
    rows = d.rows.reshape(-1, d.block, d.rows.shape[1])[blocks].reshape(-1, d.rows.shape[1])
    return rows, np.array([table.at[d.key(row), column] for row in rows])


def indices(d: Design, table: pd.DataFrame, levels: int, seed: int = 0) -> pd.DataFrame:
    """Morris indices of every factor for every ``(contrast, outcome)`` column of the table."""
    frames = []
    for column in table.columns:
        contrast, outcome = str(column[0]), str(column[1])
        keep = complete_blocks(d, table, (contrast, outcome))
        if not len(keep):
            continue
        rows, y = values_of(d, table, (contrast, outcome), keep)
        with warnings.catch_warnings():  # one trajectory has no sigma: SALib's NaN, without the warning
            warnings.simplefilter("ignore", RuntimeWarning)
            found = morris_analyze.analyze(d.problem, rows, y, num_levels=levels, seed=seed)
        frames.append(as_frame(found, contrast, outcome, len(keep)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def as_frame(found: dict[str, Any], contrast: str, outcome: str, trajectories: int) -> pd.DataFrame:
    """SALib's result as rows, with mu* relative to the noise factor's mu*."""
    frame = pd.DataFrame(
        {
            "contrast": contrast, "outcome": outcome, "factor": list(found["names"]),
            "mu": np.asarray(found["mu"], dtype=float), "mu_star": np.asarray(found["mu_star"], dtype=float),
            "sigma": np.asarray(found["sigma"], dtype=float),
            "mu_star_conf": np.asarray(found["mu_star_conf"], dtype=float), "trajectories": trajectories,
        }
    )  # fmt: skip
    noise = float(frame.loc[frame["factor"] == NOISE, "mu_star"].iloc[0])
    frame["mu_star_over_noise"] = frame["mu_star"] / noise if noise > 0 else np.inf
    frame["rank"] = frame["mu_star"].rank(ascending=False, method="min").astype(int)
    return frame.sort_values("rank", ignore_index=True)

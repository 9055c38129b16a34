"""Sobol' indices of a study, per outcome and scenario contrast, and whether they have converged.

SALib's ``sobol.analyze`` gives per factor the first-order index S1 (the share of the contrast's
variance the factor explains alone) and the total index ST (alone and with every other factor),
each with a bootstrap 95 % interval. The indices are computed twice: on the first half of the
base samples (itself a valid Saltelli sample, see :mod:`bordersim.sensitivity.design`) and on
all of them. A contrast and outcome is *stable* when no factor's ST moved by more than the
study's ``tolerance`` (0.1 in the presets) between the two; the interval overlap is reported too.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze

from bordersim.sensitivity.analysis import complete_blocks, values_of
from bordersim.sensitivity.design import Design

#: Bootstrap resamples of the intervals.
RESAMPLES = 500


def indices(d: Design, table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """S1 and ST with intervals of every factor, per ``(contrast, outcome)`` column, at N/2 and N."""
    frames = []
    for column in table.columns:
        keep = complete_blocks(d, table, (str(column[0]), str(column[1])))
        for n in sorted({len(keep) // 2, len(keep)} - {0, 1}):
            _, y = values_of(d, table, (str(column[0]), str(column[1])), keep[:n])
            if np.ptp(y) > 0:  # a contrast that never moves has no variance to share out
                frames.append(as_frame(analyse(d, y, seed), d.factors, str(column[0]), str(column[1]), n))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def analyse(d: Design, y: np.ndarray, seed: int) -> dict[str, Any]:
    """SALib's first and total order indices of values ``y`` of complete base samples."""
    rng = np.random.default_rng(seed)  # SALib 1.6 leaves the bootstrap unseeded for seed=0 ("if seed:")
    with warnings.catch_warnings():  # tiny samples warn about their intervals; the table shows them
        warnings.simplefilter("ignore", RuntimeWarning)
        return sobol_analyze.analyze(d.problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                                     seed=rng)  # fmt: skip


def as_frame(
    found: dict[str, Any], factors: list[str], contrast: str, outcome: str, samples: int
) -> pd.DataFrame:
    """SALib's result as rows: one per factor, with the number of base samples."""
    return pd.DataFrame(
        {
            "contrast": contrast, "outcome": outcome, "samples": samples, "factor": factors,
            "S1": found["S1"], "S1_conf": found["S1_conf"], "ST": found["ST"], "ST_conf": found["ST_conf"],
        }
    )  # fmt: skip


def convergence(found: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """Per contrast and outcome: the largest change of ST from N/2 to N, interval overlap, stable or not."""
    rows = []
    for (contrast, outcome), part in found.groupby(["contrast", "outcome"], sort=False):
        sizes = sorted(part["samples"].unique())
        if len(sizes) < 2:
            continue
        half, full = (part[part["samples"] == n].set_index("factor") for n in sizes[-2:])
        change = (full["ST"] - half["ST"]).abs()
        apart = (full["ST"] - half["ST"]).abs() > full["ST_conf"] + half["ST_conf"]
        rows.append({
            "contrast": contrast, "outcome": outcome, "half": sizes[-2], "full": sizes[-1],
            "max_change_ST": float(change.max()), "factor": str(change.idxmax()),
            "intervals_overlap": not bool(apart.any()), "stable": bool(change.max() < tolerance),
        })  # fmt: skip
    return pd.DataFrame.from_records(rows)


def final(found: pd.DataFrame) -> pd.DataFrame:
    """The indices at the full size of each contrast and outcome."""
    largest = found.groupby(["contrast", "outcome"], sort=False)["samples"].transform("max")
    return found[found["samples"] == largest].reset_index(drop=True)

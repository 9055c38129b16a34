"""Scenario discovery: where in the space of policies and estimates does IS resurge?

A discovery study (``experiment=discovery``) samples a Latin hypercube over the policy's levers
(strike intensity, drawdown fraction, US withdrawal) and the estimates that matter most, and
runs each row as the policy and as the baseline with the same seed. A row's IS *resurges* when
the policy's outcome (IS attacks) exceeds ``ratio`` (1.5) times the baseline's. PRIM (EMA
Workbench's ``Prim``) then peels the input space down to boxes where resurgence is common: each
box on the peeling trajectory has a *coverage* (the share of all resurgent rows it holds) and a
*density* (the share of its rows that are resurgent). The chosen box is the one with the largest
coverage x density. The *dilemma frontier* is the chance of resurgence (with a Wilson 95 %
interval) and the militias' loss by strike intensity, drawdown and US presence.

EMA Workbench is an optional extra (``pip install 'bordersim[ema]'``); without it the runs and the
frontier are written and PRIM stops with a message saying what to install.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from bordersim.errors import ConfigError
from bordersim.sensitivity.analysis import LEVEL
from bordersim.sensitivity.design import Design

#: Column of the resurgence flag in the input frame's companion.
RESURGENT = "IS resurgent"


@dataclass(frozen=True)
class Box:
    """PRIM's result: the peeling trajectory, the chosen box and its limits against the ranges."""

    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame

    @property
    def coverage(self) -> float:
        return float(self.trajectory["coverage"].iloc[self.chosen])

    @property
    def density(self) -> float:
        return float(self.trajectory["density"].iloc[self.chosen])


def prim_module() -> ModuleType:
    """EMA Workbench's PRIM, or a ConfigError saying how to install it."""
    try:
        with warnings.catch_warnings():  # EMA warns about optional parallel back-ends on import
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise ConfigError("sensitivity.method", "discovery's PRIM needs EMA Workbench, not installed",
                          "pip install 'bordersim[ema]'") from None  # fmt: skip
    return prim


def check(s: dict[str, Any], d: Design) -> None:
    """ConfigError unless resurgence reads a study outcome and the frontier names levers and an outcome."""
    levers, outcomes = [lever.name for lever in d.levers], list(s["outcomes"])
    wanted = [
        ("sensitivity.resurgence.outcome", s["resurgence"]["outcome"], outcomes),
        ("sensitivity.frontier.militia", s["frontier"]["militia"], outcomes),
        *((f"sensitivity.frontier.{k}", s["frontier"][k], levers) for k in ("x", "lines", "panels")),
    ]
    for key, name, allowed in wanted:
        if name not in allowed:
            raise ConfigError(key, f"unknown name '{name}'", ", ".join(allowed))


def inputs(d: Design, keys: pd.Index) -> pd.DataFrame:
    """Per row key: the share of each uncertain factor's range and each lever's value (floats)."""
    by_key = {d.key(row): row for row in d.rows}
    records = {}
    for key in keys:
        row = by_key[key]
        shares = dict(zip(d.uncertain, row[: len(d.uncertain)], strict=True))
        records[key] = {**shares, **d.lever_values(row)}
    return pd.DataFrame.from_dict(records, orient="index", dtype=float)


def resurgence(table: pd.DataFrame, policy: str, outcome: str, ratio: float) -> pd.Series:
    """Per row: the policy's ``outcome`` above ``ratio`` x the baseline's (and above it)."""
    base = table[(LEVEL, outcome)]
    with_policy = base + table[(policy, outcome)]
    return ((with_policy > ratio * base) & (with_policy > base)).rename(RESURGENT)


def peel(x: pd.DataFrame, y: pd.Series, mass_min: float) -> Box:
    """PRIM's first box for ``y`` over ``x`` (floats: EMA 3.0's PRIM fails on integer columns)."""
    prim = prim_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = prim.Prim(x.astype(float), y.to_numpy(dtype=bool), mass_min=mass_min).find_box()
    trajectory = found.peeling_trajectory.reset_index(drop=True)
    chosen = int((trajectory["coverage"] * trajectory["density"]).idxmax())
    return Box(trajectory, chosen, limits(found.box_lims[chosen], found.box_lims[0]))


def limits(box: pd.DataFrame, ranges: pd.DataFrame) -> pd.DataFrame:
    """One row per input: the box's lower and upper limits, the sampled range, restricted or not."""
    frame = pd.DataFrame({"low": box.iloc[0], "high": box.iloc[1], "range_low": ranges.iloc[0],
                          "range_high": ranges.iloc[1]}).astype(float)  # fmt: skip
    frame["restricted"] = ~(
        np.isclose(frame["low"], frame["range_low"]) & np.isclose(frame["high"], frame["range_high"])
    )
    return frame


def frontier(x: pd.DataFrame, table: pd.DataFrame, y: pd.Series, s: dict[str, Any]) -> pd.DataFrame:
    """Chance of resurgence (Wilson 95 % interval) and the militias' loss per cell of the levers."""
    spec = s["frontier"]
    policy = f"{policy_name(s)} - {s['baseline']}"
    cells = pd.DataFrame({
        "x": bins(x[spec["x"]], int(spec["bins"])), "line": x[spec["lines"]] >= x[spec["lines"]].median(),
        "panel": x[spec["panels"]], "resurgent": y, "militia": table[(policy, spec["militia"])],
    })  # fmt: skip
    rows = []
    for (at, line, panel), part in cells.groupby(["x", "line", "panel"], observed=True):
        found = binomtest(int(part["resurgent"].sum()), len(part))
        ci = found.proportion_ci(method="wilson")
        rows.append({
            "x": at, "line": line, "panel": panel, "n": len(part),
            "p_resurgent": found.statistic, "p_low": ci.low, "p_high": ci.high,
            "militia_median": part["militia"].median(), "militia_q25": part["militia"].quantile(0.25),
            "militia_q75": part["militia"].quantile(0.75),
        })  # fmt: skip
    return pd.DataFrame.from_records(rows)


def bins(values: pd.Series, n: int) -> pd.Series:
    """Each value replaced by the centre of its bin (``n`` equal bins over the sampled range)."""
    edges = np.linspace(values.min(), values.max(), n + 1)
    index = np.clip(np.digitize(values, edges[1:-1]), 0, n - 1)
    return pd.Series((edges[index] + edges[index + 1]) / 2, index=values.index)


def policy_name(s: dict[str, Any]) -> str:
    """The scenario of a discovery study that carries the levers (the one that is not the baseline)."""
    return next(name for name in s["scenarios"] if name != s["baseline"])

"""Observation (MODEL.md 4.11, 8): the daily metrics of a run and its per-run summary."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from bordersim.world.geography import ROUTE_KINDS

#: The dead of the day by side: fighters of each family killed in clashes and strikes (IS members
#: captured at the border are ``is_captured``, those caught by hunts ``is_arrested``), and
#: civilians killed.
DEATHS = ["deaths_is", "deaths_militia", "deaths_state", "deaths_tribe", "deaths_civilians"]
#: Flows: counted over the day; summed for the run's totals.
FLOWS = [
    "is_attacks", "is_attack_intentions_unmet", "is_infiltrations", "is_crossing_attempts", "is_recruits",
    "is_captured", "is_arrested",
    "militia_revenue", "militia_crossing_revenue", "militia_quarry_tolls", "militia_backing",
    "militia_remitted",
    "convoys_completed", "strikes", "strike_casualties", "civilian_harm", "clashes", "clash_casualties",
    "retaliations", "interdictions", "bribes", "legal_trade_trucks", "legal_trade_value",
    "militia_pay", *DEATHS,
    "smuggling_trips", "smuggling_value", "smuggling_trips_militia_run",
    *[f"smuggling_trips_{k}" for k in ROUTE_KINDS],
    *[f"smuggling_value_{k}" for k in ROUTE_KINDS],
]  # fmt: skip
#: Stocks: read at the end of the day; summarised by start, end, mean and peak.
STOCKS = [
    "is_members", "is_cells", "is_badia_members", "militia_fighters", "militia_fighters_irgc",
    "militia_fighters_najaf", "militia_materiel",
    "state_fighters", "tribal_fighters", "escalation", "state_control_share", "militia_control_share",
    "is_control_share", "displaced_share", "mean_grievance", "disaffection_with_irgc",
    "disaffection_with_najaf", "farmland_access", "employment",
    "us_present", "crossing_open", "tribes_extorting", "border_detection",
]  # fmt: skip
DAILY_METRICS = FLOWS + STOCKS


#: Counters of today's flows, filled in by the submodels as events happen; cleared at dawn.
Tally = defaultdict[str, float]


def new_tally() -> Tally:
    return defaultdict(float)


def unit_column(name: str) -> str:
    """Daily column of one unit's fighters (the stationarity check reads every one)."""
    return f"fighters[{name}]"


def unit_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c.startswith("fighters[")]


class DailyRecorder:
    """One preallocated array per metric and per unit's fighters; a row per simulated day."""

    def __init__(self, days: int, start: date, units: Iterable[str] = ()) -> None:
        self.start = start
        names = [*DAILY_METRICS, *(unit_column(u) for u in units)]
        self.values = {name: np.zeros(days) for name in names}
        self.days_recorded = 0

    def record(self, day: int, values: dict[str, float]) -> None:
        for name, arr in self.values.items():
            arr[day] = values.get(name, 0.0)
        self.days_recorded = day + 1

    def frame(self) -> pd.DataFrame:
        n = self.days_recorded
        dates = [self.start + timedelta(days=d) for d in range(n)]
        data = {"day": np.arange(n), "date": pd.to_datetime(dates)}
        data.update({k: v[:n] for k, v in self.values.items()})
        return pd.DataFrame(data)


def summarise(daily: pd.DataFrame) -> dict[str, Any]:
    """Per-run outcomes: totals of flows; start, end, mean and peak of stocks."""
    out: dict[str, Any] = {"days": int(len(daily))}
    for name in FLOWS:
        out[f"{name}_total"] = float(daily[name].sum())
    for name in STOCKS:
        col = daily[name]
        out[f"{name}_start"] = float(col.iloc[0])
        out[f"{name}_end"] = float(col.iloc[-1])
        out[f"{name}_mean"] = float(col.mean())
        out[f"{name}_peak"] = float(col.max())
    out["is_stronger_at_end"] = bool(daily["is_members"].iloc[-1] > daily["is_members"].iloc[0])
    return out


def headline(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The few outcomes a person reads first, formatted for the console."""
    s = summary

    def pair(a: str, b: str, sep: str = " / ") -> str:
        return f"{s[a]:.0f}{sep}{s[b]:.0f}"

    return [
        ("IS members (start -> end)", pair("is_members_start", "is_members_end", " -> ")),
        ("IS infiltrations / attacks", pair("is_infiltrations_total", "is_attacks_total")),
        ("militia fighters (start -> end)", pair("militia_fighters_start", "militia_fighters_end", " -> ")),
        ("militia revenue (USD)", f"{s['militia_revenue_total']:,.0f}"),
        ("convoys completed", f"{s['convoys_completed_total']:.0f}"),
        ("strikes / killed", pair("strikes_total", "strike_casualties_total")),
        ("civilians harmed", f"{s['civilian_harm_total']:.0f}"),
        ("escalation (peak)", f"{s['escalation_peak']:.2f}"),
        ("smuggling runs / interdictions", pair("smuggling_trips_total", "interdictions_total")),
        ("legal trade (trucks)", f"{s['legal_trade_trucks_total']:.0f}"),
        ("displaced share (end)", f"{s['displaced_share_end']:.1%}"),
        ("mean grievance (end)", f"{s['mean_grievance_end']:.3f}"),
        ("state control of border strip (mean)", f"{s['state_control_share_mean']:.1%}"),
    ]

"""Shared look of the report's figures: colours, outcome labels with units, captions, saving.

Every scenario keeps one colour in every figure (Okabe-Ito, colour-blind safe); conditions
that differ only by a swept intensity get shades of one sequential map, lightest = lowest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

OKABE_ITO = ["#000000", "#D55E00", "#009E73", "#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442"]
#: Fixed colours of the shipped scenarios; others take the remaining colours in sorted order.
SCENARIO_COLOURS = {
    "baseline": "#000000",
    "strike": "#D55E00",
    "reopening": "#009E73",
    "us_withdrawal": "#0072B2",
    "militia_drawdown": "#E69F00",
    "history_2019_2020": "#CC79A7",
}

#: Key per-run outcomes: column -> (label, unit).
OUTCOMES = {
    "is_members_end": ("IS members at end of run", "members"),
    "is_attacks_total": ("IS attacks", "attacks"),
    "is_infiltrations_total": ("IS infiltrations", "members crossing"),
    "militia_fighters_end": ("Militia fighters at end", "fighters"),
    "militia_revenue_total": ("Militia revenue", "USD"),
    "convoys_completed_total": ("IRGC convoys completed", "convoys"),
    "civilian_harm_total": ("Civilian harm", "people harmed"),
    "escalation_peak": ("Escalation (peak)", "index"),
    "displaced_share_end": ("Displaced share at end", "share of residents"),
    "legal_trade_value_total": ("Legal trade", "USD"),
    "state_control_share_mean": ("State control of border strip (mean)", "share of cells"),
}

#: Daily metrics drawn as time series: column -> (label, unit, cumulative?).
DAILY = {
    "is_members": ("IS members", "members", False),
    "is_infiltrations": ("IS infiltrations (cumulative)", "members", True),
    "is_attacks": ("IS attacks (cumulative)", "attacks", True),
    "militia_fighters": ("Militia fighters", "fighters", False),
    "militia_revenue": ("Militia revenue (cumulative)", "USD", True),
    "convoys_completed": ("IRGC convoys completed (cumulative)", "convoys", True),
    "strikes": ("Strikes (cumulative)", "sites struck", True),
    "civilian_harm": ("Civilian harm (cumulative)", "people", True),
    "escalation": ("Escalation", "index", False),
    "displaced_share": ("Displaced share", "share of residents", False),
    "legal_trade_trucks": ("Legal trade (cumulative)", "trucks", True),
    "state_control_share": ("State control of border strip", "share of cells", False),
}


def scenario_colour(scenario: str, known: list[str]) -> str:
    """The fixed colour of a scenario; ``known`` is every scenario of the figure (sorted)."""
    if scenario in SCENARIO_COLOURS:
        return SCENARIO_COLOURS[scenario]
    spare = [c for c in OKABE_ITO if c not in SCENARIO_COLOURS.values()] + OKABE_ITO[1:]
    others = [s for s in sorted(known) if s not in SCENARIO_COLOURS]
    return spare[others.index(scenario) % len(spare)] if scenario in others else "#777777"


def condition_colours(conditions: list[str], scenarios: list[str]) -> dict[str, str]:
    """Colour per condition: the scenario's colour when conditions are scenarios, else shades."""
    if conditions == scenarios or len(set(scenarios)) == len(conditions):
        return {c: scenario_colour(s, scenarios) for c, s in zip(conditions, scenarios, strict=True)}
    cmap = plt.get_cmap("viridis")
    n = max(len(conditions) - 1, 1)
    return {c: to_hex(cmap(0.9 * k / n)) for k, c in enumerate(conditions)}


def compact(value: float, _pos: object = None) -> str:
    """Tick label without offsets: 1,500 / 250k / 3.5M."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:g}M"
    if size >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:,g}"


def compact_ticks(axis: Axis) -> None:
    """Plain readable tick labels (no '1e7' offset text) on one axis."""
    axis.set_major_formatter(FuncFormatter(compact))


class NothingToDrawError(Exception):
    """A figure has no data in this sweep; the message says why (the report prints it)."""


@dataclass
class Drawn:
    """A figure written to disk: its PNG path (SVG beside it), title, caption and the figure."""

    path: Path
    title: str
    caption: str
    fig: Figure


def new_figure(width: float, height: float) -> Figure:
    """A figure with constrained layout that leaves room for the caption line at the bottom."""
    fig = plt.figure(figsize=(width, height), layout="constrained")
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    engine.set(rect=(0, 0.045 * 6 / height, 1, 1 - 0.045 * 6 / height))
    return fig


def finish(fig: Figure, path: Path, title: str, caption: str) -> Drawn:
    """Add title and caption line, save PNG and SVG, return what was drawn."""
    fig.suptitle(title, fontsize=13, fontweight="bold")
    fig.text(0.01, 0.005, caption, fontsize=8, ha="left", va="bottom", wrap=True, color="#333333")
    return Drawn(save(fig, path), title, caption, fig)


#: Resolution of the PNG files.
DPI = 150


def save(fig: Figure, path: Path) -> Path:
    """Write ``path`` as PNG (at DPI) and a vector SVG beside it; close the figure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path.with_suffix(".png"), dpi=DPI)
    fig.set_layout_engine("none")  # keep the layout just computed: the SVG need not redo it
    fig.savefig(path.with_suffix(".svg"))
    plt.close(fig)
    return path.with_suffix(".png")

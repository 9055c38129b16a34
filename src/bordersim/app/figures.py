"""The page's figures: the map of the zone with units and a cell-layer overlay, and the charts
of the key daily metrics. Both are plain matplotlib figures built from :mod:`bordersim.app.view`.

The base map (terrain, river, border, roads, place names) is the report's
(:func:`bordersim.report.maps.base_map`), so the page and the report look alike.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bordersim.app import view
from bordersim.model import BorderModel
from bordersim.report.maps import CONTROL_COLOURS, base_legend, base_map, declutter, extent
from bordersim.report.style import compact_ticks

#: Marker and colour of each family (Okabe-Ito, as the report's control colours).
FAMILY_STYLE = {
    "militia_irgc": ("s", "#D55E00"),
    "militia_najaf": ("s", "#E69F00"),
    "state_iraq": ("^", "#0072B2"),
    "state_syria": ("^", "#56B4E9"),
    "sdf": ("^", "#F0E442"),
    "tribe": ("D", "#009E73"),
    "smugglers": ("o", "#CC79A7"),
    "islamic_state": ("X", "#000000"),
}
#: Marker area (pt^2) per unit of strength: fighters, crews in a cell, IS members.
AREA_PER_STRENGTH = {"smugglers": 2.5, "islamic_state": 8.0}
AREA_PER_FIGHTER = 0.22
MIN_AREA = 10.0
#: Continuous overlays: colour map and fixed range (None: up to the layer's maximum).
OVERLAY_SCALE = {
    "grievance": ("YlOrRd", 1.0),
    "displaced": ("PuRd", 1.0),
    "detection": ("Blues", 1.0),
    "is_presence": ("Greys", None),
}
OVERLAY_ALPHA = 0.6
#: Places named on the page's map.
PLACE_KINDS = ("town", "crossing", "base")
#: The charts: panel title -> metrics drawn (column -> legend label, cumulative?).
CHARTS: dict[str, dict[str, tuple[str, bool]]] = {
    "IS members": {"is_members": ("members", False)},
    "Militia fighters": {
        "militia_fighters_irgc": ("IRGC-aligned", False),
        "militia_fighters_najaf": ("Najaf-aligned", False),
    },
    "Control (share of cells)": {
        "state_control_share": ("state, border strip", False),
        "militia_control_share": ("militia, roads", False),
        "is_control_share": ("IS, desert", False),
    },
    "Escalation index": {"escalation": ("escalation", False)},
    "Strikes and harm (cumulative)": {
        "strikes": ("sites struck", True),
        "civilian_harm": ("civilians harmed", True),
    },
    "Smuggling (per day)": {"smuggling_trips": ("runs", False), "interdictions": ("interdictions", False)},
    "Legal trade (trucks/day)": {"legal_trade_trucks": ("trucks", False)},
    "People": {"displaced_share": ("displaced share", False), "mean_grievance": ("mean grievance", False)},
}
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73")
MIN_DAYS_SHOWN = 30


def new_figure(width: float, height: float) -> Figure:
    """A figure with its own Agg canvas (no pyplot: nothing to close, safe across sessions)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def map_figure(model: BorderModel, overlay: str) -> Figure:
    """The zone as the model stands: base map, the chosen cell layer, every family's units."""
    if overlay not in view.OVERLAYS:
        raise KeyError(f"unknown overlay {overlay!r}; one of {', '.join(view.OVERLAYS)}")
    geo = view.geography(model)
    fig = new_figure(9.0, 7.2)
    ax = fig.subplots()
    base_map(ax, geo, kinds=PLACE_KINDS)
    handles = _draw_overlay(fig, ax, model, overlay, extent(geo))
    for family, units in view.units(model).items():
        marker, colour = FAMILY_STYLE[family]
        lat, lon = geo.transform.to_latlon(units.i, units.j)
        per = AREA_PER_STRENGTH.get(family, AREA_PER_FIGHTER)
        ax.scatter(
            lon, lat, s=MIN_AREA + per * units.strength, marker=marker, c=colour,
            edgecolors="white" if family == "islamic_state" else "black", linewidths=0.6,
            alpha=0.9, zorder=5,
        )  # fmt: skip
        label = view.FAMILIES[family]
        handles.append(Line2D([], [], ls="", marker=marker, color=colour, mec="black", mew=0.6, label=label))
    label, unit = view.OVERLAYS[overlay]
    ax.set_title(f"{label} ({unit}); markers sized by strength", fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, frameon=False)
    declutter(fig)
    return fig


def _draw_overlay(fig: Figure, ax: Axes, model: BorderModel, overlay: str, box: tuple) -> list:
    """Draw the cell layer over the terrain; return its legend handles (control) or none."""
    layer = view.overlay(model, overlay)
    common: dict[str, Any] = {"origin": "lower", "extent": box, "interpolation": "nearest", "zorder": 1}
    if overlay == "control":
        names = list(view.CONTROL_CODES.values())
        colours = [CONTROL_COLOURS.get(name, (0, 0, 0, 0)) for name in names]
        ax.imshow(layer.T, cmap=ListedColormap(colours), vmin=-0.5, vmax=len(names) - 0.5,
                  alpha=OVERLAY_ALPHA, **common)  # fmt: skip
        held = set(np.unique(layer).tolist())
        return [
            Patch(color=CONTROL_COLOURS[name], alpha=OVERLAY_ALPHA, label=f"held: {name}")
            for code, name in view.CONTROL_CODES.items()
            if code in held and name in CONTROL_COLOURS
        ] + base_legend()[-3:]
    cmap, top = OVERLAY_SCALE[overlay]
    top = top if top is not None else max(float(np.nanmax(layer)), 1e-9)
    shown = np.ma.masked_where(~(layer > 0.01 * top), layer)  # empty and NaN cells show the terrain
    image = ax.imshow(shown.T, cmap=cmap, vmin=0.0, vmax=top, alpha=OVERLAY_ALPHA, **common)
    bar = fig.colorbar(image, ax=ax, shrink=0.45, pad=0.01, aspect=30, location="bottom")
    bar.set_label(view.OVERLAYS[overlay][1], fontsize=8)
    return base_legend()[-3:]


def charts_figure(model: BorderModel) -> Figure:
    """Small multiples of the key daily metrics over the run so far; the time axis shows at least
    the first weeks and grows with the run. Each series is a line with SVG id ``series-<metric>``."""
    daily = view.daily(model)
    start = view.start_date(model)
    end = start + timedelta(days=max(len(daily), MIN_DAYS_SHOWN))
    fig = new_figure(7.0, 8.4)
    axes = fig.subplots(4, 2).ravel()
    for ax, (title, series) in zip(axes, CHARTS.items(), strict=True):
        for colour, (column, (label, cumulative)) in zip(SERIES_COLOURS, series.items(), strict=False):
            values = daily[column].cumsum() if cumulative else daily[column]
            ax.plot(daily["date"], values, color=colour, lw=1.4, marker=".", ms=2.5, label=label,
                    gid=f"series-{column}")  # fmt: skip
        ax.set_title(title, fontsize=9)
        ax.set_xlim(start, end)
        locator = AutoDateLocator(maxticks=5)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        compact_ticks(ax.yaxis)
        ax.tick_params(labelsize=7)
        if len(series) > 1:
            ax.legend(fontsize=6.5, frameon=False)
    return fig


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element that fills its container's width (text kept as
    text, no XML prologue)."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "bordersim"}):
        fig.savefig(out, format="svg")
    text = out.getvalue()
    text = text[text.index("<svg") :]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', text, count=1)

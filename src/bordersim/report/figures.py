"""Figures of a sweep's outcomes: distributions, ECDFs, daily time series and the dilemma.

Each function takes a :class:`~bordersim.report.sweep.Sweep` and an output directory, writes
one PNG (and an SVG beside it) and returns a :class:`~bordersim.report.style.Drawn`; it raises
:class:`~bordersim.report.style.NothingToDrawError` when the sweep holds no data for it. Plotted
artists carry a ``gid`` (``"median:<condition>"`` and the like) so tests can read them back.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D

from bordersim.report.style import (
    DAILY,
    OUTCOMES,
    Drawn,
    NothingToDrawError,
    compact,
    compact_ticks,
    condition_colours,
    finish,
    new_figure,
    scenario_colour,
)
from bordersim.report.sweep import Sweep, fmt_value, short_key

#: Most conditions a time series or map draws (evenly chosen) before it gets unreadable.
MAX_LINES = 6
DILEMMA_OUTCOMES = ("is_members_end", "militia_fighters_end", "escalation_peak")
#: Colours of the series of the second swept parameter (Okabe-Ito).
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


def with_conditions(sweep: Sweep, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (rows with scenario and swept columns) with a ``condition`` column."""
    return frame.assign(condition=sweep.labels(frame).to_numpy())


def palette(sweep: Sweep, conditions: list[str]) -> dict[str, str]:
    """Colours of the given conditions (scenario colours, or intensity shades)."""
    first = with_conditions(sweep, sweep.ok).drop_duplicates("condition").set_index("condition")["scenario"]
    return condition_colours(conditions, [str(first[c]) for c in conditions])


def outcomes_present(sweep: Sweep) -> list[str]:
    """The key outcomes that the run table holds."""
    found = [c for c in OUTCOMES if c in sweep.ok.columns]
    if sweep.ok.empty or not found:
        raise NothingToDrawError("no finished runs with outcome columns")
    return found


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    return -(-n // cols), cols


def _legend_panel(ax: Axes, colours: dict[str, str], title: str = "condition") -> None:
    """Use a spare panel for the colour legend."""
    handles = [Line2D([], [], color=c, lw=6, label=k) for k, c in colours.items()]
    ax.legend(handles=handles, loc="center", title=title, frameon=False, fontsize=9)
    ax.axis("off")


def _panels(fig, n_axes: int) -> tuple[list[Axes], Axes]:
    """``n_axes`` panels on a 3-column grid, plus one more panel for the legend."""
    rows, cols = _grid(n_axes + 1)
    axes = list(fig.subplots(rows, cols).ravel())
    for ax in axes[n_axes + 1 :]:
        ax.remove()
    return axes[:n_axes], axes[n_axes]


def _outcome_data(sweep: Sweep) -> tuple[list[str], pd.DataFrame, list[str], dict[str, str]]:
    """The outcomes to draw, the ok runs with their condition, the conditions and their colours."""
    conditions = sweep.conditions
    return outcomes_present(sweep), with_conditions(sweep, sweep.ok), conditions, palette(sweep, conditions)


def outcome_distributions(sweep: Sweep, out: Path) -> Drawn:
    """Violin of each key outcome per condition, every run shown as a dot, median as a bar."""
    outcomes, ok, conditions, colours = _outcome_data(sweep)
    fig = new_figure(14, 3.2 * _grid(len(outcomes) + 1)[0])
    axes, legend_ax = _panels(fig, len(outcomes))
    rng = np.random.default_rng(0)
    for ax, outcome in zip(axes, outcomes, strict=True):
        for x, cond in enumerate(conditions):
            values = ok.loc[ok["condition"] == cond, outcome].dropna().to_numpy(dtype=float)
            _violin(ax, x, values, colours[cond], cond, rng)
        _note_constant(ax, ok[outcome])
        label, unit = OUTCOMES[outcome]
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_xticks(range(len(conditions)), [str(k + 1) for k in range(len(conditions))], fontsize=8)
        ax.set_xlabel("condition (see legend)" if len(conditions) > 1 else "")
        ax.grid(axis="y", alpha=0.3)
        compact_ticks(ax.yaxis)
    numbered = {f"{k + 1}: {c}": colours[c] for k, c in enumerate(conditions)}
    _legend_panel(legend_ax, numbered)
    caption = sweep.caption("Violins: distribution over seeds; dots: single runs; bar: median.")
    return finish(fig, out / "outcome_distributions", "Outcome distributions by condition", caption)


def _note_constant(ax: Axes, values: pd.Series) -> None:
    """Say so in the panel when an outcome is the same in every run (a flat panel is easy to misread)."""
    if values.nunique() == 1:
        ax.text(
            0.5,
            0.6,
            f"{values.iloc[0]:g} in every run",
            transform=ax.transAxes,
            ha="center",
            fontsize=9,
            color="#555555",
            style="italic",
        )


def _violin(ax: Axes, x: int, values: np.ndarray, colour: str, cond: str, rng: np.random.Generator) -> None:
    if values.size == 0:
        return
    if values.size > 1 and np.ptp(values) > 0:
        bodies = ax.violinplot([values], positions=[x], widths=0.8, showextrema=False)["bodies"]
        body = cast(list[PolyCollection], bodies)[0]
        body.set_facecolor(colour)
        body.set_alpha(0.3)
    jitter = rng.uniform(-0.15, 0.15, values.size)
    ax.scatter(x + jitter, values, s=10, color=colour, zorder=3, gid=f"runs:{cond}")
    ax.plot(
        [x - 0.3, x + 0.3], [np.median(values)] * 2, color="#222222", lw=2, zorder=4, gid=f"median:{cond}"
    )


def outcome_ecdfs(sweep: Sweep, out: Path) -> Drawn:
    """Empirical CDF of each key outcome per condition, for comparing tails."""
    outcomes, ok, conditions, colours = _outcome_data(sweep)
    fig = new_figure(14, 3.2 * _grid(len(outcomes) + 1)[0])
    axes, legend_ax = _panels(fig, len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=True):
        for cond in conditions:
            values = np.sort(ok.loc[ok["condition"] == cond, outcome].dropna().to_numpy(dtype=float))
            if values.size:
                y = np.arange(values.size + 1) / values.size
                ax.step(
                    np.r_[values[0], values], y, where="post", color=colours[cond], lw=1.6, gid=f"ecdf:{cond}"
                )
        label, unit = OUTCOMES[outcome]
        ax.set_title(label, fontsize=10)
        ax.set_xlabel(unit)
        ax.set_ylabel("share of runs ≤ x")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        compact_ticks(ax.xaxis)
    _legend_panel(legend_ax, colours)
    caption = sweep.caption("Each step is one run; a curve further right means larger values.")
    return finish(fig, out / "outcome_ecdfs", "Outcome ECDFs by condition", caption)


def shown_conditions(conditions: list[str]) -> list[str]:
    """At most MAX_LINES conditions, evenly spread over the list (first and last kept)."""
    if len(conditions) <= MAX_LINES:
        return conditions
    picks = np.unique(np.linspace(0, len(conditions) - 1, MAX_LINES).round().astype(int))
    return [conditions[k] for k in picks]


def daily_quantiles(sweep: Sweep, metric: str, cumulative: bool) -> pd.DataFrame:
    """Per (condition, day): the 5, 25, 50, 75 and 95% quantiles of a daily metric over runs."""
    daily = with_conditions(sweep, sweep.daily[sweep.daily["run_id"].isin(sweep.ok["run_id"])])
    daily = daily.sort_values(["run_id", "day"])
    values = daily.groupby("run_id")[metric].cumsum() if cumulative else daily[metric]
    frame = daily[["condition", "day", "date"]].assign(value=values.to_numpy())
    grouped = frame.groupby(["condition", "day"])
    q = grouped["value"].quantile(np.array([0.05, 0.25, 0.5, 0.75, 0.95])).unstack()
    q.columns = ["q05", "q25", "q50", "q75", "q95"]
    return q.join(grouped["date"].first()).reset_index()


def scenario_events(sweep: Sweep, conditions: list[str]) -> list[tuple[pd.Timestamp, str, str | None]]:
    """(date, label, condition or None if several) of the scenario events fired in the first
    run of each condition, one entry per date."""
    ok = with_conditions(sweep, sweep.ok)
    by_date: dict[pd.Timestamp, dict[str, str]] = {}
    for cond in conditions:
        summary = next(
            (s for d in ok.loc[ok["condition"] == cond, "run_dir"] if (s := sweep.summary(d))), None
        )
        if summary is None:
            continue
        start = pd.Timestamp(summary["start_date"])
        for event in summary.get("events_fired", []):
            when = start + pd.Timedelta(days=int(event["day"]))
            label = f"{event['do'].replace('_', ' ')} ({event['scenario']})"
            by_date.setdefault(when, {}).setdefault(label, cond)
    return [
        (when, "; ".join(labels), next(iter(labels.values())) if len(set(labels.values())) == 1 else None)
        for when, labels in sorted(by_date.items())
    ]


def time_series(sweep: Sweep, out: Path) -> Drawn:
    """Median and 50%/90% bands over seeds of the daily metrics, scenario events marked."""
    if sweep.daily.empty or sweep.ok.empty:
        raise NothingToDrawError("no daily data (collected/daily.parquet missing or no finished runs)")
    metrics = [m for m in DAILY if m in sweep.daily.columns]
    conditions = shown_conditions(sweep.conditions)
    colours = palette(sweep, conditions)
    events = scenario_events(sweep, conditions)
    rows, cols = _grid(len(metrics))
    fig = new_figure(15, 3.0 * rows + 1.2)
    grid = fig.add_gridspec(rows + 1, cols, height_ratios=[1] * rows + [0.3])
    axes = [fig.add_subplot(grid[n // cols, n % cols]) for n in range(len(metrics))]
    for n, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        ax.sharex(axes[0])
        ax.tick_params(labelbottom=n + cols >= len(metrics))
        label, unit, cumulative = DAILY[metric]
        q = daily_quantiles(sweep, metric, cumulative)
        for cond in conditions:
            _bands(ax, q[q["condition"] == cond], colours[cond], cond)
        _note_constant(ax, sweep.daily[metric])
        _mark_events(ax, events, colours, labelled=n < cols)
        ax.set_title(label, fontsize=10, pad=12 if n < cols and events else 6)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        compact_ticks(ax.yaxis)
        locator = mdates.AutoDateLocator(maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    legend_ax = fig.add_subplot(grid[rows, :])
    legend_ax.legend(handles=_time_legend(colours, events), loc="center", ncols=2, fontsize=8, frameon=False)
    legend_ax.axis("off")
    shown = (
        ""
        if len(conditions) == len(sweep.conditions)
        else f" {len(conditions)} of {len(sweep.conditions)} conditions shown."
    )
    caption = sweep.caption(
        f"Line: median over seeds; dark band: 50%; light band: 90%; dotted: scenario events.{shown}"
    )
    return finish(fig, out / "time_series", "Daily metrics over time", caption)


def _event_colour(colours: dict[str, str], cond: str | None) -> str:
    return colours[cond] if cond is not None else "#555555"


def _mark_events(ax: Axes, events: list, colours: dict[str, str], labelled: bool) -> None:
    for k, (when, _, cond) in enumerate(events):
        ax.axvline(when, color=_event_colour(colours, cond), ls=":", lw=1.2)
        if labelled:
            ax.text(
                when,
                1.0,
                f"E{k + 1}",
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                ha="center",
                va="bottom",
                color=_event_colour(colours, cond),
            )


def _bands(ax: Axes, q: pd.DataFrame, colour: str, cond: str) -> None:
    ax.fill_between(q["date"], q["q05"], q["q95"], color=colour, alpha=0.12, lw=0)
    ax.fill_between(q["date"], q["q25"], q["q75"], color=colour, alpha=0.28, lw=0)
    ax.plot(q["date"], q["q50"], color=colour, lw=1.6, gid=f"median:{cond}")


def _time_legend(colours: dict[str, str], events: list) -> list[Line2D]:
    handles = [Line2D([], [], color=c, lw=3, label=k) for k, c in colours.items()]
    return handles + [
        Line2D([], [], color=_event_colour(colours, cond), ls=":", label=f"E{k + 1} {when:%d %b %Y}: {label}")
        for k, (when, label, cond) in enumerate(events)
    ]


def grid_keys(sweep: Sweep) -> list[str]:
    """The axes of the sweep's grid: swept parameters, then the scenario if there are several."""
    several = sweep.ok["scenario"].nunique() > 1 if not sweep.ok.empty else False
    return [*sweep.params, *(["scenario"] if several else [])]


def setting_quantiles(sweep: Sweep, outcome: str, keys: list[str]) -> pd.DataFrame:
    """Per setting of ``keys``: median, 25/75% and 5/95% quantiles of an outcome over runs."""
    grouped = sweep.ok.groupby(keys)[outcome]
    q = grouped.quantile(np.array([0.05, 0.25, 0.5, 0.75, 0.95])).unstack()
    q.columns = ["q05", "q25", "q50", "q75", "q95"]
    return q.reset_index()


def _need_grid(sweep: Sweep, n: int) -> list[str]:
    keys = grid_keys(sweep)
    if not sweep.params:
        raise NothingToDrawError("needs a swept parameter; this sweep has none")
    if len(keys) < n:
        raise NothingToDrawError("needs two grid axes: two swept parameters, or one and several scenarios")
    absent = [o for o in DILEMMA_OUTCOMES if o not in sweep.ok.columns]
    if sweep.ok.empty or absent:
        raise NothingToDrawError("no finished runs with IS and militia outcomes")
    return keys


def label(key: str, value: object) -> str:
    """'strike.rate_per_week=2' or the scenario's name."""
    return str(value) if key == "scenario" else f"{short_key(key)}={fmt_value(value)}"


def dilemma(sweep: Sweep, out: Path) -> Drawn:
    """IS resurgence, militia strength and escalation across intervention intensity, and the
    trade-off between them (the dilemma of MODEL.md section 1)."""
    keys = _need_grid(sweep, 1)
    x_key, series_key = keys[0], (keys[1] if len(keys) > 1 else None)
    used = [k for k in (x_key, series_key) if k]
    quantiles = {o: setting_quantiles(sweep, o, used) for o in DILEMMA_OUTCOMES}
    series = sorted(quantiles[DILEMMA_OUTCOMES[0]][series_key].unique()) if series_key else [None]
    style = _series_style(sweep, series_key, series)
    fig = new_figure(15, 9)
    axes = fig.subplots(2, 3)
    for ax, outcome in zip(axes[0], DILEMMA_OUTCOMES, strict=True):
        _intensity_panel(ax, quantiles[outcome], x_key, series_key, style)
        ax.set_title(f"{OUTCOMES[outcome][0]} vs intensity", fontsize=10)
        ax.set_ylabel(OUTCOMES[outcome][1])
        compact_ticks(ax.yaxis)
    start = sweep.ok["is_members_start"].median() if "is_members_start" in sweep.ok else None
    if start is not None:
        axes[0][0].axhline(start, color="#777777", ls="--", lw=1, label="IS members at start (median)")
    axes[0][0].legend(fontsize=8)
    for ax, other in zip(axes[1][:2], DILEMMA_OUTCOMES[1:], strict=True):
        _tradeoff_panel(ax, quantiles[other], quantiles["is_members_end"], x_key, series_key, style)
        ax.set_xlabel(f"{OUTCOMES[other][0]} [{OUTCOMES[other][1]}]")
        ax.set_ylabel("IS members at end [members]")
        ax.set_title(f"IS resurgence against {OUTCOMES[other][0].lower()}", fontsize=10)
        if start is not None:
            ax.axhline(start, color="#777777", ls="--", lw=1)
    _dilemma_legend(axes[1][2], x_key, series_key, style)
    pooled = [k for k in keys if k not in used]
    note = f" Pooled over {', '.join(pooled)}." if pooled else ""
    caption = sweep.caption(
        "Top: median over seeds with 50% (dark) and 90% (light) bands. Bottom: medians with "
        f"interquartile bars, colour = intensity; dashed: IS members at start.{note}"
    )
    title = f"The dilemma: IS resurgence vs militia strength across {short_key(x_key)}"
    return finish(fig, out / "dilemma", title, caption)


def _series_style(sweep: Sweep, series_key: str | None, series: list) -> dict:
    """(colour, marker) per series value: scenario colours for scenarios, Okabe-Ito otherwise."""
    if series_key == "scenario":
        colours = [scenario_colour(s, [str(v) for v in series]) for s in series]
    else:
        colours = SERIES_COLOURS
    return {v: (c, m) for v, c, m in zip(series, colours, "osD^vP*X", strict=False)}


def _intensity_panel(ax: Axes, q: pd.DataFrame, x_key: str, series_key: str | None, style: dict) -> None:
    for value, (colour, marker) in style.items():
        part = (q if series_key is None else q[q[series_key] == value]).sort_values(x_key)
        name = "median over seeds" if series_key is None else label(series_key, value)
        ax.plot(
            part[x_key], part["q50"], marker=marker, lw=1.6, color=colour, label=name, gid=f"median:{value}"
        )
        ax.fill_between(part[x_key], part["q25"], part["q75"], color=colour, alpha=0.25, lw=0)
        ax.fill_between(part[x_key], part["q05"], part["q95"], color=colour, alpha=0.1, lw=0)
    ax.set_xlabel(short_key(x_key))
    ax.grid(alpha=0.3)


def _tradeoff_panel(
    ax: Axes, qx: pd.DataFrame, qy: pd.DataFrame, x_key: str, series_key: str | None, style: dict
) -> None:
    keys = [x_key] + ([series_key] if series_key else [])
    both = qx.merge(qy, on=keys, suffixes=("_x", "_y")).sort_values(keys)
    lo, hi = both[x_key].min(), both[x_key].max()
    for value, (_, marker) in style.items():
        part = both if series_key is None else both[both[series_key] == value]
        ax.plot(part["q50_x"], part["q50_y"], color="#999999", lw=0.8, zorder=1)
        ax.errorbar(
            part["q50_x"],
            part["q50_y"],
            xerr=[part["q50_x"] - part["q25_x"], part["q75_x"] - part["q50_x"]],
            yerr=[part["q50_y"] - part["q25_y"], part["q75_y"] - part["q50_y"]],
            fmt="none",
            ecolor="#bbbbbb",
            lw=0.8,
            zorder=2,
        )
        points = ax.scatter(
            part["q50_x"],
            part["q50_y"],
            c=part[x_key],
            cmap="viridis",
            vmin=lo,
            vmax=hi,
            marker=marker,
            s=50,
            edgecolor="k",
            lw=0.5,
            zorder=3,
            gid=f"tradeoff:{value}",
        )
    ax.figure.colorbar(points, ax=ax, label=short_key(x_key))
    compact_ticks(ax.xaxis)
    ax.grid(alpha=0.3)


def _dilemma_legend(ax: Axes, x_key: str, series_key: str | None, style: dict) -> None:
    text = (
        f"Intensity: {x_key}.\n"
        "The dilemma: weakening the militias\n(leftward in the bottom-left panel)\n"
        "may let IS revive (upward);\nkeeping them keeps escalation high."
    )
    ax.text(0.5, 0.95, text, transform=ax.transAxes, ha="center", va="top", fontsize=9)
    if series_key:
        handles = [
            Line2D([], [], ls="", marker=m, color="k", label=label(series_key, v))
            for v, (_, m) in style.items()
        ]
        ax.legend(handles=handles, loc="lower center", frameon=False, fontsize=9, title=series_key)
    ax.axis("off")


def dilemma_heatmap(sweep: Sweep, out: Path) -> Drawn:
    """Median IS members, militia fighters and escalation over the two-parameter grid."""
    keys = _need_grid(sweep, 2)
    x_key, y_key = keys[:2]
    fig = new_figure(16, 5.2)
    for ax, outcome in zip(fig.subplots(1, 3), DILEMMA_OUTCOMES, strict=True):
        q = setting_quantiles(sweep, outcome, [x_key, y_key])
        grid = q.pivot_table(index=y_key, columns=x_key, values="q50")
        image = ax.imshow(
            grid.to_numpy(), origin="lower", aspect="auto", cmap="magma_r", gid=f"heatmap:{outcome}"
        )
        _annotate(ax, grid.to_numpy())
        ax.set_xticks(range(grid.shape[1]), [fmt_value(v) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [fmt_value(v) for v in grid.index])
        ax.set_xlabel(short_key(x_key))
        ax.set_ylabel(short_key(y_key))
        ax.set_title(f"{OUTCOMES[outcome][0]} (median)", fontsize=10)
        fig.colorbar(image, ax=ax, label=OUTCOMES[outcome][1], format=compact)
    pooled = [k for k in keys if k not in (x_key, y_key)]
    note = f" Pooled over {', '.join(pooled)}." if pooled else ""
    caption = sweep.caption(f"Cell: median over seeds of the setting; numbers printed in each cell.{note}")
    return finish(fig, out / "dilemma_heatmap", "The dilemma over the two-parameter grid", caption)


def _annotate(ax: Axes, values: np.ndarray) -> None:
    finite = values[np.isfinite(values)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(
                c,
                r,
                f"{v:,.0f}" if abs(v) >= 10 else f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > mid else "black",
            )

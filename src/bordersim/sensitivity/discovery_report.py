"""The report of a discovery study: PRIM's trade-off and box, the dilemma frontier, ``discovery.md``.

Files: ``rows.csv`` (per row its inputs, contrasts and resurgence), ``prim_trajectory.csv`` (the
peeling trajectory: coverage, density, mass, restricted dimensions), ``prim_box.csv`` (the chosen
box's limits against the sampled ranges), ``frontier.csv`` and a figure for each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bordersim.report.style import OKABE_ITO, Drawn, compact_ticks, finish, new_figure
from bordersim.sensitivity import discovery
from bordersim.sensitivity.design import Design
from bordersim.sensitivity.report import section


def tradeoff_figure(box: discovery.Box, out: Path) -> Drawn:
    """Coverage against density along PRIM's peeling trajectory, the chosen box marked."""
    fig = new_figure(5.5, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    t = box.trajectory
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=16)
    ax.plot(t["coverage"], t["density"], color="#999999", lw=0.6, zorder=0)
    ax.scatter([box.coverage], [box.density], s=120, facecolors="none", edgecolors="#D55E00", lw=1.5,
               label=f"chosen box (coverage {box.coverage:.2f}, density {box.density:.2f})")  # fmt: skip
    fig.colorbar(points, ax=ax, label="restricted dimensions", ticks=range(int(t["res_dim"].max()) + 1))
    ax.set_xlabel("coverage (share of all resurgent rows in the box)")
    ax.set_ylabel("density (share of the box's rows resurgent)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower left")
    caption = (
        "Each point a box of PRIM's peeling (from the whole space, right, to small dense boxes, top left)."
    )
    return finish(fig, out / "prim_tradeoff.png", "PRIM: coverage against density", caption)


def box_figure(box: discovery.Box, out: Path) -> Drawn:
    """Each input's sampled range (grey) and the chosen box's limits (colour), on the range's scale."""
    lims = box.limits
    width = (lims["range_high"] - lims["range_low"]).replace(0, 1.0)
    low, high = (lims["low"] - lims["range_low"]) / width, (lims["high"] - lims["range_low"]) / width
    fig = new_figure(6.5, 0.3 * len(lims) + 1.6)
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(lims))
    ax.barh(y, 1.0, color="#DDDDDD", height=0.6)
    colours = np.where(lims["restricted"], "#D55E00", "#56B4E9")
    ax.barh(y, high - low, left=low, color=colours, height=0.6)
    for n, (_, row) in enumerate(lims.iterrows()):
        if row["restricted"]:
            ax.text(1.02, n, f"{row['low']:.3g} – {row['high']:.3g}", va="center", fontsize=7)
    ax.set_yticks(y, [str(i) for i in lims.index], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.25)
    ax.set_xlabel("share of the sampled range")
    caption = (
        "Orange: the inputs the box restricts (its limits in the input's units); blue: left at their range."
    )
    return finish(fig, out / "prim_box.png", "PRIM: where IS resurges", caption)


def frontier_figure(found: pd.DataFrame, spec: dict[str, Any], out: Path) -> Drawn:
    """Chance of resurgence and the militias' loss against strike intensity, by drawdown and US presence."""
    panels = sorted(found["panel"].unique())
    fig = new_figure(4.6 * len(panels), 6.4)
    for n, panel in enumerate(panels):
        top = fig.add_subplot(2, len(panels), n + 1)
        bottom = fig.add_subplot(2, len(panels), len(panels) + n + 1, sharex=top)
        for k, line in enumerate((False, True)):
            part = found[(found["panel"] == panel) & (found["line"] == line)].sort_values("x")
            colour, label = OKABE_ITO[4 + k], f"{spec['lines']} {'≥' if line else '<'} median"
            top.plot(part["x"], part["p_resurgent"], marker="o", color=colour, label=label)
            top.fill_between(part["x"], part["p_low"], part["p_high"], color=colour, alpha=0.2)
            bottom.plot(part["x"], part["militia_median"], marker="o", color=colour)
            bottom.fill_between(part["x"], part["militia_q25"], part["militia_q75"], color=colour, alpha=0.2)
        top.set_title(f"{spec['panels']}: {'yes' if panel else 'no'}", fontsize=10)
        top.set_ylim(0, 1)
        top.set_ylabel("P(IS resurges)")
        bottom.set_ylabel(f"{spec['militia']}, policy − baseline")
        bottom.set_xlabel(spec["x"])
        compact_ticks(bottom.yaxis)
        if n == 0:
            top.legend(fontsize=7, loc="upper left")
    caption = (
        "Top: share of rows where IS resurges, Wilson 95 % interval; bottom: the militias' change, median "
        "and quartiles over the uncertain estimates."
    )
    return finish(
        fig, out / "frontier.png", "The dilemma: weakening the militias against IS resurgence", caption
    )


def limits_table(box: discovery.Box) -> list[str]:
    """Markdown rows of the box's restricted limits."""
    restricted = box.limits[box.limits["restricted"]]
    if restricted.empty:
        return ["The box restricts no input: resurgence is spread over the whole sampled space."]
    lines = ["| input | box | sampled range |", "| --- | --- | --- |"]
    for name, row in restricted.iterrows():
        lines.append(f"| {name} | {row['low']:.3g} – {row['high']:.3g} | {row['range_low']:.3g} – "
                     f"{row['range_high']:.3g} |")  # fmt: skip
    return lines


def prim_section(x: pd.DataFrame, y: pd.Series, s: dict[str, Any], out: Path) -> list[str]:
    """PRIM's box for the resurgent rows: its files, figures and the page's lines."""
    if not 0 < y.sum() < len(y):
        return ["PRIM needs rows with and without resurgence: none to peel.", ""]
    box = discovery.peel(x, y, float(s["prim"]["mass_min"]))
    box.trajectory.to_csv(out / "prim_trajectory.csv", index=False)
    box.limits.to_csv(out / "prim_box.csv", index_label="input")
    lines = [f"PRIM's chosen box (largest coverage × density): coverage {box.coverage:.2f}, "
             f"density {box.density:.2f}.", "", *limits_table(box), ""]  # fmt: skip
    return [*lines, *section(tradeoff_figure(box, out)), *section(box_figure(box, out))]


def write_report(d: Design, s: dict[str, Any], table: pd.DataFrame, out: Path, header: list[str]) -> Path:
    """Write the discovery study's tables, figures and ``discovery.md`` into ``out`` (the rows and the
    frontier first: they do not need EMA Workbench, PRIM does)."""
    spec = s["resurgence"]
    policy = f"{discovery.policy_name(s)} - {s['baseline']}"
    table = table.dropna()
    x = discovery.inputs(d, table.index)
    y = discovery.resurgence(table, policy, spec["outcome"], float(spec["ratio"]))
    out.mkdir(parents=True, exist_ok=True)
    flat = table.set_axis([": ".join(map(str, column)) for column in table.columns], axis=1)
    pd.concat([x, flat, y], axis=1).to_csv(out / "rows.csv", index_label="row")
    found = discovery.frontier(x, table, y, s)
    found.to_csv(out / "frontier.csv", index=False)
    frontier = section(frontier_figure(found, s["frontier"], out))
    lines = ["# Scenario discovery: where IS resurges", "", *header, "",
             f"IS resurges (the policy's {spec['outcome']} above {spec['ratio']} × the baseline's) in "
             f"{int(y.sum())} of {len(y)} rows.", ""]  # fmt: skip
    page = out / "discovery.md"
    page.write_text("\n".join([*lines, *prim_section(x, y, s, out), *frontier]))
    return page

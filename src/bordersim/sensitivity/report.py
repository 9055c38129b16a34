"""The report of a Morris study: ``morris.csv``, a mu*-sigma figure per contrast, ``morris.md``;
and what every study's report shares (file names, the page's sections).

Each figure has one panel per outcome: every factor at (mu*, sigma), the noise factor (seeds
only) marked, the strongest factors named. mu* ranks how much a factor moves the contrast over
its range; sigma large against mu* means its effect depends on the other factors (interaction
or non-linearity). A factor whose mu* is not above the noise factor's cannot be told from noise
at this study's size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bordersim.report.style import Drawn, compact_ticks, finish, new_figure
from bordersim.sensitivity.analysis import LEVEL, indices
from bordersim.sensitivity.design import Design
from bordersim.sensitivity.space import NOISE

#: Factors named in each panel and listed per outcome in the tables.
TOP = 3


def slug(text: str) -> str:
    """A file-name and identifier form of a name: lower case, non-alphanumerics as ``_``."""
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


def contrast_figure(found: pd.DataFrame, contrast: str, out: Path) -> Drawn:
    """mu* against sigma of every factor, one panel per outcome, for one contrast."""
    outcomes = list(dict.fromkeys(found["outcome"]))
    cols = min(3, len(outcomes))
    rows = int(np.ceil(len(outcomes) / cols))
    fig = new_figure(4.2 * cols, 3.6 * rows + 0.6)
    for n, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, cols, n + 1)
        part = found[found["outcome"] == outcome]
        noise = part["factor"] == NOISE
        ax.scatter(part.loc[~noise, "mu_star"], part.loc[~noise, "sigma"], s=18, color="#0072B2")
        ax.scatter(part.loc[noise, "mu_star"], part.loc[noise, "sigma"], s=40, marker="x", color="#D55E00",
                   label="noise (seed only)")  # fmt: skip
        for row in part[~noise].nsmallest(TOP, "rank").itertuples():
            ax.annotate(
                str(row.factor),
                (row.mu_star, row.sigma),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("μ* (mean |elementary effect|)")
        ax.set_ylabel("σ")
        compact_ticks(ax.xaxis)
        compact_ticks(ax.yaxis)
        if n == 0:
            ax.legend(fontsize=7, loc="upper left")
    title = f"Morris screening: {contrast}" if contrast != LEVEL else "Morris screening: baseline level"
    caption = (
        "Each point a factor (a group of estimates moved together over default ±50 %); × the noise factor "
        "(seeds only). Right: strong effect; up: effect depends on other factors."
    )
    return finish(fig, out / f"morris_{slug(contrast)}.png", title, caption)


def drivers_table(found: pd.DataFrame, contrast: str) -> list[str]:
    """Markdown rows: per outcome the strongest factors with mu*, its interval and mu*/noise."""
    lines = ["| outcome | factor | μ* | ± 95 % | σ | μ* / noise |", "| --- | --- | --- | --- | --- | --- |"]
    part = found[found["contrast"] == contrast]
    for outcome, rows in part.groupby("outcome", sort=False):
        for row in rows[rows["factor"] != NOISE].nsmallest(TOP, "rank").itertuples():
            lines.append(
                f"| {outcome} | {row.factor} | {row.mu_star:.3g} | {row.mu_star_conf:.2g} | {row.sigma:.3g} "
                f"| {row.mu_star_over_noise:.1f} |"
            )
    return lines


def section(drawn: Drawn) -> list[str]:
    """A figure's part of a report page: heading, image and caption."""
    return [f"## {drawn.title}", "", f"![{drawn.title}]({drawn.path.name})", "", drawn.caption, ""]


def write_report(d: Design, s: dict[str, Any], table: pd.DataFrame, out: Path, header: list[str]) -> Path:
    """Write ``morris.csv``, the figures and ``morris.md`` into ``out``; return the page's path."""
    found = indices(d, table, levels=int(s["levels"]), seed=d.seed)
    out.mkdir(parents=True, exist_ok=True)
    found.to_csv(out / "morris.csv", index=False)
    lines = ["# Morris screening of the estimates", "", *header, ""]
    for contrast in dict.fromkeys(found["contrast"]):
        drawn = contrast_figure(found[found["contrast"] == contrast], contrast, out)
        lines += [*section(drawn), *drivers_table(found, contrast), ""]
    page = out / "morris.md"
    page.write_text("\n".join(lines))
    return page

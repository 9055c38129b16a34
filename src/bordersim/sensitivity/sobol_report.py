"""The report of a Sobol' study: ``sobol.csv``, ``convergence.csv``, a bar figure per contrast, ``sobol.md``.

Each figure has one panel per outcome: per factor the first-order index S1 (what the factor
explains alone) and the total index ST (with its interactions), with their bootstrap 95 %
intervals, at the study's full size. ST well above S1 means the factor acts through others; the
noise factor's ST is the share of the contrast's variance the seeds leave unexplained. The
convergence table says, per contrast and outcome, how far ST moved from half the base samples to
all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bordersim.report.style import Drawn, finish, new_figure
from bordersim.sensitivity import sobol
from bordersim.sensitivity.analysis import LEVEL
from bordersim.sensitivity.design import Design
from bordersim.sensitivity.report import section, slug
from bordersim.sensitivity.space import NOISE

#: Colours of the two indices (Okabe-Ito).
COLOURS = {"S1": "#56B4E9", "ST": "#0072B2"}


def contrast_figure(found: pd.DataFrame, contrast: str, out: Path) -> Drawn:
    """S1 and ST bars with intervals of every factor, one panel per outcome, for one contrast."""
    outcomes = list(dict.fromkeys(found["outcome"]))
    factors = list(dict.fromkeys(found["factor"]))
    cols = min(3, len(outcomes))
    rows = int(np.ceil(len(outcomes) / cols))
    fig = new_figure(4.4 * cols, (0.22 * len(factors) + 1.2) * rows + 0.6)
    y = np.arange(len(factors))
    for n, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, cols, n + 1)
        part = found[found["outcome"] == outcome].set_index("factor").reindex(factors)
        for shift, index in ((-0.2, "S1"), (0.2, "ST")):
            ax.barh(y + shift, part[index], height=0.38, xerr=part[f"{index}_conf"], color=COLOURS[index],
                    error_kw={"elinewidth": 0.8, "capsize": 1.5}, label=index)  # fmt: skip
        ax.set_yticks(y, factors if n % cols == 0 else [""] * len(factors), fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="#333333", lw=0.6)
        ax.set_xlim(-0.1, 1.1)
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("share of the contrast's variance")
        if n == 0:
            ax.legend(fontsize=7, loc="lower right")
    title = f"Sobol' indices: {contrast}" if contrast != LEVEL else "Sobol' indices: baseline level"
    caption = (
        "S1: the factor alone; ST: with its interactions (bars: bootstrap 95 % intervals). "
        f"'{NOISE}' moves only the seeds: its ST is the share the seeds leave unexplained."
    )
    return finish(fig, out / f"sobol_{slug(contrast)}.png", title, caption)


def convergence_table(table: pd.DataFrame, tolerance: float) -> list[str]:
    """Markdown rows of the convergence check."""
    lines = [
        f"Stable: no factor's ST moved by {tolerance} or more from half the base samples to all of them.",
        "",
        "| contrast | outcome | base samples | largest ΔST (factor) | intervals overlap | stable |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.contrast} | {row.outcome} | {row.half} → {row.full} | {row.max_change_ST:.3f} "
            f"({row.factor}) | {'yes' if row.intervals_overlap else 'no'} | {'yes' if row.stable else 'no'} |"
        )
    return lines


def write_report(d: Design, s: dict[str, Any], table: pd.DataFrame, out: Path, header: list[str]) -> Path:
    """Write ``sobol.csv``, ``convergence.csv``, the figures and ``sobol.md`` into ``out``."""
    found = sobol.indices(d, table, seed=d.seed)
    checked = sobol.convergence(found, float(s["tolerance"]))
    out.mkdir(parents=True, exist_ok=True)
    found.to_csv(out / "sobol.csv", index=False)
    checked.to_csv(out / "convergence.csv", index=False)
    lines = ["# Sobol' indices of the factors that matter", "", *header, ""]
    lines += ["## Convergence", "", *convergence_table(checked, float(s["tolerance"])), ""]
    full = sobol.final(found)
    for contrast in dict.fromkeys(full["contrast"]):
        lines += section(contrast_figure(full[full["contrast"] == contrast], contrast, out))
    page = out / "sobol.md"
    page.write_text("\n".join(lines))
    return page

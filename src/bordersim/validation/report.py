"""The validation report: per pattern its band, the model's distribution over seeds, the pass
rate, the error and the naive reference, as Markdown, CSV and one figure.

:func:`validate_sweep` evaluates the patterns on a collected sweep and writes
``SWEEP_DIR/validation/`` (``validation.md``, ``criteria.csv``, ``values.csv``,
``figures/patterns.png|svg``); :func:`section` gives the same table for the sweep's report.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bordersim.experiments.store import COLLECTED, atomic, read_meta
from bordersim.report.style import Drawn, finish, new_figure
from bordersim.validation.patterns import Patterns, Validation, evaluate, load

__all__ = ["ValidationError", "evaluate_sweep", "figure", "load", "section", "validate_sweep", "write"]

VALIDATION = "validation"


class ValidationError(ValueError):
    """The sweep cannot be validated (not collected, or parameters were swept)."""


def validate_sweep(sweep_dir: str | Path, patterns: Patterns | None = None) -> tuple[Validation, Path]:
    """Evaluate the patterns on a collected sweep; write and return the validation report."""
    root = Path(sweep_dir)
    validation = evaluate_sweep(root, patterns or load())
    return validation, write(validation, root / VALIDATION, root)


def evaluate_sweep(root: Path, patterns: Patterns) -> Validation:
    daily_path, runs_path = root / COLLECTED / "daily.parquet", root / COLLECTED / "runs.parquet"
    if not daily_path.is_file() or not runs_path.is_file():
        raise ValidationError(f"{root}: no collected runs (run bordersim-collect {root} first)")
    runs = pd.read_parquet(runs_path)
    swept = read_meta(root).get("swept_parameters") or []
    if swept:
        raise ValidationError(
            f"{root}: parameters were swept ({', '.join(swept)}); the patterns judge the default "
            "model over scenarios and seeds only"
        )
    ok = runs[runs["status"] == "ok"]
    config = _run_config(root, ok)
    return evaluate(pd.read_parquet(daily_path), patterns, config)


def _run_config(root: Path, ok: pd.DataFrame) -> dict[str, Any] | None:
    """The resolved config of one finished run (for the naive references)."""
    for run_dir in ok["run_dir"]:
        path = root / run_dir / "summary.json"
        if path.is_file():
            return dict(json.loads(path.read_text())["config"])
    return None


def write(validation: Validation, out: Path, root: Path | None = None) -> Path:
    """Write the report into ``out``; return the path of ``validation.md``."""
    out.mkdir(parents=True, exist_ok=True)
    drawn = figure(validation, out / "figures" / "patterns.png")
    atomic(out / "criteria.csv", lambda p: validation.table.to_csv(p, index=False))
    atomic(out / "values.csv", lambda p: validation.values.to_csv(p, index=False))
    text = "\n".join(
        [
            "# bordersim validation: the patterns of MODEL.md 1\n",
            f"Sweep: `{root}`\n" if root is not None else "",
            section(validation, drawn, out, level=2),
        ]
    )
    return atomic(out / "validation.md", lambda p: p.write_text(text))


def section(validation: Validation, drawn: Drawn | None, out: Path, level: int = 2) -> str:
    """The validation as Markdown: how to read it, verdicts, the criteria table, the figure."""
    h = "#" * level
    p = validation.patterns
    seeds = int(validation.table["n_seeds"].max()) if len(validation.table) else 0
    lines = [
        f"{h} Validation against the patterns\n",
        f"Each criterion is judged per seed on the recorded days (after the spin-up); it holds when "
        f"its value lies in the band in at least {p.required_pass_rate:.0%} of the seeds. The error "
        "is the mean distance outside the band relative to its width (0 inside). Comparisons pair "
        "each scenario run with the baseline run of the same seed. The mean over the seeds comes with "
        "a bootstrap 95% interval (seeds resampled): a comparison can hold on average, its interval "
        "inside the band, and still fail because too few seeds show it. "
        f"Patterns: `{p.source}`.\n",
    ]
    if seeds < p.min_seeds:
        lines.append(f"**Provisional:** {seeds} seeds, fewer than the {p.min_seeds} the verdicts need.\n")
    verdicts = validation.verdicts
    lines.append(" · ".join(f"**{pid}** {v}" for pid, v in verdicts.items()) + "\n")
    lines.append(table_markdown(validation))
    same = validation.table[validation.table["naive_inside"].fillna(False).astype(bool)]
    if len(same):
        names = "; ".join(f"{r['pattern']} {r['criterion']}" for r in same.to_dict("records"))
        lines.append(
            f"The naive reference also lies in the band for: {names}. There the check does not "
            "show that the model's mechanisms, rather than its inputs, produce the pattern.\n"
        )
    claims = [f"- **{q.id}** {q.claim}. Mechanism: {q.mechanism}." for q in p.patterns]
    lines += ["Claims and mechanisms:\n", *claims, ""]
    if drawn is not None:
        png = drawn.path.relative_to(out).as_posix()
        lines += [f"![{drawn.title}]({png})\n", f"*{drawn.caption}*\n"]
    return "\n".join(lines)


def table_markdown(validation: Validation) -> str:
    head = (
        "| pattern | criterion | band | unit | model median [5%, 95%] | mean [95% CI] | seeds | pass rate "
        "| error | naive reference | holds |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in validation.table.to_dict("records"):
        naive = f"{_num(r['naive'])} ({r['naive_label']})" if r["naive_label"] else "-"
        rows.append(
            f"| {r['pattern']} | {r['criterion']} | [{_num(r['low'])}, {_num(r['high'])}] | {r['unit']} | "
            f"{_num(r['median'])} [{_num(r['p05'])}, {_num(r['p95'])}] | "
            f"{_num(r['mean'])} [{_num(r['mean_low'])}, {_num(r['mean_high'])}] | {r['n_seeds']} | "
            f"{_rate(r['pass_rate'])} | {_num(r['error'])} | {naive} | {'yes' if r['holds'] else '**no**'} |"
        )
    return head + "\n".join(rows) + "\n"


def _num(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _rate(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.0%}"


def figure(validation: Validation, path: Path) -> Drawn | None:
    """One panel per criterion: every seed's value as a dot against the band (shaded)."""
    table, values = validation.table, validation.values
    if not len(values):
        return None
    n = len(table)
    cols = 4
    rows = math.ceil(n / cols)
    fig = new_figure(13, 2.3 * rows + 0.8)
    rng = np.random.default_rng(0)  # jitter of the dots only
    for k, r in enumerate(table.to_dict("records")):
        ax = fig.add_subplot(rows, cols, k + 1)
        v = values[(values["pattern"] == r["pattern"]) & (values["criterion"] == r["criterion"])]["value"]
        finite = v[np.isfinite(v)]
        low, high = float(r["low"]), float(r["high"])
        _draw_band(ax, low, high, finite)
        colours = np.where((finite >= low) & (finite <= high), "#009E73", "#D55E00")
        ax.scatter(finite, rng.uniform(-0.3, 0.3, len(finite)), s=10, c=colours, alpha=0.8, zorder=3)
        if r["naive_label"]:
            ax.axvline(float(r["naive"]), color="#0072B2", ls="--", lw=1, zorder=2)
        ax.set_yticks([])
        ax.set_ylim(-1, 1)
        ax.set_title(f"{r['pattern']}: {r['criterion']}", fontsize=7.5, loc="left", wrap=True)
        ax.set_xlabel(str(r["unit"]), fontsize=7)
        ax.tick_params(labelsize=7)
    caption = (
        "Each dot is one seed (green inside the band, orange outside); the band is shaded grey, "
        "the naive reference dashed blue."
    )
    return finish(fig, path, "Patterns: the model's values against the evidence", caption)


def _draw_band(ax: Any, low: float, high: float, values: pd.Series) -> None:
    """Shade the band; an open side reaches past the data."""
    data = [*values, *(b for b in (low, high) if math.isfinite(b))]
    span = (max(data) - min(data)) or 1.0
    left = low if math.isfinite(low) else min(data) - span
    right = high if math.isfinite(high) else max(data) + span
    ax.axvspan(left, right, color="#dddddd", zorder=1)
    ax.set_xlim(min(data) - 0.15 * span, max(data) + 0.15 * span)

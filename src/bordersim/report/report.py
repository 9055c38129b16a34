"""The report of a sweep: one Markdown file with the figures beside it.

:func:`write_report` draws every figure the sweep has data for, then writes ``report.md``
holding what is missing from the sweep, the comparison table (``comparison.md``), the
validation against the patterns (when the sweep ran the scenarios they read and swept no
parameter), each figure with its caption (PNG shown, SVG linked), the experiment's
configuration and the software version. Figures that cannot be drawn are listed with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import yaml

from bordersim.report import figures, maps
from bordersim.report.style import Drawn, NothingToDrawError
from bordersim.report.sweep import Sweep, installed_version, load_sweep

#: Every figure of the report, in reading order.
FIGURES: list[Callable[[Sweep, Path], Drawn]] = [
    figures.outcome_distributions,
    figures.outcome_ecdfs,
    figures.time_series,
    figures.dilemma,
    figures.dilemma_heatmap,
    maps.zone_map,
    maps.control_maps,
    maps.is_activity_maps,
    maps.smuggling_maps,
    maps.strike_maps,
]
REPORT = "report.md"


def draw_all(sweep: Sweep, out: Path) -> tuple[list[Drawn], list[str]]:
    """Draw every figure into ``out``; return those drawn and a sentence per figure left out."""
    drawn, skipped = [], []
    for fn in FIGURES:
        try:
            drawn.append(fn(sweep, out))
        except NothingToDrawError as why:
            skipped.append(f"{fn.__name__.replace('_', ' ')}: not drawn ({why})")
    return drawn, skipped


def write_report(sweep_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.md`` and ``figures/`` into ``out`` (default SWEEP_DIR/report)."""
    sweep = load_sweep(sweep_dir)
    return build_report(sweep, Path(out) if out is not None else sweep.root / "report")[0]


def build_report(sweep: Sweep, out: Path) -> tuple[Path, list[Drawn]]:
    """Draw the figures and write the report of a loaded sweep; return its path and figures."""
    out.mkdir(parents=True, exist_ok=True)
    drawn, skipped = draw_all(sweep, out / "figures")
    path = out / REPORT
    path.write_text(render(sweep, drawn, skipped, out, validation_section(sweep, out)))
    return path, drawn


def validation_section(sweep: Sweep, out: Path) -> str:
    """The patterns judged on the sweep's runs, or why they were not."""
    from bordersim.validation import report as validation

    try:
        judged = validation.evaluate_sweep(sweep.root, validation.load())
    except validation.ValidationError as why:
        return f"## Validation against the patterns\n\n_Not evaluated: {why}._\n"
    drawn = validation.figure(judged, out / "figures" / "validation_patterns.png")
    return validation.section(judged, drawn, out)


def render(sweep: Sweep, drawn: list[Drawn], skipped: list[str], out: Path, validation: str) -> str:
    """The Markdown text of the report."""
    parts = [
        f"# bordersim report: experiment {sweep.experiment}\n",
        overview(sweep),
        missing_section(sweep, skipped),
        "## Comparison table\n",
        demote(sweep.comparison_md)
        if sweep.comparison_md
        else "_comparison.md is missing from the sweep._\n",
        validation,
        "## Figures\n",
        *[figure_block(k + 1, d, out) for k, d in enumerate(drawn)],
        configuration(sweep),
        "## Software\n",
        f"bordersim {sweep.software_version()} (sweep); report written by bordersim {installed_version()}.\n",
    ]
    return "\n".join(parts)


def demote(markdown: str, levels: int = 2) -> str:
    """Markdown with every heading moved down ``levels`` levels, to nest inside the report."""
    lines = [
        ("#" * levels + line) if line.startswith("#") else line for line in markdown.strip().splitlines()
    ]
    return "\n".join(lines) + "\n"


def overview(sweep: Sweep) -> str:
    ok, failed = len(sweep.ok), int((sweep.runs["status"] != "ok").sum())
    expected = sweep.meta.get("n_runs_expected") or sweep.meta.get("n_expected") or "unknown"
    lines = [
        f"- Sweep directory: `{sweep.root}`",
        f"- Written: {datetime.now():%Y-%m-%d %H:%M}",
        f"- Runs: {ok} finished, {failed} failed, {expected} expected",
        f"- Conditions: {', '.join(sweep.conditions) or 'none'} ({sweep.seeds_text()})",
        f"- Swept parameters: {', '.join(sweep.params) or 'none'}",
        f"- Configuration: {sweep.config_text()}",
    ]
    return "\n".join(lines) + "\n"


def missing_section(sweep: Sweep, skipped: list[str]) -> str:
    items = sweep.missing + skipped
    if not items:
        return "## What is missing\n\nNothing: every expected run finished and every figure was drawn.\n"
    return "## What is missing\n\n" + "\n".join(f"- {item}" for item in items) + "\n"


def figure_block(number: int, drawn: Drawn, out: Path) -> str:
    png = drawn.path.relative_to(out).as_posix()
    svg = drawn.path.with_suffix(".svg").relative_to(out).as_posix()
    return (
        f"### Figure {number}. {drawn.title}\n\n![{drawn.title}]({png})\n\n"
        f"*Figure {number}.* {drawn.caption} ([SVG for print]({svg}))\n"
    )


def configuration(sweep: Sweep) -> str:
    """sweep.json and the resolved config of one run (geography left to its file's name)."""
    parts = ["## Configuration\n"]
    if sweep.meta:
        parts.append(
            "The experiment (`sweep.json`):\n\n```json\n"
            + json.dumps(sweep.meta, indent=2, default=str)
            + "\n```\n"
        )
    summary = sweep.representative_summary()
    if summary is None:
        parts.append("_No run summary found: the resolved configuration is unknown._\n")
        return "\n".join(parts)
    config = dict(summary["config"])
    geography = config.pop("geography", {})
    config["geography"] = f"{geography.get('name', '?')} (full spec in the run's summary.json)"
    parts.append(
        "Resolved configuration of one run (seed and swept values differ between runs):\n\n"
        "```yaml\n" + yaml.safe_dump(config, sort_keys=False, default_flow_style=None, width=100) + "```\n"
    )
    return "\n".join(parts)

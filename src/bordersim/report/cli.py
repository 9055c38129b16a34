"""The ``bordersim-report`` command: ``bordersim-report SWEEP_DIR [--out DIR]``.

Writes ``report.md`` with its ``figures/`` (PNG and SVG) into SWEEP_DIR/report, or DIR. A
directory that is not a collected sweep stops with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from bordersim.report.report import write_report
from bordersim.report.sweep import SweepError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bordersim-report",
        description="Write a Markdown report with figures for a collected bordersim sweep.",
    )
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="sweep directory holding collected/runs.parquet")
    p.add_argument(
        "--out", metavar="DIR", default=None, help="where to write the report (default SWEEP_DIR/report)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        path = write_report(args.sweep_dir, args.out)
    except SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    print(f"report: {path}")
    return 0

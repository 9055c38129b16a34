"""The ``bordersim-validate`` command: the default model against the patterns of MODEL.md 1.

``bordersim-validate [KEY=VALUE ...]`` is ``bordersim -m experiment=validation``: the
scenarios the patterns read (baseline, strike, militia drawdown, reopening) over 30 paired
seeds, on any launcher (``hydra/launcher=slurm``, ``n_seeds=50`` ...), ending in
``SWEEP_DIR/validation/validation.md``. ``bordersim-validate --sweep SWEEP_DIR`` judges the
runs of a collected sweep instead (e.g. the scenario comparison of ``make main``). A failing
pattern is a finding, not an error: the exit code is 0 unless runs failed or the input is bad.
"""

from __future__ import annotations

import sys
from pathlib import Path

USAGE = __doc__.split("\n\n", 1)[1]


def report_verdicts(sweep_dir: Path) -> None:
    """Validate a collected sweep and print the verdicts and the report's path."""
    from bordersim.validation.report import validate_sweep

    validation, path = validate_sweep(sweep_dir)
    print("patterns: " + ", ".join(f"{pid} {v}" for pid, v in validation.verdicts.items()))
    print(f"validation report: {path}")


def main() -> None:
    argv = sys.argv[1:]
    if "--help" in argv or "-h" in argv:
        print("usage: bordersim-validate [KEY=VALUE ...] | --sweep SWEEP_DIR\n\n" + USAGE)
        sys.exit(0)
    if argv[:1] == ["--sweep"]:
        sys.exit(validate_existing(argv[1:]))
    from bordersim import cli

    sys.argv = ["bordersim", "-m", "experiment=validation", *argv]
    cli.main()


def validate_existing(args: list[str]) -> int:
    from bordersim.validation.report import ValidationError

    if len(args) != 1 or not Path(args[0]).is_dir():
        print("error: --sweep needs one existing sweep directory", file=sys.stderr)
        return 2
    try:
        report_verdicts(Path(args[0]))
    except ValidationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0

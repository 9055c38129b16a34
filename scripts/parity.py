"""Reference outputs that a refactor must reproduce exactly.

For seed 3 and one year, every shipped scenario (and one composition) is run and its
``daily.parquet`` compared, value for value, with the reference copy in
``tests/data/parity/``. A change that is meant to alter results regenerates them with
``--write`` (and says so in its commit); ``tests/test_parity.py`` runs the check.

Usage: python scripts/parity.py [--write]
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pandas as pd

import bordersim

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "data" / "parity"
SEED, DAYS = 3, 365
SCENARIOS = {
    "baseline": "[baseline]",
    "strike": "[strike]",
    "reopening": "[reopening]",
    "us_withdrawal": "[us_withdrawal]",
    "militia_drawdown": "[militia_drawdown]",
    "history_2019_2020": "[history_2019_2020]",
    "strike+reopening": "[strike,reopening]",
}


def daily(scenario: str) -> pd.DataFrame:
    """The daily metrics of the reference run of one scenario, as Parquet would store them."""
    overrides = [f"scenario={SCENARIOS[scenario]}", f"seed={SEED}", f"days={DAYS}", "write_spatial=false"]
    buffer = io.BytesIO()
    bordersim.run(overrides=overrides).daily.to_parquet(buffer, index=False)
    buffer.seek(0)
    return pd.read_parquet(buffer)


def difference(scenario: str) -> str | None:
    """None when the run reproduces its reference exactly, else what differs."""
    try:
        pd.testing.assert_frame_equal(daily(scenario), pd.read_parquet(REFERENCE / f"{scenario}.parquet"))
    except AssertionError as exc:
        return str(exc)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate the reference outputs")
    args = parser.parse_args()
    failed = 0
    for scenario in SCENARIOS:
        if args.write:
            REFERENCE.mkdir(parents=True, exist_ok=True)
            daily(scenario).to_parquet(REFERENCE / f"{scenario}.parquet", index=False)
            print(f"{scenario}: written")
            continue
        problem = difference(scenario)
        failed += problem is not None
        print(f"{scenario}: {'identical' if problem is None else 'DIFFERS: ' + problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""A refactor changes no result: each shipped scenario's one-year run for seed 3 reproduces,
value for value, the daily metrics saved in tests/data/parity (see scripts/parity.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "parity.py"
spec = importlib.util.spec_from_file_location("parity", SCRIPT)
assert spec is not None and spec.loader is not None
parity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parity)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(parity.SCENARIOS))
def test_daily_metrics_equal_the_reference_outputs(scenario):
    assert parity.difference(scenario) is None


def test_the_parity_check_notices_a_changed_result(monkeypatch):
    def nudged(scenario):
        frame = pd.read_parquet(parity.REFERENCE / f"{scenario}.parquet")
        frame.loc[200, "is_attacks"] += 1
        return frame

    monkeypatch.setattr(parity, "daily", nudged)
    assert "is_attacks" in parity.difference("baseline")
    monkeypatch.setattr(parity, "daily", lambda s: pd.read_parquet(parity.REFERENCE / f"{s}.parquet"))
    assert parity.difference("baseline") is None

"""The benchmark's cost anatomy (benchmarks/run.py): a default day split into what is fixed
and what grows with the cells and with the agents, from the scaling points it measures."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))  # run.py imports its sibling sweep.py
    try:
        spec = importlib.util.spec_from_file_location("bench_run", BENCHMARKS / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


def point(
    agents: float, cells: int, fixed_ms: float = 3.0, per_agent_ms: float = 0.002, per_cell_ms: float = 2e-4
):
    return {
        "agents_per_day": agents,
        "cells": cells,
        "ms_per_day": fixed_ms + per_agent_ms * agents + per_cell_ms * cells,
    }


def test_the_anatomy_recovers_the_fixed_per_agent_and_per_cell_costs_of_a_linear_day(bench):
    agents = [point(n, 10_000) for n in (330, 640, 1_550, 3_100)]
    cells = [point(346, 40_000), point(334, 10_000)]  # finer cells bring a few more agents
    anatomy = bench.cost_anatomy(agents, cells)
    assert anatomy["per_agent_us"] == pytest.approx(2.0)
    assert anatomy["per_cell_us"] == pytest.approx(0.2)
    assert anatomy["fixed_ms"] == pytest.approx(3.0)
    assert anatomy["cells_ms"] == pytest.approx(2.0)
    assert anatomy["agents_ms"] == pytest.approx(0.66)


def test_the_anatomy_needs_two_points_that_ran_on_each_axis(bench):
    agents = [point(330, 10_000), {"error": "refused"}]
    cells = [point(334, 10_000), point(346, 40_000)]
    assert bench.cost_anatomy(agents, cells) is None


def test_the_phases_of_a_day_and_the_rest_make_up_the_whole_day(bench):
    timed = bench.phase_times(["days=3", "spin_up_days=2", "write_spatial=false"])
    phases = timed["phases"]
    assert timed["days"] == 5
    assert sum(phases.values()) == pytest.approx(timed["ms_per_day"], abs=0.01)
    named = {label: ms for label, ms in phases.items() if label != "rest"}
    assert all(ms > 0 for ms in named.values()), named  # every phase was timed, none fell into the rest
    assert {"IS cells", "militias", "state forces", "tribes", "security and control"} <= set(named)

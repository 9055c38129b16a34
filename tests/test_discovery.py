"""Scenario discovery (bordersim.sensitivity.discovery, .ema): the levers of the design, PRIM finding
a planted box, EMA Workbench driving bordersim through the adapter, and a small discovery study end
to end with resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sensitivity import preset_settings

from bordersim.errors import ConfigError
from bordersim.sensitivity import design, discovery, runner
from bordersim.sensitivity.runner import RUNS

BORDERSIM = str(Path(sys.executable).with_name("bordersim"))
ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIGS = ROOT / "tests" / "configs"
LEVERS = ["strike intensity", "drawdown fraction", "US withdrawal"]


@pytest.fixture(scope="module")
def study() -> dict:
    return preset_settings(ROOT / "configs" / "experiment" / "discovery.yaml", ("estimates",))


def test_the_design_spans_the_levers_and_the_chosen_estimates(study):
    d = design.design({**study, "samples": 40})
    assert d.factors == [*study["factors"], *LEVERS] and d.uncertain == study["factors"]
    levers = pd.DataFrame([d.lever_values(row) for row in d.rows])
    assert levers["strike intensity"].between(0.0, 3.0).all() and levers["strike intensity"].max() > 2.5
    assert levers["drawdown fraction"].between(0.0, 1.0).all()
    assert set(levers["US withdrawal"]) == {0.0, 1.0}


def test_a_rows_levers_compose_the_policy_and_leave_its_baseline_alone(study):
    d = design.design({**study, "samples": 40})
    planned = list(runner.runs(d, study, d.rows[:40]))
    for run in planned:
        scenario_list, *rest = run["overrides"]
        if run["scenario"] == "baseline":
            assert run["overrides"] == ["scenario=[baseline]"]
            continue
        leaves = run["levers"]["US withdrawal"] == 1.0
        assert scenario_list == f"scenario=[strike,militia_drawdown{',us_withdrawal' if leaves else ''}]"
        assert ("scenario.us_withdrawal.date=30" in rest) == leaves
        assert f"scenario.strike.rate_per_week={run['levers']['strike intensity']!r}" in rest
    pairs = pd.DataFrame(planned).groupby("row")["seed"].nunique()
    assert (pairs == 1).all()  # policy and baseline of a row share its seed


def test_a_lever_without_a_setting_or_scenario_is_named(study):
    with pytest.raises(ConfigError, match="sensitivity.levers.strike intensity: a lever needs"):
        design.design({**study, "levers": {"strike intensity": {"low": 0.0, "high": 3.0}}})


def test_resurgence_compares_the_policy_with_its_own_baseline():
    table = pd.DataFrame(
        {("level", "IS attacks"): [10.0, 10.0, 0.0], ("policy - baseline", "IS attacks"): [6.0, 4.0, 1.0]}
    )
    assert discovery.resurgence(table, "policy - baseline", "IS attacks", 1.5).tolist() == [True, False, True]


def test_prim_finds_a_planted_box():
    pytest.importorskip("ema_workbench", reason="EMA Workbench (the ema extra) is not installed")
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(size=(1000, 4)), columns=["x1", "x2", "x3", "x4"])
    y = x["x1"].between(0.2, 0.5) & x["x2"].between(0.6, 0.9)
    box = discovery.peel(x, y, mass_min=0.02)
    assert box.coverage > 0.9 and box.density > 0.9
    limits = box.limits
    assert limits["restricted"].tolist() == [True, True, False, False]
    assert limits.loc["x1", ["low", "high"]].tolist() == pytest.approx([0.2, 0.5], abs=0.03)
    assert limits.loc["x2", ["low", "high"]].tolist() == pytest.approx([0.6, 0.9], abs=0.03)
    assert box.trajectory["coverage"].iloc[0] == 1.0  # the trajectory starts from the whole space


@pytest.mark.slow
def test_ema_workbench_drives_bordersim_through_the_adapter():
    ema_workbench = pytest.importorskip(
        "ema_workbench", reason="EMA Workbench (the ema extra) is not installed"
    )
    from bordersim.sensitivity import ema

    overrides = ["experiment=discovery", "days=35", "spin_up_days=0", "sensitivity.factors=[IS recruitment]"]
    model = ema.model(overrides)
    assert [u.name for u in model.uncertainties] == ["is_recruitment"]
    assert [lever.name for lever in model.levers] == [
        "strike_intensity",
        "drawdown_fraction",
        "us_withdrawal",
    ]
    with ema_workbench.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=1, policies=1)
    assert set(outcomes) == set(ema.outcome_names(ema.study(tuple(overrides))[1]))
    assert outcomes["is_attacks_baseline"][0] >= 0 and outcomes["is_resurgent"][0] in (0.0, 1.0)
    inputs = experiments.iloc[0].to_dict()
    assert ema.experiment(tuple(overrides), **inputs) == {k: v[0] for k, v in outcomes.items()}  # seeded


# -- a small study end to end ---------------------------------------------------------------
def discovery_cli(sweep_dir: Path) -> subprocess.CompletedProcess:
    args = [BORDERSIM, "-m", "--config-dir", str(TEST_CONFIGS), "experiment=discovery_small",
            "hydra/launcher=basic", f"hydra.sweep.dir={sweep_dir}"]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("discovery") / "study"
    return root, discovery_cli(root)


@pytest.mark.slow
def test_a_small_discovery_study_runs_policy_and_baseline_and_peels_a_box(small_study):
    pytest.importorskip("ema_workbench", reason="EMA Workbench (the ema extra) is not installed")
    root, done = small_study
    assert done.returncode == 0, done.stderr[-2000:]
    study = json.loads((root / "study.json").read_text())
    assert study["factors"] == ["Islamic State", *LEVERS]
    assert study["n_runs"] == 8 * 2 == len(list((root / RUNS).glob("*/*.json")))
    rows = pd.read_csv(root / "discovery" / "rows.csv")
    assert len(rows) == 8 and 0 < rows["IS resurgent"].sum() < 8
    trajectory = pd.read_csv(root / "discovery" / "prim_trajectory.csv")
    assert {"coverage", "density", "mass", "res_dim"} <= set(trajectory.columns)
    assert pd.read_csv(root / "discovery" / "frontier.csv")["n"].sum() == 8
    page = (root / "discovery" / "discovery.md").read_text()
    for figure in ("prim_tradeoff.png", "prim_box.png", "frontier.png"):
        assert f"]({figure})" in page and (root / "discovery" / figure).is_file()


@pytest.mark.slow
def test_a_resumed_discovery_study_runs_only_the_missing_runs_and_finds_the_same(small_study):
    root, done = small_study
    assert done.returncode == 0, done.stderr[-2000:]
    before = pd.read_csv(root / "discovery" / "rows.csv")
    files = sorted((root / RUNS).glob("*/*.json"))
    removed = files[3]
    removed.unlink()
    kept = {p: p.stat().st_mtime_ns for p in files if p != removed}
    again = discovery_cli(root)
    assert again.returncode == 0, again.stderr[-2000:]
    assert removed.is_file()
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    pd.testing.assert_frame_equal(pd.read_csv(root / "discovery" / "rows.csv"), before)

"""The experiment pipeline: sweep plans, launchers, faults, resume, collection and comparison."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import open_dict

import bordersim
from bordersim.experiments import compare, plan, runner
from bordersim.experiments.collect import collect

BORDERSIM = str(Path(sys.executable).with_name("bordersim"))
COLLECT = str(Path(sys.executable).with_name("bordersim-collect"))
#: A small sweep: two strike rates of the status quo, 20 days.
RATE = "params.strikes.background_rate_per_week"
SMALL = ["days=20", "write_spatial=false", f"{RATE}=0.15,2"]
STRIKE_ACCURACY = "scenario.strike.civilian_harm_prob"


def sweep(tmp_path: Path, *overrides: str, name: str = "sweep") -> subprocess.CompletedProcess:
    """Run ``bordersim -m`` in a subprocess into ``tmp_path/name``."""
    cmd = [BORDERSIM, "-m", *overrides, f"hydra.sweep.dir={tmp_path / name}"]
    return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)


def serial_daily(seed: int, rate: float) -> pd.DataFrame:
    return bordersim.run(overrides=[f"seed={seed}", "days=20", f"{RATE}={rate}"]).daily


def preset(name: str, *overrides: str):
    """A preset composed as the launching process sees it (with the hydra node)."""
    GlobalHydra.instance().clear()
    with initialize_config_module(version_base="1.3", config_module="bordersim.configs"):
        return compose("config", [f"experiment={name}", *overrides], return_hydra_config=True)


def test_blocks_cover_every_seed_exactly_once():
    seeds = [s for b in range(4) for s in plan.block_seeds(100, 10, 3, b)]
    assert seeds == list(range(100, 110))
    assert plan.blocks(10, 3) == "range(0,4)"


@pytest.mark.parametrize(
    ("name", "jobs", "runs", "swept"),
    [
        ("scenario_comparison", 50, 500, []),
        ("strike_intensity", 80, 800, ["scenario.strike.rate_per_week", STRIKE_ACCURACY]),
        ("dilemma", 50, 500, ["scenario.militia_drawdown.fraction"]),
        ("history", 10, 100, []),
    ],
)
def test_presets_plan_scenarios_parameters_and_seeds(name, jobs, runs, swept):
    cfg = preset(name)
    assert len(plan.jobs(cfg)) == jobs
    assert plan.expected_runs(cfg) == runs
    assert plan.swept_parameters(cfg) == swept


def test_n_seeds_override_shrinks_a_preset_for_a_quick_look():
    cfg = preset("scenario_comparison", "n_seeds=4")
    scenarios = {job["scenario"] for job in plan.jobs(cfg)}
    assert scenarios == {"[baseline]", "[strike]", "[reopening]", "[us_withdrawal]", "[militia_drawdown]"}
    assert plan.expected_runs(cfg) == 20


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["parallel", "submitit_local"])
def test_parallel_launchers_give_the_serial_results(tmp_path, launcher):
    done = sweep(tmp_path, f"hydra/launcher={launcher}", *SMALL, "n_seeds=3", "seeds_per_job=2")
    assert done.returncode == 0, done.stderr
    assert "progress: 6/6 runs (0 failed)" in done.stdout
    assert f"comparison table: {tmp_path / 'sweep' / 'comparison.md'}" in done.stdout
    daily = pd.read_parquet(tmp_path / "sweep" / "collected" / "daily.parquet")
    assert len(daily.groupby(["seed", RATE])) == 6
    for (seed, rate), got in daily.groupby(["seed", RATE]):
        expected = serial_daily(seed, rate)
        # Parquet keeps dates in ms where the in-memory frame has s: compare values, not units
        got = got[expected.columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


@pytest.mark.slow
def test_a_failing_run_is_recorded_and_the_rest_are_collected(tmp_path):
    # an unknown place passes the sweep's check of values and calendars; the model refuses it
    unknown_base = "forces.us.base=phosphate_plant,atlantis"
    done = sweep(tmp_path, "hydra/launcher=basic", "days=20", unknown_base, "n_seeds=2", "seeds_per_job=2")
    assert done.returncode == 1
    assert "2 of 4 runs ok, 2 failed, 0 missing" in done.stdout
    assert "comparison table:" in done.stdout
    runs = pd.read_parquet(tmp_path / "sweep" / "collected" / "runs.parquet")
    failed = runs[runs["status"] == "failed"]
    assert list(failed["forces.us.base"]) == ["atlantis", "atlantis"]
    assert failed["error"].str.contains("forces.us.base").all()
    assert runs.loc[runs["status"] == "ok", "is_members_end"].notna().all()
    daily = pd.read_parquet(tmp_path / "sweep" / "collected" / "daily.parquet")
    assert set(daily["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    assert json.loads((tmp_path / "sweep" / "sweep.json").read_text())["n_runs_failed"] == 2


def test_a_run_that_raises_does_not_stop_its_job(tmp_path, monkeypatch):
    cfg = bordersim.compose_config(["days=5", "n_seeds=3", "seeds_per_job=3"])
    real_run = runner.run

    def flaky(one):
        if one.seed == 1:
            raise RuntimeError("model blew up")
        return real_run(one)

    monkeypatch.setattr(runner, "run", flaky)
    runner.run_block(cfg, tmp_path)
    assert [runner.is_complete(runner.run_dir(tmp_path, s)) for s in range(3)] == [True, False, True]
    failure = json.loads((runner.run_dir(tmp_path, 1) / "failed.json").read_text())
    assert failure["error"] == "RuntimeError: model blew up" and "flaky" in failure["traceback"]


@pytest.mark.slow
def test_an_interrupted_sweep_is_collected_then_resumed_without_redoing_runs(tmp_path):
    args = ["hydra/launcher=basic", "days=20", "write_spatial=false", "n_seeds=6", "seeds_per_job=2"]
    root = tmp_path / "sweep"
    cmd = [BORDERSIM, "-m", *args, f"hydra.sweep.dir={root}"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(root.rglob("summary.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    first = {p: p.stat().st_mtime_ns for p in root.rglob("summary.json")}
    assert 2 <= len(first) < 6
    half_written = next(root.glob("*/.hydra")).parent / "seed_0099"  # what a kill mid-write leaves
    half_written.mkdir(parents=True, exist_ok=True)
    (half_written / ".summary.tmp.json").write_text('{"seed": 5, "outcomes": {')

    collected = subprocess.run([COLLECT, str(root)], capture_output=True, text=True)
    assert collected.returncode == 1
    assert f"{len(first)} of 6 runs ok, 0 failed, {6 - len(first)} missing" in collected.stdout
    runs = pd.read_parquet(root / "collected" / "runs.parquet")
    assert len(runs) == len(first) and (runs["status"] == "ok").all()

    resume = json.loads((root / "sweep.json").read_text())["resume"]
    assert resume.endswith(f"hydra.sweep.dir={root}")
    resumed = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "6 of 6 runs ok" in resumed.stdout
    assert all(p.stat().st_mtime_ns == t for p, t in first.items())
    assert len(pd.read_parquet(root / "collected" / "runs.parquet")) == 6


@pytest.mark.slow
def test_a_sweep_never_writes_into_another_sweeps_directory(tmp_path):
    first = sweep(tmp_path, "hydra/launcher=basic", "days=5", "write_spatial=false", "seed=0,1")
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "sweep" / "sweep.json").read_text()
    other = sweep(tmp_path, "hydra/launcher=basic", "days=6", "write_spatial=false", "seed=0,1")
    assert other.returncode == 2
    assert "holds another sweep" in other.stderr
    assert (tmp_path / "sweep" / "sweep.json").read_text() == before


@pytest.mark.slow
def test_a_sweep_with_events_outside_its_runs_is_refused_before_any_job_starts(tmp_path):
    refused = sweep(tmp_path, "experiment=scenario_comparison", "n_seeds=1", "days=30")
    assert refused.returncode == 2
    assert "falls outside the run" in refused.stderr and "no job was started" in refused.stderr
    assert not (tmp_path / "sweep").exists()
    bad_value = sweep(tmp_path, "hydra/launcher=basic", "days=20", f"{RATE}=0.15,-1")
    assert bad_value.returncode == 2 and RATE in bad_value.stderr


def test_sweep_directories_are_unique_per_launch():
    assert preset("scenario_comparison").hydra.sweep.dir != preset("scenario_comparison").hydra.sweep.dir


@pytest.mark.slow
def test_single_run_still_writes_its_directory_and_prints_a_summary(tmp_path):
    done = subprocess.run(
        [BORDERSIM, "seed=7", "days=5", f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "bordersim run: scenario baseline, seed 7, 5 days" in done.stdout
    assert (tmp_path / "run" / "summary.json").is_file()


# --- the comparison table against a hand computation --------------------------------------


def tiny_runs() -> pd.DataFrame:
    """Two scenarios x 4 seeds with easy numbers."""
    return pd.DataFrame(
        {
            "run_id": [f"r{i}" for i in range(8)],
            "scenario": ["baseline"] * 4 + ["strike"] * 4,
            "seed": [0, 1, 2, 3] * 2,
            "status": "ok",
            "error": None,
            "run_dir": "x",
            "is_members_start": [10.0] * 8,
            "is_members_end": [8.0, 9.0, 11.0, 12.0, 20.0, 20.0, 20.0, 20.0],
            "is_stronger_at_end": [False, False, True, True, True, True, True, True],
        }
    )


def test_comparison_table_matches_a_hand_computation():
    table = compare.comparison(tiny_runs(), [])
    row = table[(table["scenario"] == "baseline") & (table["outcome"] == "is_members_end")].iloc[0]
    assert row["n"] == 4 and row["mean"] == 10.0 and row["median"] == 10.0
    # numpy's linear percentile of 8, 9, 11, 12: position 0.05 * 3 = 0.15 -> 8 + 0.15 * 1
    assert row["q05"] == pytest.approx(8.15) and row["q95"] == pytest.approx(11.85)
    assert row["diff_mean"] == 0 and np.isnan(row["diff_ci_low"])
    assert row["p_end_above_start"] == 0.5 and row["p_is_stronger_at_end"] == 0.5
    strike = table[(table["scenario"] == "strike") & (table["outcome"] == "is_members_end")].iloc[0]
    assert strike["diff_mean"] == 10.0
    # strike is constant, so the bootstrap spread is the baseline's: means of 4 draws of 8..12
    assert 20 - 12 <= strike["diff_ci_low"] <= 10.0 <= strike["diff_ci_high"] <= 20 - 8
    assert strike["p_above_reference"] == 1.0 and strike["p_is_stronger_at_end"] == 1.0
    assert table.equals(compare.comparison(tiny_runs(), [])), "the bootstrap is seeded"


def test_runs_of_the_same_seeds_are_compared_seed_by_seed():
    """A difference every seed shares is certain when runs are paired by seed, however much the
    seeds differ from each other; without pairs the seeds' spread hides it."""
    spread = [0.0, 100.0, 200.0, 300.0]
    runs = tiny_runs().assign(is_members_end=spread + [v + 5.0 for v in spread])
    strike = (
        compare.comparison(runs, []).query("scenario == 'strike' and outcome == 'is_members_end'").iloc[0]
    )
    assert strike["paired"] and strike["diff_mean"] == 5.0
    assert strike["diff_ci_low"] == strike["diff_ci_high"] == 5.0
    assert strike["p_above_same_seed"] == 1.0 and strike["p_above_reference"] < 0.75
    other_seeds = runs.assign(seed=[0, 1, 2, 3, 4, 5, 6, 7])
    unpaired = compare.comparison(other_seeds, []).query(
        "scenario == 'strike' and outcome == 'is_members_end'"
    )
    row = unpaired.iloc[0]
    assert not row["paired"] and np.isnan(row["p_above_same_seed"])
    assert row["diff_ci_low"] < 0.0 < row["diff_ci_high"]


def test_comparison_of_a_grid_without_baseline_uses_the_first_grid_point():
    runs = tiny_runs().assign(scenario="strike", rate=[1.0] * 4 + [2.0] * 4)
    table = compare.comparison(runs, ["rate"])
    second = table[(table["rate"] == 2.0) & (table["outcome"] == "is_members_end")].iloc[0]
    assert second["diff_mean"] == 10.0
    assert second["p_above_reference"] == 1.0
    # ties count half: P(X > Y) + P(X = Y) / 2
    assert compare.superiority(np.array([1.0, 2.0]), np.array([1.0, 3.0])) == pytest.approx(0.375)


def test_collect_writes_the_comparison_in_csv_parquet_and_markdown(tmp_path):
    cfg = bordersim.compose_config(["days=5", "n_seeds=2", "seeds_per_job=2", "write_spatial=false"])
    with open_dict(cfg):
        cfg.sweep.block = 0
    runner.run_block(cfg, tmp_path / "job")
    meta = collect(tmp_path)
    assert meta["n_runs_ok"] == 2 and meta["status"] == "complete"
    table = pd.read_parquet(tmp_path / "comparison.parquet")
    assert list(pd.read_csv(tmp_path / "comparison.csv").columns) == list(table.columns)
    assert set(table["outcome"]) >= set(compare.MAIN_OUTCOMES) and (table["n"] == 2).all()
    assert "## IS members at the end (`is_members_end`)" in (tmp_path / "comparison.md").read_text()

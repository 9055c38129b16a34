"""Morris screening of the estimates (bordersim.sensitivity): the parameter space read from the
defaults' comments, the design and its seeds, the analysis recovering known effects of a toy
function through the same pipeline, and a small study end to end with resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from bordersim import config
from bordersim.errors import ConfigError
from bordersim.sensitivity import analysis, design, space
from bordersim.sensitivity.runner import RUNS

BORDERSIM = str(Path(sys.executable).with_name("bordersim"))
ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "configs" / "experiment" / "morris.yaml"
SHARED = ROOT / "configs" / "sensitivity"
TEST_CONFIGS = ROOT / "tests" / "configs"


def preset_settings(preset: Path, shared: tuple[str, ...]) -> dict:
    """A preset's ``sensitivity`` block over the shared files it includes (configs/sensitivity/)."""
    merged: dict = {}
    for name in shared:
        merged |= yaml.safe_load((SHARED / f"{name}.yaml").read_text())
    return merged | yaml.safe_load(preset.read_text())["sensitivity"]


@pytest.fixture(scope="module")
def study() -> dict:
    return preset_settings(PRESET, ("estimates", "contrasts"))


def test_estimates_are_leaves_whose_own_or_enclosing_comment_says_estimate():
    text = """
a:                  # a group, estimate
  x: 1.0
  y: 2.0            # [paper]
b: {u: 1, v: 2}     # estimates
c: 3                # [ext]; value estimate
d: 4                # [paper]
e:                  # sourced
  z: 5
"""
    assert space.marked_keys(text) == ["a.x", "b.u", "b.v", "c"]


def test_every_estimate_of_the_defaults_is_in_the_space_and_nothing_sourced():
    keys = [e.key for e in space.estimates(0.5)]
    assert len(keys) > 150
    assert "islamic_state.p_attack" in keys and "economy.goods.fuel.value" in keys
    assert "economy.informal_tax_share" not in keys  # Duffy et al. 2019
    assert "population.initial_displaced_share" not in keys  # [paper]


def test_ranges_stay_valid_for_every_estimate():
    for e in space.estimates(0.5):
        assert e.low < e.default < e.high or e.low <= e.default <= e.high, e
        for x in (e.low, e.high):
            config.checked_parameter(e.key, e.value(x))  # raises on an invalid value


def test_a_range_given_outright_replaces_default_plus_minus_the_relative_share(study):
    key = "islamic_state.attack_min_exchange"
    assert study["ranges"] == {key: [0.3, 4.0]}
    given = {e.key: e for e in design.design({**study, "trajectories": 2}).estimates}
    assert (given[key].low, given[key].high) == (0.3, 4.0)
    relative = {e.key: e for e in design.design({**study, "trajectories": 2, "ranges": {}}).estimates}
    assert (relative[key].low, relative[key].high) == pytest.approx((1.65, 4.95))


@pytest.mark.parametrize(
    ("ranges", "problem"),
    [
        ({"islamic_state.no_such_thing": [0, 1]}, "not a numeric estimate"),
        ({"economy.informal_tax_share": [0.1, 0.2]}, "not a numeric estimate"),  # sourced, not an estimate
        ({"islamic_state.attack_min_exchange": [4.0, 0.3]}, "not below"),
        ({"islamic_state.attack_min_exchange": "12"}, "not a pair of numbers"),
        ({"islamic_state.attack_min_exchange": [1, 2, 3]}, "not a pair of numbers"),
        ({"economy.bribe_share": [0.1, 1.5]}, "1.5 is not allowed"),
    ],
)
def test_a_bad_range_is_refused_naming_the_key(ranges, problem):
    with pytest.raises(ConfigError) as err:
        space.estimates(0.5, ranges)
    assert err.value.key == f"sensitivity.ranges.{next(iter(ranges))}"
    assert problem in err.value.problem


def test_a_daily_persistence_varies_through_its_daily_loss():
    low, high = space.parameter_range("strikes.escalation_decay", 0.97, 0.5, whole=False)
    assert (low, high) == pytest.approx((0.955, 0.985))


def test_shares_are_clipped_to_one_and_counts_stay_at_least_one():
    assert space.parameter_range("economy.pmf_registered_share", 0.8, 0.5, whole=False)[1] == 1.0
    assert space.parameter_range("security.clash_rounds", 1.0, 0.5, whole=True)[0] == 1.0


def test_every_group_pattern_of_the_preset_matches_an_estimate(study):
    keys = [e.key for e in space.estimates(study["relative_range"])]
    for name, patterns in study["groups"].items():
        for pattern in patterns:
            assert any(space.group_of(k, {name: [pattern]}) == name for k in keys), (name, pattern)


def test_the_design_moves_one_factor_per_step_and_every_estimate_of_a_group_together(study):
    d = design.design({**study, "trajectories": 2})
    per = len(d.factors) + 1
    steps = np.abs(np.diff(d.rows.reshape(2, per, -1), axis=1)) > 0
    assert (steps.sum(axis=2) == 1).all()
    a, b = d.values(d.rows[0]), d.values(d.rows[1])
    moved = {d.factors[d.factor_of[i]] for i, e in enumerate(d.estimates) if a[e.key] != b[e.key]}
    assert len(moved) <= 1


def test_a_rows_seeds_depend_on_its_values_not_its_position(study):
    d = design.design({**study, "trajectories": 2})
    shuffled = d.rows[::-1]
    assert [d.seeds(r) for r in shuffled] == [d.seeds(r) for r in d.rows][::-1]
    other_seed = design.design({**study, "trajectories": 2, "seed": 1})
    assert other_seed.seeds(d.rows[0]) != d.seeds(d.rows[0])


def toy_runs(d: design.Design, noise: float) -> pd.DataFrame:
    """Runs of a toy 'model' of known effects: the strike raises attacks by 10 x p_attack's share of
    its range (plus seed noise); the baseline by 4 x the badia inflow share; nothing else matters."""
    records = []
    for row in d.rows:
        v, key = d.values(row), d.key(row)
        p_attack = next(e for e in d.estimates if e.key == "islamic_state.p_attack")
        share = (v[p_attack.key] - p_attack.low) / (p_attack.high - p_attack.low)
        badia = next(e for e in d.estimates if e.key == "islamic_state.badia_inflow_members_per_month")
        inflow = (v[badia.key] - badia.low) / (badia.high - badia.low)
        for seed in d.seeds(row):
            jitter = noise * np.random.default_rng(seed).standard_normal()
            base = 4 * inflow + jitter
            records += [
                {"row": key, "scenario": "baseline", "seed": seed, "is_attacks_total": base},
                {"row": key, "scenario": "strike", "seed": seed, "is_attacks_total": base + 10 * share},
            ]
    return pd.DataFrame.from_records(records)


def test_morris_on_a_toy_function_finds_the_active_factors_and_gives_inert_ones_zero(study):
    d = design.design({**study, "trajectories": 6})
    table = analysis.contrast_table(
        toy_runs(d, noise=0.0), "baseline", ["strike"], {"IS attacks": "is_attacks_total"}
    )
    found = analysis.indices(d, table, levels=4).set_index(["contrast", "factor"])
    contrast = found.loc["strike - baseline"]
    assert contrast.loc["IS attack decision", "mu_star"] == pytest.approx(10.0)  # linear: every effect is 10
    assert contrast.loc["IS attack decision", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert contrast.drop("IS attack decision")["mu_star"].max() == pytest.approx(
        0.0, abs=1e-9
    )  # CRN cancel the rest
    level = found.loc["level"]
    assert level.loc["IS Badia stock", "mu_star"] == pytest.approx(4.0)
    assert level.drop("IS Badia stock")["mu_star"].max() == pytest.approx(0.0, abs=1e-9)


def test_seed_noise_shows_in_the_noise_factor_and_common_seeds_keep_it_out_of_contrasts(study):
    d = design.design({**study, "trajectories": 6})
    table = analysis.contrast_table(
        toy_runs(d, noise=1.0), "baseline", ["strike"], {"IS attacks": "is_attacks_total"}
    )
    found = analysis.indices(d, table, levels=4).set_index(["contrast", "factor"])
    assert found.loc[("level", space.NOISE), "mu_star"] > 0.3
    assert found.loc[("strike - baseline", space.NOISE), "mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert found.loc[("level", "IS Badia stock"), "rank"] == 1


def test_a_trajectory_with_a_missing_run_is_left_out_whole(study):
    d = design.design({**study, "trajectories": 3})
    runs = toy_runs(d, noise=0.0)
    runs = runs.drop(index=runs.index[(runs["row"] == d.key(d.rows[1])) & (runs["scenario"] == "strike")])
    table = analysis.contrast_table(runs, "baseline", ["strike"], {"IS attacks": "is_attacks_total"})
    found = analysis.indices(d, table, levels=4)
    assert set(found.loc[found["contrast"] == "strike - baseline", "trajectories"]) == {2}
    assert set(found.loc[found["contrast"] == "level", "trajectories"]) == {3}


# -- a small study end to end ---------------------------------------------------------------
def morris_cli(sweep_dir: Path) -> subprocess.CompletedProcess:
    args = [BORDERSIM, "-m", "--config-dir", str(TEST_CONFIGS), "experiment=morris_small",
            "hydra/launcher=basic", f"hydra.sweep.dir={sweep_dir}"]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("morris") / "study"
    return root, morris_cli(root)


@pytest.mark.slow
def test_a_small_study_runs_every_row_in_every_scenario_and_reports(small_study):
    root, done = small_study
    assert done.returncode == 0, done.stderr[-2000:]
    study = json.loads((root / "study.json").read_text())
    assert sorted(study["factors"][:-1]) == ["Islamic State", "everything else", "strikes"]
    assert study["factors"][-1] == space.NOISE
    assert len(list((root / RUNS).glob("*/*.json"))) == study["n_runs"]
    found = pd.read_csv(root / "morris" / "morris.csv")
    contrasts = {
        "level",
        *(f"{s} - baseline" for s in ("strike", "militia_drawdown", "us_withdrawal", "reopening")),
    }
    assert set(found["contrast"]) == contrasts
    assert set(found["outcome"]) == {"IS attacks", "militia fighters", "smuggling"}
    assert (found["mu_star"] >= 0).all()
    page = (root / "morris" / "morris.md").read_text()
    assert "![Morris screening: strike - baseline](morris_strike___baseline.png)" in page
    assert (root / "morris" / "morris_strike___baseline.svg").is_file()


@pytest.mark.slow
def test_a_resumed_study_runs_only_the_missing_runs_and_gives_the_same_indices(small_study):
    root, done = small_study
    assert done.returncode == 0, done.stderr[-2000:]
    before = pd.read_csv(root / "morris" / "morris.csv")
    files = sorted((root / RUNS).glob("*/*.json"))
    removed = files[3]
    removed.unlink()
    kept = {p: p.stat().st_mtime_ns for p in files if p != removed}
    again = morris_cli(root)
    assert again.returncode == 0, again.stderr[-2000:]
    assert removed.is_file()
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    pd.testing.assert_frame_equal(pd.read_csv(root / "morris" / "morris.csv"), before)

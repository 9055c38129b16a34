"""Sobol' indices of the factors that matter (bordersim.sensitivity): the design and its seeds, the
analysis recovering the Ishigami function's known indices through the same pipeline, the ranking
read from a Morris study, clear errors for bad settings, and a small study end to end with resume."""

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
from bordersim.sensitivity import analysis, design, ranking, sobol, space
from bordersim.sensitivity.runner import RUNS

BORDERSIM = str(Path(sys.executable).with_name("bordersim"))
ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIGS = ROOT / "tests" / "configs"
ISHIGAMI_FACTORS = ["IS attack decision", "IS Badia stock", "retaliation and escalation"]


@pytest.fixture(scope="module")
def study() -> dict:
    return preset_settings(ROOT / "configs" / "experiment" / "sobol.yaml", ("estimates", "contrasts"))


def ishigami(x: np.ndarray) -> float:
    """Ishigami and Homma's function (a = 7, b = 0.1) on [-pi, pi]^3."""
    return float(np.sin(x[0]) + 7 * np.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * np.sin(x[0]))


def test_sobol_pipeline_recovers_the_ishigami_indices(study):
    d = design.design({**study, "factors": ISHIGAMI_FACTORS, "samples": 1024})
    records = []
    for row in d.rows:  # the 'strike' adds Ishigami of the row's shares mapped onto [-pi, pi]
        key, seed = d.key(row), d.seeds(row)[0]
        y = ishigami(-np.pi + 2 * np.pi * row[:3])
        records += [{"row": key, "scenario": "baseline", "seed": seed, "out": 1.0},
                    {"row": key, "scenario": "strike", "seed": seed, "out": 1.0 + y}]  # fmt: skip
    table = analysis.contrast_table(pd.DataFrame.from_records(records), "baseline", ["strike"], {"Y": "out"})
    found = sobol.final(sobol.indices(d, table)).set_index(["contrast", "factor"]).loc["strike - baseline"]
    assert found.loc[ISHIGAMI_FACTORS, "S1"].to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.05)
    assert found.loc[ISHIGAMI_FACTORS, "ST"].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.05)
    assert found.loc[space.NOISE, "ST"] == pytest.approx(0.0, abs=1e-9)  # the seeds do not enter Ishigami
    assert (found["ST_conf"] < 0.15).all()
    checked = sobol.convergence(sobol.indices(d, table), tolerance=0.1).set_index("contrast")
    assert checked.loc["strike - baseline", ["half", "full"]].tolist() == [512, 1024]
    assert checked.loc["strike - baseline", "stable"]


def test_the_first_half_of_a_sobol_design_is_the_design_at_half_size(study):
    full = design.design({**study, "samples": 16})
    half = design.design({**study, "samples": 8})
    assert full.block == len(study["factors"]) + 3  # factors, noise, A and B
    np.testing.assert_array_equal(full.rows[: len(half.rows)], half.rows)


def test_a_base_samples_rows_share_seeds_except_where_the_noise_factor_moves(study):
    d = design.design({**study, "samples": 4})
    block = d.rows[: d.block]  # A, A with each factor from B (the noise factor last), B
    seeds = [d.seeds(row)[0] for row in block]
    assert len(set(seeds[:-2])) == 1 and seeds[-2] == seeds[-1] != seeds[0]
    assert len({d.key(row) for row in block}) == d.block  # every row its own runs


def test_sobol_studies_only_the_chosen_factors_and_leaves_the_rest_at_their_defaults(study):
    d = design.design({**study, "factors": ["IS attack decision"], "samples": 4})
    assert d.uncertain == ["IS attack decision"] and d.factors[-1] == space.NOISE
    assert {e.key.split(".")[0] for e in d.estimates} == {"islamic_state"}
    assert "islamic_state.p_attack" in d.values(d.rows[0])


def morris_csv(root: Path, rows: list[tuple[str, str, str, float]]) -> Path:
    (root / "morris").mkdir(parents=True)
    frame = pd.DataFrame(rows, columns=["contrast", "outcome", "factor", "mu_star"])
    frame.to_csv(root / ranking.MORRIS_CSV, index=False)
    return root


def test_the_ranking_takes_the_factors_strongest_on_any_contrast_and_skips_level_and_noise(tmp_path):
    root = morris_csv(tmp_path, [
        ("level", "IS attacks", "a", 1000.0), ("level", "IS attacks", "b", 1.0),
        ("strike - baseline", "IS attacks", "a", 1.0), ("strike - baseline", "IS attacks", "b", 50.0),
        ("strike - baseline", "IS attacks", space.NOISE, 80.0),
        ("strike - baseline", "escalation", "a", 0.02), ("strike - baseline", "escalation", "c", 0.01),
        ("strike - baseline", "escalation", "b", 0.005),
    ])  # fmt: skip
    # a leads escalation, b attacks: a tie on the largest share, which b's larger mean share breaks
    assert ranking.top_factors(root, 2, ["a", "b", "c"]) == ["b", "a"]
    with pytest.raises(ConfigError, match="sensitivity.morris: .* ranks factor 'c'"):
        ranking.top_factors(root, 2, ["a", "b"])


def test_unknown_factors_and_missing_morris_studies_are_named(study, tmp_path):
    with pytest.raises(ConfigError, match="sensitivity.factors: unknown factor 'IS morale'"):
        design.design({**study, "factors": ["IS morale"]})
    with pytest.raises(ConfigError, match="sensitivity.morris: no Morris study at"):
        design.design({**study, "morris": str(tmp_path / "nowhere")})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("override", "message"),
    [("sensitivity.factors=[IS morale]", "sensitivity.factors: unknown factor 'IS morale'"),
     ("sensitivity.morris=/nowhere", "sensitivity.morris: no Morris study at /nowhere")],
)  # fmt: skip
def test_the_command_stops_on_bad_settings_with_one_line_and_exit_2(tmp_path, override, message):
    args = [
        BORDERSIM,
        "-m",
        "experiment=sobol",
        override,
        "hydra/launcher=basic",
        f"hydra.sweep.dir={tmp_path}",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / RUNS).exists()


# -- a small study end to end ---------------------------------------------------------------
def sobol_cli(sweep_dir: Path) -> subprocess.CompletedProcess:
    args = [BORDERSIM, "-m", "--config-dir", str(TEST_CONFIGS), "experiment=sobol_small",
            "hydra/launcher=basic", f"hydra.sweep.dir={sweep_dir}"]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("sobol") / "study"
    return root, sobol_cli(root)


@pytest.mark.slow
def test_a_small_sobol_study_runs_every_row_in_every_scenario_and_reports(small_study):
    root, done = small_study
    assert done.returncode == 0, done.stderr[-2000:]
    study = json.loads((root / "study.json").read_text())
    assert study["uncertain"] == ["Islamic State"] and study["factors"][-1] == space.NOISE
    assert study["n_runs"] == 4 * 4 * 2 == len(list((root / RUNS).glob("*/*.json")))
    found = pd.read_csv(root / "sobol" / "sobol.csv")
    assert set(found["contrast"]) == {"level", "strike - baseline"}
    assert set(found["samples"]) == {2, 4}  # half and full, for the convergence check
    checked = pd.read_csv(root / "sobol" / "convergence.csv")
    assert {"max_change_ST", "intervals_overlap", "stable"} <= set(checked.columns)
    page = (root / "sobol" / "sobol.md").read_text()
    assert "## Convergence" in page
    assert "![Sobol' indices: strike - baseline](sobol_strike___baseline.png)" in page


@pytest.mark.slow
def test_a_resumed_sobol_study_runs_only_the_missing_runs_and_gives_the_same_indices(small_study):
    root, done = small_study
    assert done.returncode == 0, done.stderr[-2000:]
    before = pd.read_csv(root / "sobol" / "sobol.csv")
    files = sorted((root / RUNS).glob("*/*.json"))
    removed = files[5]
    removed.unlink()
    kept = {p: p.stat().st_mtime_ns for p in files if p != removed}
    again = sobol_cli(root)
    assert again.returncode == 0, again.stderr[-2000:]
    assert removed.is_file()
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    pd.testing.assert_frame_equal(pd.read_csv(root / "sobol" / "sobol.csv"), before)

"""The ``bordersim`` command: a short run's files, reproducibility against the Python API,
and bad input stopped with one clear message (the key and what is allowed), a non-zero
exit, no traceback and no files left in the run directory.

Every command of this module runs once, all of them side by side (``cli``), since most of
their cost is starting Python.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

CLI = str(Path(sys.executable).with_name("bordersim"))

#: every test here runs the installed command in a subprocess
pytestmark = pytest.mark.slow

BROKEN_YAML = "name: broken\nextent: {lat_min: 34.15, lat_max: 34.65\nplaces: [\n"
#: name -> (arguments, text the error must contain: the key, then what is allowed)
BAD_INPUT = {
    "unknown_key": (["colour=red"], ["colour", "unknown key", "days", "seed"]),
    "wrong_type": (["days=abc"], ["days", "'abc'", "integer >= 1"]),
    "zero_days": (["days=0"], ["days", "integer >= 1"]),
    "probability_above_one": (
        ["params.economy.bribe_share=1.5"],
        ["params.economy.bribe_share", "[0.0, 1.0]"],
    ),
    "negative_strength": (["forces.militias.0.fighters=-5"], ["forces.militias[0].fighters", "[0.0, inf]"]),
    "place_outside_grid": (
        ["geography.places.husaybah.lat=40.0"],
        ["geography.places.husaybah", "lat 34.150"],
    ),
    "unknown_base": (
        ["forces.militias.0.base=nowhere"],
        ["forces.militias[0].base", "'nowhere'", "abu_kamal"],
    ),
    "malformed_geography_yaml": (["geography=broken"], ["broken.yaml", "line 3", "valid YAML"]),
    "scenario_argument_type": (
        ["scenario=[strike]", "scenario.strike.rate_per_week=abc"],
        ["rate_per_week", "not a number"],
    ),
    "unknown_scenario": (["scenario=[strike,nope]"], ["scenario", "'nope'", "reopening", "us_withdrawal"]),
}


@pytest.fixture(scope="module")
def user_config_dir(tmp_path_factory) -> Path:
    """A --config-dir holding a geography file that is not valid YAML."""
    folder = tmp_path_factory.mktemp("user_configs")
    (folder / "geography").mkdir()
    (folder / "geography" / "broken.yaml").write_text(BROKEN_YAML)
    return folder


@pytest.fixture(scope="module")
def cli(tmp_path_factory, user_config_dir, bordersim_cli, short_run_overrides):
    """Run every command of this module side by side: name -> (completed process, run dir)."""
    root = tmp_path_factory.mktemp("cli_runs")
    user = ["--config-dir", str(user_config_dir)]
    commands = {
        name: (user if name.startswith("malformed") else []) + args for name, (args, _) in BAD_INPUT.items()
    }
    commands["short_run"] = [o for o in short_run_overrides if not o.startswith("write_spatial")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(bordersim_cli, args, root / name) for name, args in commands.items()}
        return {name: (f.result(), root / name) for name, f in futures.items()}


# -- a good run ------------------------------------------------------------------------------
def test_short_run_writes_daily_parquet_summary_json_and_hydra_records(cli):
    proc, out = cli["short_run"]
    assert proc.returncode == 0, proc.stderr
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 30
    assert {"is_members", "militia_revenue", "escalation", "employment"} <= set(daily.columns)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 1
    assert summary["config"]["days"] == 30
    assert summary["config"]["params"]["economy"]["checkpoint_tax_per_trip"] > 0
    assert (out / ".hydra" / "config.yaml").is_file()
    assert (out / ".hydra" / "overrides.yaml").is_file()
    assert (out / "maps.npz").is_file() and (out / "strikes.parquet").is_file()
    assert not list(out.glob(".*.tmp*"))  # no temporary files left behind


def test_short_run_prints_a_short_summary_not_a_log_per_step(cli):
    proc, out = cli["short_run"]
    lines = (proc.stdout + proc.stderr).splitlines()
    assert len(lines) < 25
    assert "seed 1" in proc.stdout and str(out) in proc.stdout
    assert not any("Step " in line or "INFO" in line for line in lines)


def test_cli_run_and_api_run_with_the_same_config_and_seed_are_identical(cli, short_run):
    proc, out = cli["short_run"]
    daily = pd.read_parquet(out / "daily.parquet")
    pd.testing.assert_frame_equal(daily, short_run.daily, check_dtype=False)


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_stops_with_one_clear_message_and_no_files(cli, case):
    proc, out = cli[case]
    expected = BAD_INPUT[case][1]
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    message = proc.stderr.strip()
    assert message.startswith("error: "), message
    assert len(message.splitlines()) == 1, message
    for text in expected:
        assert text in message
    assert "allowed" in message
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.iterdir())
    assert "outputs:" not in proc.stdout


def test_help_lists_the_config_groups_and_run_keys_without_composing(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "my_plan.yaml").write_text("# @package scenario.my_plan\nevents: []\n")
    shown = subprocess.run(
        [CLI, "--config-dir", str(tmp_path), "--help"], capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0
    assert "scenario    baseline, history_2019_2020, militia_drawdown, my_plan," in shown.stdout
    assert "days=365" in shown.stdout and "--hydra-help" in shown.stdout

"""The whole model (MODEL.md 3, 4.9, 8): the daily schedule, the outputs of a short run,
reproducibility from (config, seed), and the Python API."""

from __future__ import annotations

import gc
import logging

import pandas as pd
import pytest
import yaml

import bordersim
from bordersim.actors import orbat
from bordersim.metrics import DAILY_METRICS

#: MODEL.md section 8, one daily column (or family of columns) per listed output.
SECTION_8 = [
    "is_members", "is_attacks", "is_infiltrations", "militia_fighters_irgc", "militia_fighters_najaf",
    "militia_revenue", "convoys_completed", "strikes", "strike_casualties", "civilian_harm", "retaliations",
    "escalation", "state_control_share", "militia_control_share", "is_control_share",
    "smuggling_trips_official", "smuggling_trips_informal", "smuggling_trips_farmland",
    "smuggling_trips_desert", "smuggling_value_official", "smuggling_value_informal",
    "smuggling_value_farmland", "smuggling_value_desert",
    "legal_trade_trucks", "legal_trade_value", "interdictions", "bribes", "displaced_share",
    "mean_grievance", "farmland_access", "employment",
]  # fmt: skip
SHARES = [
    "state_control_share", "militia_control_share", "is_control_share", "displaced_share",
    "mean_grievance", "farmland_access", "border_detection",
]  # fmt: skip


def test_api_run_returns_one_row_per_day_with_the_section_8_metrics(short_run):
    daily = short_run.daily
    assert len(daily) == 30
    assert daily["day"].tolist() == list(range(30))
    assert daily["date"].iloc[0] == pd.Timestamp("2019-06-01")
    assert daily["date"].iloc[-1] == pd.Timestamp("2019-06-30")
    assert set(SECTION_8) <= set(daily.columns)
    assert set(DAILY_METRICS) <= set(daily.columns)


def test_summary_carries_seed_scenario_resolved_config_and_outcomes(short_run):
    s = short_run.summary
    assert s["seed"] == 1
    assert s["scenario"] == ["baseline"]
    assert s["start_date"] == "2019-06-01"
    assert s["config"]["days"] == 30 and s["config"]["seed"] == 1
    assert s["config"]["params"]["population"]["epstein_k"] == 2.3
    assert "hydra" not in s["config"]
    out = s["outcomes"]
    assert out["days"] == 30
    assert out["is_attacks_total"] == pytest.approx(short_run.daily["is_attacks"].sum())
    assert out["is_members_end"] == short_run.daily["is_members"].iloc[-1]


def test_daily_metrics_stay_in_their_ranges(short_run):
    daily = short_run.daily
    for col in SHARES:
        assert daily[col].between(0.0, 1.0).all(), col
    assert (daily[DAILY_METRICS].fillna(0) >= 0).all().all()
    assert (
        daily["militia_fighters"] == daily["militia_fighters_irgc"] + daily["militia_fighters_najaf"]
    ).all()
    by_kind = daily[[f"smuggling_trips_{k}" for k in ("official", "informal", "farmland", "desert")]].sum(
        axis=1
    )
    assert (by_kind == daily["smuggling_trips"]).all()


def test_status_quo_month_has_smuggling_under_militia_taxation_and_no_legal_trade(short_run):
    daily = short_run.daily
    assert daily["smuggling_trips"].sum() > 0
    assert daily["militia_revenue"].sum() > 0  # P2: trade goes on under militia supervision
    assert daily["legal_trade_trucks"].sum() == 0  # the crossing is closed in mid-2019
    assert (daily["us_present"] == 1).all()
    assert daily["is_members"].min() > 0


def test_same_config_and_seed_give_identical_daily_outputs(short_run, short_run_overrides):
    again = bordersim.run(overrides=short_run_overrides)
    pd.testing.assert_frame_equal(short_run.daily, again.daily)
    assert again.summary["outcomes"] == short_run.summary["outcomes"]


def test_another_seed_gives_another_run(config_with):
    a = bordersim.run(config_with(days=20, seed=11))
    b = bordersim.run(config_with(days=20, seed=12))
    assert not a.daily.equals(b.daily)


def test_border_model_can_be_built_from_a_config_and_stepped():
    model = bordersim.BorderModel(bordersim.compose_config(["days=10", "seed=2", "spin_up_days=0"]))
    assert model.days == 10
    for _ in range(3):
        model.step()
    assert model.day == 2
    assert str(model.date) == "2019-06-03"
    assert model.recorder.days_recorded == 3
    frame = model.recorder.frame()
    assert len(frame) == 3 and frame["smuggling_trips"].sum() > 0


@pytest.mark.parametrize("collector_on", [True, False])
def test_building_the_model_leaves_the_garbage_collector_as_it_found_it(
    config_with, monkeypatch, collector_on
):
    """The build pauses the cyclic collector; after it, or after a build that fails, the
    collector is on or off as before."""
    seen_while_building = []

    def tribes_then_fail(model):
        seen_while_building.append(gc.isenabled())
        raise RuntimeError("a build that fails")

    was = gc.isenabled()
    try:
        gc.enable() if collector_on else gc.disable()
        bordersim.BorderModel(config_with(), days=3)
        assert gc.isenabled() is collector_on
        monkeypatch.setattr(orbat, "build_tribes", tribes_then_fail)
        with pytest.raises(RuntimeError, match="a build that fails"):
            bordersim.BorderModel(config_with(), days=3)
        assert seen_while_building == [False]
        assert gc.isenabled() is collector_on
    finally:
        gc.enable() if was else gc.disable()


def test_border_model_takes_top_level_overrides_as_keywords(config_with):
    model = bordersim.BorderModel(config_with(), days=7, seed=5)
    model.run()
    assert model.recorder.days_recorded == 7
    assert model.config.seed == 5


def test_bad_value_through_the_api_raises_a_config_error_naming_the_key():
    with pytest.raises(bordersim.ConfigError) as err:
        bordersim.run(overrides=["params.economy.bribe_share=1.5", "days=5"])
    assert err.value.key == "params.economy.bribe_share"
    assert "[0.0, 1.0]" in err.value.allowed


def test_mesa_does_not_log_every_step_at_info_level(config_with, caplog):
    with caplog.at_level(logging.INFO):
        bordersim.run(config_with(days=5))
    assert not [r for r in caplog.records if r.name.startswith("MESA") and r.levelno < logging.WARNING]


@pytest.mark.parametrize(
    ("overrides", "key", "allowed"),
    [
        (["+params.economy.nope=1"], "params.economy.nope", "haul_days"),
        (["params.economy.bribe_share=abc"], "params.economy.bribe_share", "[0.0, 1.0]"),
        (["params.population.arrest_function=linear"], "params.population.arrest_function", "floor"),
        (["forces.tribes.0.patron=france"], "forces.tribes[0].patron", "us | state | sdf | none"),
        (["start_date=2019-13-01"], "start_date", "YYYY-MM-DD"),
    ],
)
def test_bad_parameters_are_refused_naming_the_key_and_what_is_allowed(overrides, key, allowed):
    with pytest.raises(bordersim.ConfigError) as err:
        bordersim.run(overrides=[*overrides, "days=5"])
    assert err.value.key == key
    assert allowed in err.value.allowed


def test_malformed_geography_file_is_refused_naming_the_broken_field(tmp_path, tiny_geography):
    (tmp_path / "geography").mkdir()
    tiny_geography["river"]["line"] = [[33.45, 38.60]]
    (tmp_path / "geography" / "noriver.yaml").write_text(yaml.safe_dump(tiny_geography))
    cfg = bordersim.compose_config([f"hydra.searchpath=[file://{tmp_path}]", "geography=noriver", "days=5"])
    with pytest.raises(bordersim.ConfigError) as err:
        bordersim.run(cfg)
    assert err.value.key == "geography.river.line"
    assert "[lat, lon]" in err.value.allowed


def test_the_package_api_is_callable_whichever_module_was_imported_first():
    import bordersim.api
    import bordersim.model

    assert callable(bordersim.run) and bordersim.run is bordersim.api.run
    assert bordersim.BorderModel is bordersim.model.BorderModel

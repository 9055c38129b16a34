"""Scenarios (MODEL.md 1, 6): interventions as dated config data, composed with Hydra.

The effect tests compare each scenario with the baseline over paired seeds (common random
numbers: the same seed in both), after the spin-up, with each intervention on day 5 of 180
recorded days. An effect is shown when the 95% t-interval of the paired differences lies on
the claimed side of 0. The seeds per scenario come from the power calculation in
docs/ODD.md 8.2: enough for 80% power (90% for the strike's civilian harm) at the effect
sizes measured over 10 seeds. The withdrawal's effect on infiltration is tested as its
mechanism in tests/test_crossings.py.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import stats

import bordersim
from bordersim.errors import ConfigError

SHORT = ["days=180", "write_spatial=false"]
#: Seeds per scenario (docs/ODD.md 8.2); the baseline runs the most of them, for pairing.
SEEDS = {"baseline": 20, "strike": 8, "reopening": 3, "militia_drawdown": 20, "us_withdrawal": 3}
SCENARIOS = {
    "baseline": ["scenario=[baseline]"],
    "strike": ["scenario=[strike]", "scenario.strike.start=5"],
    "reopening": ["scenario=[reopening]", "scenario.reopening.date=5"],
    "militia_drawdown": ["scenario=[militia_drawdown]", "scenario.militia_drawdown.date=5"],
    "us_withdrawal": ["scenario=[us_withdrawal]", "scenario.us_withdrawal.date=5"],
}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[dict]]:
    """Summary outcomes of every scenario for its seeds (composed once per scenario)."""
    out = {}
    for name, overrides in SCENARIOS.items():
        cfg = bordersim.config.plain(bordersim.compose_config([*overrides, *SHORT]))
        out[name] = [bordersim.run({**cfg, "seed": seed}).summary["outcomes"] for seed in range(SEEDS[name])]
    return out


def paired(outcomes: dict, scenario: str, metric: str) -> tuple[float, float, float]:
    """Mean of scenario - baseline over paired seeds, with its 95% t-interval."""
    diff = np.array(
        [o[metric] - b[metric] for o, b in zip(outcomes[scenario], outcomes["baseline"], strict=False)]
    )
    half = stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
    return float(diff.mean()), float(diff.mean() - half), float(diff.mean() + half)


def raises(outcomes: dict, scenario: str, metric: str) -> bool:
    return paired(outcomes, scenario, metric)[1] > 0


def lowers(outcomes: dict, scenario: str, metric: str) -> bool:
    return paired(outcomes, scenario, metric)[2] < 0


# -- effects -------------------------------------------------------------------------------
@pytest.mark.slow
def test_strike_campaign_lowers_militia_fighters(outcomes):
    assert lowers(outcomes, "strike", "militia_fighters_end")


@pytest.mark.slow
def test_strike_campaign_raises_civilian_harm(outcomes):
    assert raises(outcomes, "strike", "civilian_harm_total")


@pytest.mark.slow
def test_strike_campaign_raises_escalation_and_retaliation(outcomes):
    assert raises(outcomes, "strike", "escalation_mean")
    assert raises(outcomes, "strike", "retaliations_total")


@pytest.mark.slow
def test_reopening_raises_legal_trade_employment_and_militia_crossing_revenue(outcomes):
    for metric in ("legal_trade_trucks_total", "employment_mean", "militia_crossing_revenue_total"):
        assert raises(outcomes, "reopening", metric), metric


@pytest.mark.slow
def test_reopening_leaves_smuggling_going_on(outcomes):
    # P5: smuggling persists beside legal trade: every reopening run keeps most of its runs
    for o, b in zip(outcomes["reopening"], outcomes["baseline"], strict=False):
        assert o["smuggling_trips_total"] > 0.5 * b["smuggling_trips_total"]


@pytest.mark.slow
def test_militia_drawdown_spares_islamic_state_cells_from_clearing(outcomes):
    """Fewer militia fighters hunting: fewer IS members caught by hunts."""
    assert lowers(outcomes, "militia_drawdown", "is_arrested_total")


@pytest.mark.slow
@pytest.mark.xfail(
    reason="mean IS members +0.3 (95% CI -8.8..9.5) over these 20 seeds x 180 days, against +13.4 "
    "(0.3..26.5) when cells struck any post: the arrests a drawdown spares (-30, -51..-9) are about "
    "as before (-37), so the effect on members is small beside a run's noise (d = 0.48 before, "
    "~28 seeds; docs/ODD.md 8.2). "
    "Strict, so this fails once the model shows the claim at these seeds",
    strict=True,
)
def test_militia_drawdown_raises_islamic_state_members(outcomes):
    assert raises(outcomes, "militia_drawdown", "is_members_mean")


@pytest.mark.slow
def test_militia_drawdown_raises_islamic_state_attacks(outcomes):
    """Thinner posts are worth striking more often (MODEL.md 7.7): the dilemma, for attacks."""
    assert raises(outcomes, "militia_drawdown", "is_attacks_total")


@pytest.mark.slow
def test_strike_campaign_raises_islamic_state_attacks(outcomes):
    """Fighters killed and units dispersed by strikes leave posts IS finds worth striking."""
    assert raises(outcomes, "strike", "is_attacks_total")


@pytest.mark.slow
def test_us_withdrawal_lowers_border_detection(outcomes):
    assert lowers(outcomes, "us_withdrawal", "border_detection_mean")


@pytest.mark.slow
def test_us_withdrawal_turns_unpaid_tribes_to_extortion(outcomes):
    assert raises(outcomes, "us_withdrawal", "tribes_extorting_mean")


# -- composition and parameters --------------------------------------------------------------
def test_composed_scenarios_apply_both_interventions():
    cfg = bordersim.compose_config(
        [
            "scenario=[reopening,strike]",
            "scenario.reopening.date=2019-06-05",
            "scenario.strike.start=2019-06-05",
            "days=90",
            "seed=1",
            "write_spatial=false",
        ]
    )
    result = bordersim.run(cfg)
    assert result.summary["scenario"] == ["reopening", "strike"]
    assert {e["do"] for e in result.summary["events_fired"]} == {"open_crossing", "start_air_campaign"}
    out = result.summary["outcomes"]
    assert out["legal_trade_trucks_total"] > 0
    assert out["strikes_total"] >= 10  # the background rate alone gives about 2 in 90 days


@pytest.mark.slow
def test_strike_rate_override_changes_the_number_of_strikes():
    def strikes(rate: float) -> float:
        cfg = bordersim.compose_config(
            [
                "scenario=[strike]",
                "scenario.strike.start=2019-06-02",
                f"scenario.strike.rate_per_week={rate}",
                "params.strikes.background_rate_per_week=0",
                "days=60",
                "write_spatial=false",
            ]
        )
        return bordersim.run(cfg).summary["outcomes"]["strikes_total"]

    none, many = strikes(0.0), strikes(4.0)
    assert none <= 3  # only counter-strikes could remain
    assert many > 30


SCENARIO_PARAMETERS = {
    "strike": {
        "actor": "israel", "start": "2019-06-10", "end": "2019-08-01", "rate_per_week": 2.5,
        "sites_per_wave": 3, "effectiveness": 0.4, "collateral_radius_km": 2.0, "civilian_harm_prob": 0.5,
        "target_mix.convoy": 0.7,
    },
    "reopening": {
        "date": "2019-07-01", "capacity_trucks_per_day": 90, "customs_detection": 0.6,
        "militia_capture_share": 0.1, "jobs_per_truck": 4.0,
    },
    "militia_drawdown": {"date": "2019-07-01", "fraction": 0.25, "alignment": "najaf"},
    "us_withdrawal": {"date": "2019-07-01", "keep_air_power": False},
}  # fmt: skip
EVENT_ARG = {"start": "at", "date": "at"}


@pytest.mark.parametrize("scenario", sorted(SCENARIO_PARAMETERS))
def test_every_scenario_parameter_is_overridable_and_reaches_its_event(scenario):
    values = SCENARIO_PARAMETERS[scenario]
    cfg = bordersim.config.plain(
        bordersim.compose_config(
            [f"scenario=[{scenario}]"] + [f"scenario.{scenario}.{k}={v}" for k, v in values.items()]
        )
    )
    spec = cfg["scenario"][scenario]
    settable = set(spec) - {"description", "excludes", "events"}
    assert settable == {k.split(".")[0] for k in values}, "a scenario parameter is not covered here"
    (event,) = spec["events"]
    for key, value in values.items():
        if key in EVENT_ARG:
            got = event[EVENT_ARG[key]]
        elif "." in key:
            outer, inner = key.split(".")
            got = event["args"][outer][inner]
        else:
            got = event["args"][key]
        assert str(got) == str(value), key


# -- errors --------------------------------------------------------------------------------
def test_unknown_scenario_name_is_refused_listing_the_available_ones():
    with pytest.raises(ConfigError) as err:
        bordersim.compose_config(["scenario=[strike,surge]"])
    assert err.value.key == "scenario" and "'surge'" in err.value.problem
    for name in ("baseline", "history_2019_2020", "militia_drawdown", "reopening", "strike", "us_withdrawal"):
        assert name in err.value.allowed


def test_event_dated_outside_the_run_is_refused(config_with):
    cfg = bordersim.config.plain(bordersim.compose_config(["scenario=[reopening]", "days=30"]))
    with pytest.raises(ConfigError, match="falls outside the run") as err:
        bordersim.BorderModel(cfg)
    assert "scenario.reopening" in err.value.key
    assert "days 0..29" in err.value.allowed


@pytest.mark.parametrize(
    "combination", ["[baseline,strike]", "[history_2019_2020,reopening]", "[history_2019_2020,us_withdrawal]"]
)
def test_contradictory_scenarios_are_refused(combination):
    cfg = bordersim.config.plain(bordersim.compose_config([f"scenario={combination}"]))
    with pytest.raises(ConfigError, match="cannot be combined") as err:
        bordersim.BorderModel(cfg)
    assert err.value.key == "scenario"


def test_two_scenarios_withdrawing_the_us_twice_are_refused(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "early_exit.yaml").write_text(
        "# @package scenario.early_exit\nevents:\n  - {at: 10, do: us_withdrawal}\n"
    )
    cfg = bordersim.config.plain(
        bordersim.compose_config(
            [f"hydra.searchpath=[file://{tmp_path}]", "scenario=[early_exit,us_withdrawal]"]
        )
    )
    with pytest.raises(ConfigError, match="'us_withdrawal' would happen 2 times"):
        bordersim.BorderModel(cfg)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.strike.rate_per_week=abc", "rate_per_week"),
        ("scenario.strike.effectiveness=1.5", "effectiveness"),
        ("scenario.strike.end=2021-01-01", "args.end"),
        ("scenario.strike.actor=russia", "args.actor"),
    ],
)
def test_bad_scenario_parameter_is_refused_before_the_run_starts(override, key):
    cfg = bordersim.config.plain(bordersim.compose_config(["scenario=[strike]", override]))
    with pytest.raises(ConfigError) as err:
        bordersim.BorderModel(cfg)
    assert key in err.value.key


def test_user_scenario_file_in_a_config_folder_works_without_code_changes(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "my_scn.yaml").write_text(
        "# @package scenario.my_scn\n"
        'description: "a user\'s scenario: the crossing opens on day 2, the US leaves on day 4"\n'
        "excludes: [baseline]\n"
        "events:\n"
        "  - {at: 2, do: open_crossing, args: {capacity_trucks_per_day: 40}}\n"
        "  - {at: 4, do: us_withdrawal, args: {keep_air_power: false}}\n"
    )
    cfg = bordersim.compose_config(
        [f"hydra.searchpath=[file://{tmp_path}]", "scenario=[my_scn]", "days=10", "write_spatial=false"]
    )
    result = bordersim.run(cfg)
    assert result.summary["scenario"] == ["my_scn"]
    assert [(e["day"], e["do"]) for e in result.summary["events_fired"]] == [
        (2, "open_crossing"),
        (4, "us_withdrawal"),
    ]
    daily = result.daily
    assert daily["crossing_open"].tolist() == [0.0] * 2 + [1.0] * 8
    assert daily["us_present"].tolist() == [1.0] * 4 + [0.0] * 6
    assert daily["legal_trade_trucks"].iloc[2:].max() <= 40


# -- the 2019-2020 history -----------------------------------------------------------------
HISTORY = [
    ("2019-07-01", "start_air_campaign"),
    ("2019-09-09", "strike_wave"),
    ("2019-09-16", "strike_wave"),
    ("2019-09-30", "open_crossing"),
    ("2019-12-29", "strike_wave"),
    ("2020-01-03", "cohesion_shock"),
    ("2020-03-16", "us_withdrawal"),
]


@pytest.fixture(scope="module")
def history():
    return bordersim.run(bordersim.compose_config(["scenario=[history_2019_2020]", "write_spatial=false"]))


@pytest.mark.slow
def test_history_runs_from_june_2019_to_june_2020(history):
    daily = history.daily
    assert len(daily) == 396
    assert str(daily["date"].iloc[0].date()) == "2019-06-01"
    assert str(daily["date"].iloc[-1].date()) == "2020-06-30"


@pytest.mark.slow
def test_history_fires_its_dated_events_on_their_days(history):
    start = date(2019, 6, 1)
    expected = [((date.fromisoformat(d) - start).days, do) for d, do in HISTORY]
    assert [(e["day"], e["do"]) for e in history.summary["events_fired"]] == expected


@pytest.mark.slow
def test_history_opens_the_crossing_and_withdraws_the_us_on_the_calendar_dates(history):
    daily = history.daily.set_index(history.daily["date"].dt.strftime("%Y-%m-%d"))
    assert daily.loc["2019-09-29", "crossing_open"] == 0 and daily.loc["2019-09-30", "crossing_open"] == 1
    assert daily.loc["2020-03-15", "us_present"] == 1 and daily.loc["2020-03-16", "us_present"] == 0
    assert daily.loc["2019-12-29", "strikes"] >= 5


# -- the spin-up ------------------------------------------------------------------------------
def test_the_spin_up_settles_the_model_before_the_calendar_and_is_not_recorded():
    cfg = bordersim.compose_config(
        [
            "scenario=[reopening]",
            "scenario.reopening.date=0",
            "days=10",
            "spin_up_days=20",
            "write_spatial=false",
        ]
    )
    result = bordersim.run(cfg)
    assert result.model.steps == 30
    assert len(result.daily) == 10 and str(result.daily["date"].iloc[0].date()) == "2019-06-01"
    # the intervention fires on the calendar's first day, after the spin-up, never inside it
    assert [(e["day"], e["do"]) for e in result.summary["events_fired"]] == [(0, "open_crossing")]
    assert result.daily["crossing_open"].tolist() == [1.0] * 10
    # the model ran before day 0: its crews had begun to learn their routes
    cold = bordersim.run(bordersim.compose_config(["days=1", "spin_up_days=0", "write_spatial=false"]))
    assert result.daily["smuggling_trips"].iloc[0] > 1.5 * cold.daily["smuggling_trips"].iloc[0]


def test_a_negative_spin_up_is_refused():
    with pytest.raises(ConfigError) as err:
        bordersim.BorderModel(bordersim.config.plain(bordersim.compose_config(["spin_up_days=-1"])))
    assert err.value.key == "spin_up_days"

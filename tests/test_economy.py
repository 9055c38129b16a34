"""Smugglers, routes, the crossing and finances (MODEL.md 7.3, 7.5, 7.9).

Crews are driven one day at a time through ``Smugglers.run_day`` with a hand-made route picture, so
each test changes one thing (a tax, detection, a crew's memory) and reads what moved.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bordersim.actors.smuggler import learnt_risk
from bordersim.events import scenarios
from bordersim.world.economy import settle_finances

RIVER_FARMLAND = 2  # index of a popular informal route in the default geography
MILITIA_CROSSING = 1  # the informal route through militia checkpoints


def route_day(model, **changes):
    """Today's route picture of ``model`` with some fields replaced."""
    day = model.routes.day(model.detection, model.corruption, model.influence.control, model.crossing.open)
    return replace(day, **changes)


def crews_cash(model) -> float:
    return float(model.smugglers.table.cash[model.smugglers.table.rows].sum())


def test_checkpoint_tax_moves_money_from_smugglers_to_militias(make_model):
    def one_day(tax: float):
        # an indifferent logit keeps every crew's choice the same whatever the tax
        model = make_model({"params.economy.logit_scale": 1e12, "params.economy.p_trip": 1.0})
        only = np.zeros(len(model.routes.names), dtype=bool)
        only[MILITIA_CROSSING] = True
        day = route_day(
            model,
            available=only,
            tax=np.full(only.size, tax),
            tax_share=np.zeros(only.size),
            detection=np.zeros(only.size),
        )
        cash = crews_cash(model)
        runs = model.smugglers.run_day(day)
        taxed_runners = int((~model.smugglers.table.militia_run[runs.runners]).sum())
        return sum(m.income for m in model.militias), crews_cash(model) - cash, taxed_runners

    income_free, profit_free, runners = one_day(0.0)
    income_taxed, profit_taxed, runners_taxed = one_day(500.0)
    assert runners == runners_taxed > 0
    assert income_taxed - income_free == pytest.approx(500.0 * runners)
    assert profit_free - profit_taxed == pytest.approx(500.0 * runners)


def test_higher_detection_means_more_interdictions(make_model):
    def seizures(detection: float) -> float:
        model = make_model({"params.economy.logit_scale": 1e12, "params.economy.p_trip": 1.0})
        day = route_day(
            model,
            detection=np.full(len(model.routes.names), detection),
            corruption=np.zeros(len(model.routes.names)),
        )
        return sum(model.smugglers.run_day(day).interdictions.sum() for _ in range(3))

    low, high = seizures(0.05), seizures(0.5)
    assert high > 3 * low > 0


def test_corrupt_watchers_take_bribes_instead_of_seizing(make_model):
    model = make_model({"params.economy.logit_scale": 1e12, "params.economy.p_trip": 1.0})
    n = len(model.routes.names)
    runs = model.smugglers.run_day(route_day(model, detection=np.full(n, 0.8), corruption=np.ones(n)))
    assert runs.interdictions.sum() == 0
    assert runs.bribes.sum() > 0


def test_learnt_risk_follows_the_narcologic_formula(model):
    econ = model.params.economy
    a, b = econ.risk_alpha, econ.risk_beta
    t = model.smugglers.table
    row = t.rows[:1]
    saved = t.seen_interdictions[row].copy(), t.seen_runs[row].copy()
    try:
        t.seen_interdictions[row], t.seen_runs[row] = 0.0, 0.0
        assert learnt_risk(t, row, econ)[0, 0] == pytest.approx(a / (a + b))
        t.seen_interdictions[row, 0], t.seen_runs[row, 0] = 3.0, 10.0
        assert learnt_risk(t, row, econ)[0, 0] == pytest.approx((3 + a) / (10 + a + b))
    finally:
        t.seen_interdictions[row], t.seen_runs[row] = saved


def experienced(model) -> None:
    """Crews that have run every route often and were rarely stopped."""
    rows = model.smugglers.table.rows
    model.smugglers.table.seen_runs[rows] = 50.0
    model.smugglers.table.seen_interdictions[rows] = 1.0


def test_seized_runs_raise_the_learnt_risk_on_that_route(make_model):
    model = make_model()
    experienced(model)
    n = len(model.routes.names)
    detection = np.zeros(n)
    detection[RIVER_FARMLAND] = 0.9
    day = route_day(model, detection=detection, corruption=np.zeros(n))
    before = learnt_risk(model.smugglers.table, model.smugglers.table.rows, model.params.economy).mean(axis=0)
    seized = sum(model.smugglers.run_day(day).interdictions[RIVER_FARMLAND] for _ in range(5))
    after = learnt_risk(model.smugglers.table, model.smugglers.table.rows, model.params.economy).mean(axis=0)
    others = np.delete(np.arange(n), RIVER_FARMLAND)
    assert seized > 0
    assert after[RIVER_FARMLAND] > 1.5 * before[RIVER_FARMLAND]
    assert after[RIVER_FARMLAND] > after[others].max()


def test_smugglers_reroute_away_from_a_route_made_risky(make_model):
    model = make_model()
    experienced(model)
    n = len(model.routes.names)
    detection = np.zeros(n)
    detection[RIVER_FARMLAND] = 0.9
    day = route_day(model, detection=detection, corruption=np.zeros(n))
    trips = np.array([model.smugglers.run_day(day).trips for _ in range(15)])
    first, last = trips[:3].sum(axis=0), trips[-3:].sum(axis=0)
    assert last[RIVER_FARMLAND] < 0.5 * first[RIVER_FARMLAND]
    others = np.delete(np.arange(n), RIVER_FARMLAND)
    assert last[others].sum() > first[others].sum()  # diverted, not stopped


def test_open_crossing_carries_legal_trade_jobs_and_militia_fee_revenue(make_model):
    model = make_model()
    assert model.crossing.trade_day(model.rng, model.militias, model.today) == (0, 0)
    model.crossing.open_to_trade()
    trucks = value = 0
    for _ in range(10):
        model.today.clear()
        t, v = model.crossing.trade_day(model.rng, model.militias, model.today)
        trucks, value = trucks + t, value + v
    assert trucks > 0 and value > 0
    assert model.crossing.jobs > 0
    assert model.today["militia_crossing_revenue"] > 0
    assert sum(m.income for m in model.crossing.capturing_militias(model.militias)) > 0


def test_crossing_jobs_employ_labour_only_near_the_crossing(model):
    jobs = model.crossing.jobs
    try:
        model.crossing.jobs = 5000.0
        share = model.crossing.job_share(model.population.residents, 0.25)
        assert share[model.crossing.catchment].min() > 0
        assert share[~model.crossing.catchment].max() == 0
    finally:
        model.crossing.jobs = jobs


def test_unpaid_militia_fighters_desert(make_model):
    model = make_model({"params.economy.fighter_pay_per_day": 1e6})
    for m in model.militias:
        m.funds, m.income = 0.0, 0.0
    before = [m.fighters for m in model.militias]
    settle_finances(model.militias, model.tribes, model.params.economy, model.today)
    rate = model.params.economy.desertion_rate_per_day
    assert [m.fighters for m in model.militias] == pytest.approx([f * (1 - rate) for f in before])


def test_militia_funds_above_the_reserve_buy_recruits_at_the_recruit_rate(make_model):
    model = make_model()
    for m in model.militias:
        m.funds = 1e9
    before = [m.fighters for m in model.militias]
    settle_finances(model.militias, model.tribes, model.params.economy, model.today)
    rate = model.params.economy.recruit_rate_per_day
    assert [m.fighters for m in model.militias] == pytest.approx([f * (1 + rate) for f in before])


def test_militia_drawdown_caps_regrowth_of_the_drawn_down_units(make_model):
    model = make_model()
    scenarios.ACTIONS["militia_drawdown"](model, fraction=0.5, alignment="irgc")
    irgc = [m for m in model.militias if m.alignment == "irgc"]
    najaf = [m for m in model.militias if m.alignment == "najaf"]
    capped = [m.fighters for m in irgc]
    najaf_before = sum(m.fighters for m in najaf)
    for _ in range(30):
        for m in model.militias:
            m.funds = 1e9
        settle_finances(model.militias, model.tribes, model.params.economy, model.today)
    assert [m.fighters for m in irgc] == pytest.approx(capped)
    assert sum(m.fighters for m in najaf) > 1.05 * najaf_before

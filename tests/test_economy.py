"""Smugglers, routes, the crossing, the quarry road and finances (MODEL.md 7.3, 7.5, 7.9).

Crews are driven one day at a time through ``Smugglers.run_day`` with a hand-made route picture, so
each test changes one thing (a tax, detection, a crew's memory) and reads what moved. Finances are
settled one day at a time through ``settle_finances`` on units set up by hand.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bordersim.actors.militia import DISPERSED
from bordersim.actors.outside import resupply
from bordersim.actors.smuggler import learnt_risk
from bordersim.events import scenarios
from bordersim.world.economy import reserve, settle_finances

RIVER_FARMLAND = 2  # index of a popular informal route in the default geography
MILITIA_CROSSING = 1  # the informal route through militia checkpoints
#: Every crew is back from a run the next day.
DAILY = {"params.economy.haul_days": 1}
#: ... and picks among its options at random.
INDIFFERENT_DAILY = {**DAILY, "params.economy.logit_scale": 1e12}


def route_day(model, **changes):
    """Today's route picture of ``model`` with some fields replaced."""
    day = model.routes.day(model.detection, model.corruption, model.influence.control, model.crossing.open)
    return replace(day, **changes)


def crews_cash(model) -> float:
    return float(model.smugglers.table.cash[model.smugglers.table.rows].sum())


def test_checkpoint_tax_moves_money_from_smugglers_to_militias(make_model):
    def one_day(tax: float):
        # an indifferent logit keeps every crew's choice the same whatever the tax
        model = make_model(INDIFFERENT_DAILY)
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
        model = make_model(INDIFFERENT_DAILY)
        day = route_day(
            model,
            detection=np.full(len(model.routes.names), detection),
            corruption=np.zeros(len(model.routes.names)),
        )
        return sum(model.smugglers.run_day(day).interdictions.sum() for _ in range(3))

    low, high = seizures(0.05), seizures(0.5)
    assert high > 3 * low > 0


def test_corrupt_watchers_take_bribes_instead_of_seizing(make_model):
    model = make_model(INDIFFERENT_DAILY)
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
    model = make_model(DAILY)
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
    model = make_model(DAILY)
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


def settle(model) -> None:
    settle_finances(model.militias, model.tribes, model.params.economy, model.today)


def unit_named(model, name: str):
    return next(m for m in model.militias if m.name.startswith(name))


def test_unpaid_militia_fighters_desert(make_model):
    unpaid = {"params.economy.parent_salary_share": 0.0, "params.economy.pmf_registered_share": 0.0}
    model = make_model(unpaid)
    for m in model.militias:
        m.funds, m.income = 0.0, 0.0
    before = [m.fighters for m in model.militias]
    settle(model)
    rate = model.params.economy.desertion_rate_per_day
    assert [m.fighters for m in model.militias] == pytest.approx([f * (1 - rate) for f in before])


def test_baghdad_pays_registered_pmf_fighters_and_the_parent_the_rest(make_model):
    def funds_after_a_day(parent_salary_share: float) -> tuple[float, float]:
        model = make_model({"params.economy.parent_salary_share": parent_salary_share})
        pmf, off_payroll = unit_named(model, "Kataib Hezbollah (PMF"), unit_named(model, "Fatemiyoun")
        for m in (pmf, off_payroll):
            m.funds, m.income = 10000.0, 0.0  # below the reserve: nothing is remitted
        settle(model)
        return pmf.funds, off_payroll.funds

    econ = make_model().params.economy
    unregistered = (1 - econ.pmf_registered_share) * 450
    pmf_wage, afghan_wage = 1000 / 30, 500 / 30  # the pools' wages in the default configs
    unpaid_by_parents = (10000 - unregistered * pmf_wage, 10000 - 200 * afghan_wage)
    assert funds_after_a_day(0.0) == pytest.approx(unpaid_by_parents)
    assert funds_after_a_day(1.0) == pytest.approx((10000, 10000))


def test_a_unit_at_establishment_with_surplus_funds_does_not_grow_but_remits(make_model):
    model = make_model()
    for m in model.militias:
        m.funds = 1e9
    before = [m.fighters for m in model.militias]
    settle(model)
    assert [m.fighters for m in model.militias] == pytest.approx(before)
    econ = model.params.economy
    assert [m.funds for m in model.militias] == pytest.approx([reserve(m, econ) for m in model.militias])
    assert model.today["militia_remitted"] == pytest.approx(sum(1e9 - m.funds for m in model.militias))


def below_establishment(model, lost: float = 50.0):
    """Kataib Hezbollah (PMF 45) after losing ``lost`` fighters, everyone else at establishment."""
    unit = unit_named(model, "Kataib Hezbollah (PMF")
    unit.fighters -= lost
    return unit


def test_a_unit_refills_toward_its_establishment_only_when_recruits_and_funds_allow(make_model):
    def refill(funds: float, recruits_per_month: float) -> float:
        model = make_model({"params.economy.recruit_pools.iraq_south.recruits_per_month": recruits_per_month})
        unit = below_establishment(model)
        unit.funds = funds
        before = unit.fighters
        settle(model)
        return unit.fighters - before

    assert refill(funds=1e9, recruits_per_month=30.0) == pytest.approx(1.0)  # the pool's day
    assert refill(funds=1e9, recruits_per_month=0.0) == 0.0  # no recruits to be had
    assert refill(funds=0.0, recruits_per_month=30.0) == 0.0  # nothing to pay them with
    cost = make_model().params.economy.recruit_cost
    assert refill(funds=0.5 * cost, recruits_per_month=30.0) == pytest.approx(0.5)


def test_a_unit_refills_up_to_its_establishment_and_no_further(make_model):
    model = make_model({"params.economy.recruit_pools.iraq_south.recruits_per_month": 3000.0})
    unit = below_establishment(model, lost=5.0)
    unit.funds = 1e9
    for _ in range(20):
        settle(model)
    assert unit.fighters == pytest.approx(unit.establishment)


def test_units_recruiting_from_one_pool_share_its_daily_supply(make_model):
    model = make_model({"params.economy.recruit_pools.iraq_south.recruits_per_month": 30.0})
    a, b = unit_named(model, "Kataib Hezbollah (PMF"), unit_named(model, "Liwa al-Tafuf")
    for unit, lost in ((a, 30.0), (b, 10.0)):
        unit.fighters -= lost
        unit.funds = 1e9
    before = a.fighters, b.fighters
    settle(model)
    assert (a.fighters - before[0], b.fighters - before[1]) == pytest.approx((0.75, 0.25))


def test_militia_drawdown_lowers_the_establishment_for_good(make_model):
    model = make_model()
    scenarios.ACTIONS["militia_drawdown"](model, fraction=0.5, alignment="irgc")
    irgc = [m for m in model.militias if m.alignment == "irgc"]
    capped = [m.fighters for m in irgc]
    tafuf = unit_named(model, "Liwa al-Tafuf")
    tafuf.fighters -= 10
    for _ in range(30):
        for m in model.militias:
            m.funds = 1e9
        settle(model)
    assert [m.fighters for m in irgc] == pytest.approx(capped)
    assert [m.establishment for m in irgc] == pytest.approx(capped)
    assert tafuf.fighters == pytest.approx(tafuf.establishment)


def test_a_quarry_trucks_toll_moves_money_to_the_unit_holding_the_akashat_road(make_model):
    model = make_model()
    holder = unit_named(model, "Kataib Hezbollah (PMF")
    assert model.quarry.holders == [holder]
    q = model.forces.quarry_traffic
    incomes = [m.income for m in model.militias]
    model.quarry.toll_day(model.today)
    toll = q.trucks * q.toll_per_truck_month / 30
    assert holder.income == pytest.approx(incomes[model.militias.index(holder)] + toll)
    assert sum(m.income for m in model.militias) == pytest.approx(sum(incomes) + toll)
    assert model.today["militia_quarry_tolls"] == pytest.approx(toll)


def test_a_dispersed_holder_collects_less_of_the_quarry_toll_and_an_empty_road_nothing(make_model):
    model = make_model()
    holder = unit_named(model, "Kataib Hezbollah (PMF")
    holder.posture = DISPERSED
    model.quarry.toll_day(model.today)
    full = model.quarry.toll_per_day
    assert holder.income == pytest.approx(full * model.params.security.dispersed_checkpoint_share)
    holder.income, holder.fighters = 0.0, 0.0
    model.quarry.toll_day(model.today)
    assert holder.income == 0.0


def test_checkpoint_tax_on_smuggling_is_its_own_figure_not_the_quarry_toll(model):
    econ, q = model.params.economy, model.forces.quarry_traffic
    assert econ.checkpoint_tax_per_trip != pytest.approx(q.toll_per_truck_month / 15)


def test_a_militia_short_of_materiel_staffs_its_checkpoints_less(make_model):
    model = make_model()
    unit = unit_named(model, "Kataib Hezbollah (PMF")
    full = unit.checkpoint_staffing
    unit.materiel *= 0.5
    assert unit.equipped_share == pytest.approx(0.5)
    assert unit.checkpoint_staffing == pytest.approx(0.5 * full)


def test_a_militia_buys_back_missing_materiel_from_its_funds(make_model):
    model = make_model()
    unit = unit_named(model, "Liwa al-Tafuf")
    unit.materiel *= 0.5
    unit.funds = 1e9
    settle(model)
    assert unit.equipped_share == pytest.approx(1.0)


def test_a_convoy_resupplies_materiel_to_irgc_units_short_of_it_not_cash(make_model):
    model = make_model()
    irgc = [m for m in model.militias if m.alignment == "irgc"]
    struck, whole = irgc[0], irgc[1]
    struck.materiel -= 1000.0
    funds = [m.funds for m in irgc]
    whole_materiel = whole.materiel
    resupply(irgc, 600.0)
    assert struck.materiel_shortfall == pytest.approx(400.0)
    assert whole.materiel == whole_materiel
    assert [m.funds for m in irgc] == funds
    resupply(irgc, 1e6)
    assert struck.materiel_shortfall == pytest.approx(0.0)


def test_militia_run_crews_carry_the_fuel_monopoly_and_independents_never_do(model):
    t, goods = model.smugglers.table, model.params.economy.goods
    rows = t.rows
    fuel = goods[model.params.economy.monopoly_good]
    run = t.militia_run[rows]
    assert run.any() and (~run).any()
    assert (t.cargo_value[rows][run] == fuel.value).all()
    others = {g.value for name, g in goods.items() if name != model.params.economy.monopoly_good}
    assert set(t.cargo_value[rows][~run]) <= others


def test_militia_run_crews_run_only_when_a_run_pays(make_model):
    def militia_runs(travel_cost_per_km: float) -> int:
        model = make_model({"params.economy.travel_cost_per_km": travel_cost_per_km})
        experienced(model)
        day = route_day(model)
        table = model.smugglers.table
        return int(sum(table.militia_run[model.smugglers.run_day(day).runners].sum() for _ in range(6)))

    assert militia_runs(2.0) > 20 * max(militia_runs(200.0), 1)  # a run costing more than its margin


def test_a_crew_that_ran_stays_away_for_the_haul(make_model):
    model = make_model({"params.economy.logit_scale": 1e12, "params.economy.haul_days": 3})
    day = route_day(model)
    first = set(model.smugglers.run_day(day).runners)
    second = set(model.smugglers.run_day(day).runners)
    third = set(model.smugglers.run_day(day).runners)
    fourth = set(model.smugglers.run_day(day).runners)
    assert first and not first & (second | third)
    assert first & fourth


def test_crews_staged_with_kin_across_the_border_are_looked_at_less(make_model):
    def seizures(kin: float) -> float:
        model = make_model({**INDIFFERENT_DAILY, "params.economy.kin_warning_share": 1.0})
        t = model.smugglers.table
        t.kin[t.rows] = kin
        n = len(model.routes.names)
        day = route_day(model, detection=np.full(n, 0.8), corruption=np.zeros(n))
        return sum(model.smugglers.run_day(day).interdictions.sum() for _ in range(3))

    assert seizures(0.0) > 0
    assert seizures(1.0) == 0


def test_kin_ties_follow_the_tribe_at_home_in_the_staging_town(model):
    t = model.smugglers.table
    husaybah = model.geo.places["husaybah"]
    at_husaybah = [a for a in t.agents if a is not None and a.cell.coordinate == husaybah]
    bou_mahal = next(s for s in model.forces.tribes if s.home == "husaybah")
    assert at_husaybah and all(c.kin == bou_mahal.kin_across_border for c in at_husaybah)


def test_smugglers_see_a_stronger_border_watch_on_the_day_it_starts(make_model):
    model = make_model()
    routes = model.routes

    def route_detection() -> np.ndarray:
        model.refresh_security()
        return routes.day(model.detection, model.corruption, model.influence.control, False).detection

    before = route_detection()
    np.testing.assert_array_equal(route_detection(), before)  # kept while the watch is unchanged
    model.params.security.extra_border_detection = 0.5  # a policy lever, as a scenario event sets it
    after = route_detection()
    assert (after > before).all()  # every route crosses the border

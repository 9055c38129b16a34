"""Population (MODEL.md 7.2): grievance, Bennett's anger rule, Epstein's recruitment rule,
livelihood, friction and displacement."""

from __future__ import annotations

import numpy as np
import pytest

from bordersim.world.influence import G, spread
from bordersim.world.population import arrest_probability, bennett_anger, eligible_share

K = 2.3  # Epstein's default


def test_exponential_arrest_probability_is_one_minus_exp_of_k_times_ratio():
    ratio = np.array([0.0, 0.5, 1.0, 3.0])
    np.testing.assert_allclose(arrest_probability(ratio, K, "exponential"), 1 - np.exp(-K * ratio))


def test_floor_arrest_function_counts_only_whole_ratios():
    p = arrest_probability(np.array([0.9, 1.0, 1.7]), K, "floor")
    np.testing.assert_allclose(p, [0.0, 1 - np.exp(-K), 1 - np.exp(-K)])


def test_round_arrest_function_rounds_the_ratio():
    p = arrest_probability(np.array([0.4, 0.6, 1.4]), K, "round")
    np.testing.assert_allclose(p, [0.0, 1 - np.exp(-K), 1 - np.exp(-K)])


def test_arrest_functions_differ_below_one_security_per_insurgent():
    ratio = np.array([0.7])
    forms = {f: float(arrest_probability(ratio, K, f)[0]) for f in ("exponential", "floor", "round")}
    assert forms["floor"] == 0.0 < forms["exponential"] < forms["round"]


def test_eligible_share_is_share_of_residents_with_g_minus_rp_above_threshold():
    # R ~ U(0, 1): G - R*P > T  <=>  R < (G - T) / P
    g, p, t = np.array([0.3, 0.05, 0.9, 0.3]), np.array([0.5, 0.5, 0.2, 0.0]), 0.1
    np.testing.assert_allclose(eligible_share(g, p, t), [0.4, 0.0, 1.0, 1.0])


def test_more_security_presence_means_fewer_eligible_recruits():
    g = np.full(3, 0.5)
    arrest = arrest_probability(np.array([0.2, 1.0, 3.0]), K, "exponential")
    share = eligible_share(g, arrest, 0.1)
    assert share[0] > share[1] > share[2]


def test_bennett_rule_adds_anger_in_proportion_to_harm_and_headroom():
    g = np.array([0.5, 0.5, 0.0, 0.99])
    harmed = np.array([0.0, 0.2, 1.0, 1.0])
    out = bennett_anger(g, harmed, 0.5)
    np.testing.assert_allclose(out, g + 0.5 * harmed * (1 - g))
    assert out[0] == 0.5 and out[1] == pytest.approx(0.55)
    assert (out <= 1.0).all()


def test_cells_with_higher_grievance_yield_larger_recruit_pools(make_model):
    model = make_model()
    town = model.geo.places["husaybah"]
    pools = []
    for g in (0.3, 0.9):
        model.population.grievance[:] = g
        model.population.update_recruit_pool(model.params.population, model.influence, model.security)
        pools.append(model.population.recruit_pool_at(*np.array(town)[:, None]).item())
    assert pools[1] > 2 * pools[0] > 0


def test_the_recruit_pool_is_the_eligible_residents_spread_over_the_recruiting_reach(make_model):
    model = make_model()
    pop, p = model.population, model.params.population
    pop.grievance[:] = 0.8
    pop.update_recruit_pool(p, model.influence, model.security)
    eligible = np.zeros(model.geo.shape)
    eligible.flat[pop.lived] = pop.eligible
    sigma = p.recruit_radius_km / model.geo.transform.cell_km
    spread_layer = spread(eligible, p.recruit_radius_km, model.geo.transform.cell_km) * 2 * np.pi * sigma**2
    i, j = np.indices(model.geo.shape)
    assert pop.eligible.sum() > 100
    np.testing.assert_allclose(pop.recruit_pool_at(i, j), spread_layer, rtol=1e-9, atol=1e-9)
    far = model.geo.places["husaybah"][0], 0  # the zone's western edge, beyond every town's reach
    assert pop.recruit_pool_at(*np.array(far)[:, None]).item() == spread_layer[far] == 0.0


def test_arrest_risk_rises_with_security_and_falls_with_is_presence(make_model):
    pop = make_model().population
    pop.security, pop.is_presence = np.array([1.0, 4.0, 4.0]), np.array([0.0, 0.0, 3.0])
    risk = pop.arrest_at(np.arange(3))
    assert risk[1] > risk[0] and risk[1] > risk[2]
    np.testing.assert_allclose(
        risk,
        arrest_probability(
            np.array([1.0, 4.0, 1.0]), pop.params.population.epstein_k, pop.params.population.arrest_function
        ),
    )


def test_islamic_state_recruits_more_from_a_larger_pool(make_model):
    model = make_model({"params.population.p_join": 0.01})
    rows = model.islamic_state.table.rows
    joined = []
    for pool in (100.0, 2000.0):
        model.today.clear()
        model.population.recruit_pool_at = lambda i, j, pool=pool: np.full(np.shape(i), pool)
        model.islamic_state.recruit(rows)
        joined.append(model.today["is_recruits"])
    assert joined[1] > 5 * joined[0] > 0


def test_closed_military_zone_cuts_livelihood_of_nearby_towns(model):
    pop = model.population
    nothing = pop.livelihood(np.zeros(model.geo.shape, dtype=bool))
    closed = pop.livelihood(model.geo.military_zone)
    husaybah, abu_kamal = model.geo.places["husaybah"], model.geo.places["abu_kamal"]
    np.testing.assert_allclose(nothing, 1.0)
    assert closed[husaybah] < 0.9
    assert closed[abu_kamal] == pytest.approx(1.0, abs=0.01)


def test_shia_militias_cause_the_same_friction_whatever_their_alignment(model):
    params = model.params.population
    presence = np.zeros_like(model.influence.presence)
    presence[G["militia_irgc"], 0, 0] = 1.0
    presence[G["militia_najaf"], 1, 0] = 1.0
    friction = model.population.friction(presence, params)
    assert friction[0, 0] == friction[1, 0] > 0


def test_a_few_civilians_harmed_in_a_town_anger_its_people_measurably(make_model):
    model, calm = make_model(), make_model()
    abu_kamal = model.geo.places["abu_kamal"]
    model.population.harm[abu_kamal] = 15.0
    model.update_population()
    calm.update_population()
    reach = model.geo.disk(abu_kamal, model.params.population.harm_radius_km)
    rise = model.population.grievance[reach] - calm.population.grievance[reach]
    residents = model.population.residents[reach]
    assert (rise * residents).sum() / residents.sum() > 1e-3  # ~15 x 7 angered among the residents in reach
    assert model.population.mean_grievance() > calm.population.mean_grievance() + 1e-4


def test_harm_where_nobody_lives_angers_nobody(make_model):
    model, calm = make_model(), make_model()
    pop = model.population
    empty = np.argwhere(pop.residents == 0)
    far = next(
        (int(i), int(j)) for i, j in empty if pop.residents[model.geo.disk((int(i), int(j)), 5.0)].sum() == 0
    )
    pop.harm[far] = 50.0
    model.update_population()
    calm.update_population()
    np.testing.assert_array_equal(pop.grievance, calm.population.grievance)


def test_damaged_homes_and_barred_families_slow_returns(make_model):
    open_way = make_model(
        {"params.population.housing_damaged_share": 0.0, "params.population.blocked_return_share": 0.0}
    )
    barred = make_model()
    for m in (open_way, barred):
        m.update_population()
    assert open_way.population.displaced.sum() < barred.population.displaced.sum()
    p = barred.params.population
    prospects = barred.population.return_prospects(p)
    assert prospects.max() <= (1 - p.housing_damaged_share * (1 - p.damaged_home_return_share)) * (
        1 - p.blocked_return_share
    )


def test_hardship_drives_people_out_and_the_dynamics_displace_people_from_none(make_model):
    model = make_model({"params.population.initial_displaced_share": 0.0})
    for _ in range(60):
        model.update_population()
    assert 0.02 < model.population.displaced_share() < 0.4


def test_work_comes_from_open_farmland_public_pay_commerce_quarries_and_the_crossing(model):
    pop, p = model.population, model.params.population
    nothing = np.zeros(model.geo.shape)
    husaybah, abu_kamal = model.geo.places["husaybah"], model.geo.places["abu_kamal"]
    open_fields = pop.employment(np.zeros(model.geo.shape, dtype=bool), nothing)
    closed = pop.employment(model.geo.military_zone, nothing)
    assert closed[husaybah] < open_fields[husaybah]  # the Masharii zone takes farm work
    base = p.farmland_dependence_share + p.work.public_pay_share + p.work.commerce_share
    assert open_fields[abu_kamal] == pytest.approx(base)  # no quarry work in Syria
    assert open_fields[husaybah] > base  # the Akashat quarries employ Iraqi towns' labour
    with_crossing = pop.employment(model.geo.military_zone, np.full(model.geo.shape, 0.1))
    lived = pop.residents > 0
    np.testing.assert_allclose(with_crossing[lived], np.minimum(closed + 0.1, 1.0)[lived])


def test_violence_displaces_residents_and_keeps_people_counted(make_model):
    model = make_model()
    pop, p = model.population, model.params.population
    town = model.geo.town_cells("husaybah")
    total = pop.residents.sum() + pop.displaced.sum()
    before = pop.residents.ravel()[town].sum()
    pop.violence.ravel()[town] = 5.0
    pop.displace_and_return(p, np.zeros(model.geo.shape))
    assert pop.residents.ravel()[town].sum() < 0.995 * before
    assert pop.residents.sum() + pop.displaced.sum() == pytest.approx(total)

"""Population (MODEL.md 7.2): grievance, Bennett's anger rule, Epstein's recruitment rule,
livelihood, friction and displacement."""

from __future__ import annotations

import numpy as np
import pytest

from bordersim.world.influence import G
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
    pools = []
    for g in (0.3, 0.9):
        model.population.grievance[:] = g
        model.population.update_recruit_pool(model.params.population, model.influence, model.security)
        pools.append(model.population.recruit_pool.sum())
    assert pools[1] > 2 * pools[0] > 0


def test_islamic_state_recruits_more_from_a_larger_pool(make_model):
    model = make_model({"params.population.p_join": 0.01})
    rows = model.islamic_state.table.rows
    joined = []
    for pool in (100.0, 2000.0):
        model.today.clear()
        model.population.recruit_pool[:] = pool
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


def test_irgc_presence_causes_more_friction_than_the_najaf_aligned_tafuf(model):
    params = model.params.population
    presence = np.zeros_like(model.influence.presence)
    presence[G["militia_irgc"], 0, 0] = 1.0
    presence[G["militia_najaf"], 1, 0] = 1.0
    friction = model.population.friction(presence, params)
    assert friction[0, 0] > friction[1, 0] > 0


def test_civilian_harm_raises_grievance_near_the_incident(make_model):
    model = make_model()
    husaybah = model.geo.places["husaybah"]
    calm = make_model()
    model.population.harm[husaybah] = 5000.0
    model.update_population()
    calm.update_population()
    assert model.population.grievance[husaybah] > calm.population.grievance[husaybah] + 0.005


def test_violence_displaces_residents_and_keeps_people_counted(make_model):
    model = make_model()
    pop, p = model.population, model.params.population
    town = model.geo.town_cells("husaybah")
    total = pop.residents.sum() + pop.displaced.sum()
    before = pop.residents.ravel()[town].sum()
    pop.violence.ravel()[town] = 5.0
    pop.displace_and_return(p)
    assert pop.residents.ravel()[town].sum() < 0.995 * before
    assert pop.residents.sum() + pop.displaced.sum() == pytest.approx(total)

"""Agent families and clashes (MODEL.md 7.4, 7.5, 7.7, 7.8, 7.9): Lanchester attrition,
tribes turning to extortion when patronage stops, state detection, IS cells."""

from __future__ import annotations

import numpy as np
import pytest

from bordersim import encounters
from bordersim.config import default_params
from bordersim.events import scenarios
from bordersim.params import Params, build
from bordersim.world.economy import wage
from bordersim.world.geography import TERRAIN

SECURITY = build(Params, default_params(), "params").security


def mean_losses(attacker: int, defender: int, factor: float = 1.0, n: int = 300) -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.mean([encounters.engage(attacker, defender, factor, SECURITY, rng) for _ in range(n)], axis=0)


def test_lanchester_bigger_side_loses_fewer():
    big_attacker_lost, small_defender_lost = mean_losses(60, 15)
    assert big_attacker_lost < small_defender_lost
    small_attacker_lost, big_defender_lost = mean_losses(15, 60)
    assert big_defender_lost < small_attacker_lost


def test_lanchester_square_law_attrition_grows_with_the_enemys_strength():
    lost_to_20, _ = mean_losses(20, 20)
    lost_to_40, _ = mean_losses(20, 40)
    assert lost_to_40 > 1.5 * lost_to_20


def test_defenders_in_towns_inflict_more_losses_than_in_the_open():
    open_ground = encounters.terrain_factor(TERRAIN["farmland"], SECURITY)
    town = encounters.terrain_factor(TERRAIN["urban"], SECURITY)
    assert town > open_ground == 1.0
    lost_open, _ = mean_losses(30, 30, open_ground)
    lost_town, _ = mean_losses(30, 30, town)
    assert lost_town > lost_open


def test_a_side_that_has_lost_half_its_strength_breaks_off():
    rng = np.random.default_rng(2)
    for _ in range(50):
        a_lost, d_lost = encounters.engage(5, 100, 1.0, SECURITY, rng)
        assert a_lost <= 5 and d_lost < 100


# -- tribes -------------------------------------------------------------------------------
def tribe(model, name: str):
    return next(t for t in model.tribes if t.name.startswith(name))


def test_fighters_patronage_does_not_pay_extort_and_more_when_the_us_leaves(make_model):
    model = make_model()
    bou_mahal, karbuli = tribe(model, "Bou Mahal"), tribe(model, "Karbuli")
    bou_mahal.step()
    karbuli.step()
    tp, pay = model.params.tribes, wage(bou_mahal, model.params.economy)
    unpaid = 1.0 - tp.patronage_per_fighter_day / pay
    assert bou_mahal.extorting_fighters == pytest.approx(unpaid * bou_mahal.fighters)
    scenarios.ACTIONS["us_withdrawal"](model)
    bou_mahal.step()
    karbuli.step()
    assert bou_mahal.patronage == 0
    assert bou_mahal.extorting_fighters == pytest.approx(bou_mahal.fighters)
    assert karbuli.extorting_fighters == pytest.approx(unpaid * karbuli.fighters)  # the state still pays


def test_a_tribe_whose_patron_left_is_taken_on_by_the_state(make_model):
    model = make_model({"params.tribes.state_patronage_after_days": 1})
    bou_mahal = tribe(model, "Bou Mahal")
    scenarios.ACTIONS["us_withdrawal"](model)
    bou_mahal.step()
    assert bou_mahal.patron == "state"
    assert bou_mahal.patronage > 0
    unpaid = [t for t in model.tribes if t.patron == "none"]
    for t in unpaid:
        t.step()
    assert all(t.patron == "none" for t in unpaid)  # a clan that never had a patron seeks none


def test_tafuf_stops_tribal_extortion_where_it_holds(make_model):
    model = make_model()
    scenarios.ACTIONS["us_withdrawal"](model)
    for t in model.tribes:
        t.step()
    husaybah = model.geo.places["husaybah"]
    assert model.extortion_layer()[husaybah] == 1.0  # Bou Mahal's unpaid fighters
    tafuf = next(m for m in model.militias if m.stops_tribal_extortion)
    stopped = model.extortion_stopped()[tafuf.group]
    assert stopped[husaybah] == pytest.approx(model.params.security.extortion_stopped_share)
    karabla = model.geo.places["karabla"]
    assert stopped[karabla] == 0.0  # out of its reach
    model.update_population()
    assert model.population.layer["extortion"][husaybah] == pytest.approx(1.0 - stopped[husaybah])
    tafuf.fighters = 0.0
    assert model.extortion_stopped()[tafuf.group][husaybah] == 0.0  # nobody left to arrest anyone


def test_tribes_without_a_patron_extort_and_that_feeds_hardship(make_model):
    model = make_model()
    for t in model.tribes:
        t.step()
    unpaid = [t for t in model.tribes if t.patron == "none"]
    assert unpaid and all(t.extorting_fighters == t.fighters for t in unpaid)
    layer = model.extortion_layer()
    full = model.params.tribes.extortion_full_fighters
    assert layer.ravel()[unpaid[0].home_cells].min() == pytest.approx(min(1.0, unpaid[0].fighters / full))
    pop = model.population
    calm = pop.hardship(np.zeros(model.geo.shape))
    pop.layer["extortion"][:] = layer
    assert (pop.hardship(np.zeros(model.geo.shape)) >= calm).all()
    assert pop.hardship(np.zeros(model.geo.shape)).ravel()[unpaid[0].home_cells].mean() > calm.max() - 1


def test_tribal_allegiance_falls_when_patronage_stops(make_model):
    model = make_model()
    bou_mahal = tribe(model, "Bou Mahal")
    scenarios.ACTIONS["us_withdrawal"](model)
    before = bou_mahal.allegiance
    for _ in range(30):
        bou_mahal.step()
    assert bou_mahal.allegiance < before


# -- state forces and detection ------------------------------------------------------------
def test_more_capable_state_forces_detect_more_along_the_border(make_model):
    weak = make_model()
    strong = make_model()
    for u in strong.state_forces:
        u.detection = min(1.0, 2 * u.detection)
    strong.refresh_security()
    assert strong.detection[strong.border_strip].mean() > weak.detection[weak.border_strip].mean()


def test_the_state_watch_follows_state_units_that_lose_fighters_or_move(make_model):
    model = make_model()
    unit = max(model.state_forces, key=lambda u: u.fighters)
    home = unit.ij
    before = model.detection[home]
    unit.fighters /= 4
    model.refresh_security()
    assert model.detection[home] < before  # fewer eyes at the base
    weakened = model.detection[home]
    away = (home[0], min(home[1] + 30, model.geo.shape[1] - 1))  # 15 km along the grid
    unit.cell = model.grid[away]
    model.refresh_security()
    assert model.detection[home] < weakened
    assert model.detection.flags.writeable is False  # kept for the next day: read, never written


def test_us_isr_adds_detection_only_while_us_forces_are_present(make_model):
    model = make_model()
    base = model.us.base
    with_us = model.detection[base]
    model.us.withdraw()
    model.refresh_security()
    assert model.detection[base] < with_us
    assert model.us.isr().max() == 0


# -- Islamic State cells -------------------------------------------------------------------
def test_large_is_cells_split_in_two(make_model):
    model = make_model({"params.islamic_state.p_leave_zone": 0.0})
    t = model.islamic_state.table
    row = t.rows[0]
    t.members[row], t.cash[row] = 30, 1e6
    model.islamic_state.upkeep_split_and_leave(model.params.islamic_state)
    assert t.members[row] == 15
    assert (t.members[t.rows] == 15).sum() >= 2


def test_militia_drawdown_removes_the_fraction_of_irgc_fighters(make_model):
    model = make_model()
    irgc = {m.name: m.fighters for m in model.militias if m.alignment == "irgc"}
    najaf = {m.name: m.fighters for m in model.militias if m.alignment == "najaf"}
    scenarios.ACTIONS["militia_drawdown"](model, fraction=0.4)
    for m in model.militias:
        expected = irgc[m.name] * 0.6 if m.name in irgc else najaf[m.name]
        assert m.fighters == pytest.approx(expected)


def test_masharii_reopens_when_its_holder_is_too_weak_to_keep_it(make_model):
    model = make_model()
    holder = next(m for m in model.militias if m.holds_military_zone)
    assert model.closed_farmland().any()
    need = model.params.security.military_zone_min_fighters
    holder.fighters = 1.5 * need
    holder.disperse()  # dispersed after strikes it shows half its presence
    assert not model.closed_farmland().any()
    holder.return_to_base()
    assert model.closed_farmland().any()
    holder.fighters = 0.5 * need
    assert not model.closed_farmland().any()

"""Strikes (MODEL.md 7.6): losses at the target, civilian harm only when accuracy allows
it (Bennett), dispersal and relocation of the struck militia, retaliation and escalation."""

from __future__ import annotations

import pytest

from bordersim.events.strikes import AirCampaign, Target
from bordersim.world.geography import TERRAIN

MIX = {"base": 1.0}


def campaign(effectiveness: float = 0.5, civilian_harm_prob: float = 0.0) -> AirCampaign:
    return AirCampaign("us", 0.0, 1, effectiveness, 1.0, civilian_harm_prob, MIX)


def town_militia(model):
    """An IRGC-aligned unit based inside a town (Abu Kamal)."""
    urban = [
        m for m in model.militias
        if m.alignment == "irgc" and model.geo.terrain[m.cell.coordinate] == TERRAIN["urban"]
    ]  # fmt: skip
    return max(urban, key=lambda m: m.fighters)


def strike_base(model, unit, c: AirCampaign) -> None:
    model.air.hit(model, c, Target("base", unit, unit.cell.coordinate, 1.0))


def test_a_hit_kills_fighters_and_destroys_materiel_at_the_target_not_cash(make_model):
    model = make_model()
    unit = town_militia(model)
    fighters, funds, materiel = unit.fighters, unit.funds, unit.materiel
    strike_base(model, unit, campaign(effectiveness=0.5))
    assert unit.fighters < fighters
    assert unit.materiel == pytest.approx(materiel * (1 - 0.5 * model.params.strikes.materiel_share))
    assert unit.funds == funds
    assert model.today["strikes"] == 1
    assert model.today["strike_casualties"] == pytest.approx(fighters - unit.fighters)


def test_strikes_harm_civilians_only_when_civilian_harm_prob_is_positive(make_model):
    model = make_model({"params.strikes.retaliation_base_prob": 0.0})
    unit = town_militia(model)
    for _ in range(20):
        strike_base(model, unit, campaign(effectiveness=0.0, civilian_harm_prob=0.0))
    assert model.today["civilian_harm"] == 0
    assert model.population.harm.sum() == 0
    strike_base(model, unit, campaign(effectiveness=0.0, civilian_harm_prob=1.0))
    assert model.today["civilian_harm"] > 0
    assert model.population.harm[unit.cell.coordinate] > 0


def test_one_strike_does_not_disperse_a_militia(make_model):
    model = make_model()
    unit = town_militia(model)
    strike_base(model, unit, campaign())
    unit.step()
    assert not unit.dispersed


def test_militia_struck_again_disperses_out_of_town_and_keeps_its_base_to_rebuild(make_model):
    model = make_model()
    unit = town_militia(model)
    old_home = unit.home
    strike_base(model, unit, campaign())
    strike_base(model, unit, campaign())
    unit.step()
    assert unit.dispersed
    assert unit.home == old_home
    assert unit.cell.coordinate != old_home
    assert model.geo.terrain[unit.cell.coordinate] != TERRAIN["urban"]


def test_dispersed_militia_goes_back_to_its_base_when_it_is_quiet(make_model):
    model = make_model()
    unit = town_militia(model)
    old_home = unit.home
    strike_base(model, unit, campaign())
    strike_base(model, unit, campaign())
    unit.step()
    assert unit.dispersed
    for _ in range(60):
        unit.step()
    assert not unit.dispersed
    assert unit.cell.coordinate == unit.home == old_home


def test_strikes_choose_only_irgc_aligned_targets(model):
    targets = model.air.candidates(model, {"base": 0.4, "depot": 0.3, "convoy": 0.2, "checkpoint": 0.1})
    units = {t.unit.name for t in targets if t.kind != "convoy"}
    assert units
    alignment = {m.name: m.alignment for m in model.militias}
    assert {alignment[u] for u in units} == {"irgc"}


def escalation_after_a_wave(make_model, retaliation: float) -> tuple[float, float]:
    model = make_model(
        {
            "params.strikes.retaliation_base_prob": retaliation,
            "params.strikes.background_rate_per_week": 0.0,
            "params.strikes.counter_strike_prob": 0.0,  # no counter-strike drawing more retaliation
        }
    )
    model.air.queue_wave(campaign(effectiveness=0.1), ["imam_ali_compound", "bukamal_depot"])
    model.air.strike_day(model)
    return model.air.escalation, model.today["retaliations"]


def test_retaliation_raises_the_escalation_index(make_model):
    calm, none = escalation_after_a_wave(make_model, 0.0)
    hot, retaliations = escalation_after_a_wave(make_model, 1.0)
    assert none == 0 and retaliations == 2
    assert calm == pytest.approx(2.0)  # the two strikes themselves
    assert hot == pytest.approx(calm + retaliations)


def test_retaliation_draws_a_us_counter_strike_the_next_day(make_model):
    model = make_model(
        {
            "params.strikes.retaliation_base_prob": 1.0,
            "params.strikes.counter_strike_prob": 1.0,
            "params.strikes.background_rate_per_week": 0.0,
        }
    )
    model.air.queue_wave(campaign(effectiveness=0.1), ["imam_ali_compound"])
    model.air.strike_day(model)
    model.today.clear()
    model.air.strike_day(model)
    assert model.today["strikes"] >= 1
    assert model.air.log[-1]["actor"] == "us"


def test_escalation_decays_when_nothing_happens(make_model):
    model = make_model({"params.strikes.background_rate_per_week": 0.0})
    model.air.escalation = 10.0
    model.air.strike_day(model)
    assert model.air.escalation == pytest.approx(10.0 * model.params.strikes.escalation_decay)

"""IS attacks chosen by opportunity (MODEL.md 7.7, 7.8): a cell that means to attack strikes
the post in reach where security is thinnest, goes unmet when none is worth it, and fights
the whole garrison present by Lanchester's law."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from bordersim.actors.islamic_state import ISCell
from bordersim.encounters import expected_losses, terrain_factor
from bordersim.model import BorderModel

#: Any post in reach is worth attacking, so the choice alone is tested.
ANY_POST = {"params.islamic_state.attack_min_exchange": 0.0}


def spawn_cell(model: BorderModel, ij: tuple[int, int], members: int = 8) -> ISCell:
    return model.islamic_state.spawn(ij, members, cash=0.0)


def share_targeting(model: BorderModel, unit_name: str, spots: list[tuple[int, int]]) -> float:
    """Share of IS cells placed at ``spots`` that choose a post of the unit named ``unit_name``."""
    chosen = 0
    for ij in spots:
        cell = spawn_cell(model, ij)
        target = model.islamic_state.choose_target(cell, model.params.islamic_state)
        chosen += target is not None and target.unit.name == unit_name
        model.islamic_state.remove(cell)
    return chosen / len(spots)


def test_halving_a_unit_raises_its_chance_of_being_the_target(make_model):
    model = make_model(ANY_POST)
    unit = min(model.tribes, key=lambda t: t.fighters)  # a small tribe, beside other posts
    rng = np.random.default_rng(0)
    spots = [tuple(int(x) for x in rng.integers(0, model.geo.shape)) for _ in range(150)]
    before = share_targeting(model, unit.name, spots)
    unit.fighters /= 2
    after = share_targeting(model, unit.name, spots)
    assert after > before


def test_a_cell_with_no_post_in_reach_records_an_unmet_intention_and_attacks_nobody(make_model):
    model = make_model({"params.islamic_state.operational_radius_km": 0.01})
    strength = [u.fighters for u in (*model.militias, *model.state_forces, *model.tribes)]
    cell = spawn_cell(model, (0, 0))
    model.islamic_state.attack(cell, model.params.islamic_state)
    assert model.today["is_attack_intentions_unmet"] == 1
    assert model.today["is_attacks"] == 0
    assert cell.members == 8 and cell.ij == (0, 0)
    assert [u.fighters for u in (*model.militias, *model.state_forces, *model.tribes)] == strength


@dataclass
class Garrison:
    """A post's defenders, restored before every attack."""

    fighters: float

    def lose(self, fighters: float, materiel: float = 0.0) -> None:
        self.fighters -= fighters


def mean_attack_losses(model: BorderModel, garrison: float, attackers: int, n: int = 400) -> np.ndarray:
    """Mean (attackers lost, defenders killed) of ``n`` attacks on a garrison at one cell."""
    at = (model.geo.shape[0] // 2, 5)
    losses = []
    for _ in range(n):
        cell, post = spawn_cell(model, at, attackers), Garrison(garrison)
        model.encounters.islamic_state_attack(cell, post, garrison, at, tribes=[])
        losses.append((attackers - cell.members, garrison - post.fighters))
        model.islamic_state.remove(cell)
    return np.mean(losses, axis=0)


def test_an_attack_is_a_hit_and_run_fight_in_lanchester_proportion_with_the_whole_garrison(make_model):
    model = make_model()
    sec, p = model.params.security, model.params.islamic_state
    terrain = terrain_factor(int(model.geo.terrain[model.geo.shape[0] // 2, 5]), sec)
    small, big = mean_attack_losses(model, 10, 10), mean_attack_losses(model, 80, 10)
    assert big[0] > 2 * small[0]  # no cap: eight times the garrison, many more attackers lost
    for garrison, (lost, killed) in ((10, small), (80, big)):
        factor = terrain * p.ambush_return_fire_share  # the attackers pick the moment
        want_lost, want_killed = expected_losses(10, garrison, factor, sec, p.attack_rounds)
        assert abs(lost - want_lost) < 0.3 * want_lost + 0.3
        assert abs(killed - want_killed) < 0.3 * want_killed + 0.3


def hunt_outcomes(
    model: BorderModel, hunter_fighters: float, members: int = 6, n: int = 200
) -> dict[str, float]:
    """Share of ``n`` hunts of a cell of ``members`` by a hunter of ``hunter_fighters`` that end
    in a fight, an arrest, the cell slipping away or nothing, and the mean dead per hunt."""
    at = (model.geo.shape[0] // 2, 5)
    counts = {"fought": 0.0, "arrested": 0.0, "slipped away": 0.0, "left alone": 0.0, "dead": 0.0}
    for _ in range(n):
        model.today.clear()
        cell, hunter = spawn_cell(model, at, members), Garrison(hunter_fighters)
        hunter.ij = at  # type: ignore[attr-defined]
        model.encounters.hunt(
            hunter, 1.0, 1.0, np.ones(model.geo.shape), 1.0, np.ones(model.geo.shape, dtype=bool)
        )
        dead = model.today["deaths_is"] + (hunter_fighters - hunter.fighters)
        counts["dead"] += dead
        if model.today["clashes"]:
            counts["fought"] += 1
        elif model.today["is_arrested"]:
            counts["arrested"] += 1
        elif cell.ij != at:
            counts["slipped away"] += 1
        else:  # or slipped away to its own cell, which is rare
            counts["left alone"] += 1
        model.islamic_state.remove(cell)
    return {k: v / n for k, v in counts.items()}


def test_a_cell_hunted_by_an_overwhelming_force_runs_and_is_arrested_or_slips_away(make_model):
    model = make_model()
    outcome = hunt_outcomes(model, hunter_fighters=2000)
    assert outcome["dead"] == 0 and outcome["fought"] == 0
    p_evade = model.params.islamic_state.p_evade_hunt
    assert abs(outcome["slipped away"] - p_evade) < 0.1
    assert abs(outcome["arrested"] - (1 - p_evade)) < 0.1


def test_a_cell_hunted_by_too_few_stands_and_fights(make_model):
    model = make_model({"params.security.hunt_commitment_per_member": 0.5})
    outcome = hunt_outcomes(model, hunter_fighters=2000)
    assert outcome["fought"] > 0.95 and outcome["arrested"] == 0
    assert outcome["dead"] > 0


def test_a_unit_whose_hunting_force_cannot_take_on_a_cell_leaves_it_alone(make_model):
    model = make_model()
    sec = model.params.security
    too_few = 0.9 * sec.hunt_commitment_per_member * 6 / sec.hunt_force_share  # fighters
    outcome = hunt_outcomes(model, hunter_fighters=too_few)
    assert outcome["left alone"] == 1.0


def test_a_corrupt_state_unit_raids_less(make_model):
    model = make_model()
    model.detection = np.ones(model.geo.shape)
    unit = model.state_forces[0]
    hunted = {}
    for corruption in (0.0, 0.8):
        unit.corruption, count = corruption, 0
        for _ in range(400):
            model.today.clear()
            cell = spawn_cell(model, unit.ij, members=2)
            unit.step()
            count += model.today["is_arrested"] > 0 or cell.ij != unit.ij or cell.members < 2
            model.islamic_state.remove(cell)
        hunted[corruption] = count / 400
    p_raid = model.params.security.p_raid
    assert hunted[0.0] == pytest.approx(p_raid, abs=0.05)
    assert hunted[0.8] == pytest.approx(0.2 * p_raid, abs=0.03)


def raided_share(model: BorderModel, unit, place: str, n: int = 60) -> float:
    """Share of ``n`` days on which ``unit`` raids or clears a 2-member cell placed at ``place``
    (everything watched)."""
    hunted = 0
    for _ in range(n):
        model.today.clear()
        cell = spawn_cell(model, model.geo.places[place], members=2)
        unit.step()
        hunted += model.today["is_arrested"] > 0 or cell.ij != model.geo.places[place] or cell.members < 2
        model.islamic_state.remove(cell)
    return hunted / n


@pytest.mark.parametrize(
    ("unit_name", "own_ground", "foreign_ground"),
    [
        ("Syrian Democratic Forces", "as_susah", "abu_kamal"),  # across the Euphrates
        ("Iraqi Border Guards", "husaybah", "imam_ali_compound"),  # across the border
        ("Liwa al-Tafuf (PMF 13)", "husaybah", "imam_ali_compound"),
    ],
)
def test_forces_hunt_is_cells_on_their_own_ground_only(make_model, unit_name, own_ground, foreign_ground):
    model = make_model(
        {
            "params.security.p_raid": 1.0,
            "params.security.p_clear": 1.0,
            "params.security.raid_radius_km": 15.0,
            "params.security.clear_radius_km": 15.0,
        }
    )
    model.detection = model.militia_watch = np.ones(model.geo.shape)
    unit = next(u for u in model.force_units if u.name == unit_name)
    assert raided_share(model, unit, own_ground) > 0.5
    assert raided_share(model, unit, foreign_ground) == 0.0


def test_iranian_backed_militias_hunt_on_both_sides_of_the_border(make_model):
    model = make_model({"params.security.p_clear": 1.0, "params.security.clear_radius_km": 15.0})
    model.militia_watch = np.ones(model.geo.shape)
    unit = next(u for u in model.militias if u.name == "Kataib Hezbollah (Bukamal)")
    assert raided_share(model, unit, "abu_kamal") > 0.5
    assert raided_share(model, unit, "husaybah") > 0.5


def test_a_hunter_that_moves_hunts_around_where_it_now_stands(make_model):
    model = make_model()
    unit = next(u for u in model.militias if u.name == "Kataib Hezbollah (Bukamal)")
    model.militia_watch = np.ones(model.geo.shape)
    target = model.geo.places["abu_kamal"]
    hunted = []
    for stand in ("abu_kamal", "husaybah", "abu_kamal"):  # a reach kept at one cell is not reused at another
        unit.cell = model.grid[model.geo.places[stand]]
        cell = spawn_cell(model, target, members=2)
        model.today.clear()
        model.encounters.hunt(unit, 2.0, 1.0, model.militia_watch, 1.0, unit.hunting_ground)
        hunted.append(bool(model.today["clashes"] or model.today["is_arrested"] or cell.ij != target))
        model.islamic_state.remove(cell)
    assert hunted == [True, False, True]

"""Encounters (MODEL.md 7.8): every fight of the zone, written once.

A clash is attrition between two sides by Lanchester's square law over a few rounds, the
defender's fire multiplied by the terrain of the cell. The encounters of the model are
clashes between units that share the small :class:`Unit` protocol: an IS attack on a post
its cell chose (the fighters present there defend it, tribes nearby join in), a hunt
(militia clearing or a state raid) on IS cells its watchers spot, an ambush on an IRGC
convoy, and the losses of an air strike. Each books its casualties, violence and civilian
harm in the day's tally; the dead are counted by side as the units lose them
(``ForceUnit.lose``, ``ISCell.lose``). :func:`expected_losses` is the mean course of a clash,
which IS cells read when they choose what to attack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from bordersim.params import Params, SecurityParams
from bordersim.world.geography import SECTORS, TERRAIN, Geography

if TYPE_CHECKING:
    from bordersim.actors.islamic_state import ISCell, IslamicState
    from bordersim.actors.outside import Convoy
    from bordersim.actors.tribe import Tribe
    from bordersim.metrics import Tally
    from bordersim.world.population import Population

Cell = tuple[int, int]


class Unit(Protocol):
    """What an encounter needs of a side: its strength and how it takes losses."""

    @property
    def fighters(self) -> float: ...

    def lose(self, fighters: float, materiel: float = 0.0) -> None: ...


class PlacedUnit(Unit, Protocol):
    """A unit standing on a grid cell."""

    @property
    def ij(self) -> Cell: ...


#: The sides of a defence: each unit and the fighters it brings.
Sides = list[tuple[Unit, float]]


def hunting_ground(sec: SecurityParams, who: str, geo: Geography) -> np.ndarray:
    """Bool layer of the cells where a side's state forces or an alignment's militias hunt IS
    cells: the sectors (``geography.SECTORS``) ``security.hunting_grounds`` lists for ``who``."""
    return np.isin(SECTORS, getattr(sec.hunting_grounds, who))[geo.sector]


def engage(
    attacker: float,
    defender: float,
    defender_factor: float,
    sec: SecurityParams,
    rng: np.random.Generator,
    rounds: int | None = None,
) -> tuple[int, int]:
    """Fight up to ``rounds`` rounds (``sec.clash_rounds`` unless given); return (attacker
    losses, defender losses).

    Each round, a side's expected losses are the Lanchester rate times the other side's
    strength (square law), the defender's fire multiplied by the terrain factor. A side
    that has lost ``sec.break_off_loss_share`` of its strength breaks off.
    """

    def fall(n: int, hits: float) -> int:
        return int(rng.binomial(n, min(1.0, hits / n)))

    a_lost, d_lost = _rounds(attacker, defender, defender_factor, sec, rounds, int, fall)
    return int(a_lost), int(d_lost)


def expected_losses(
    attacker: float, defender: float, defender_factor: float, sec: SecurityParams, rounds: int | None = None
) -> tuple[float, float]:
    """The mean course of :func:`engage`: (attacker losses, defender losses) when each round
    takes its expected losses, with the same rounds and break-off rule."""
    return _rounds(attacker, defender, defender_factor, sec, rounds, float, min)


def _rounds(
    attacker: float,
    defender: float,
    defender_factor: float,
    sec: SecurityParams,
    rounds: int | None,
    whole: Callable[[float], Any],
    fall: Callable[[Any, float], Any],
) -> tuple[Any, Any]:
    """The rounds of a clash; ``fall(n, hits)`` is how many of a side of ``n`` fall to the
    other side's ``hits`` (Lanchester rate times its strength, times terrain for the defender);
    ``whole`` turns the strengths into the fighters who fight (whole ones when drawn)."""
    a, d = whole(attacker), whole(defender)
    a_lost = d_lost = 0
    rate = sec.lanchester_rate
    for _ in range(sec.clash_rounds if rounds is None else rounds):
        if a <= 0 or d <= 0:
            break
        da = fall(a, rate * d * defender_factor)
        dd = fall(d, rate * a)
        a, d = a - da, d - dd
        a_lost, d_lost = a_lost + da, d_lost + dd
        if a_lost >= sec.break_off_loss_share * attacker or d_lost >= sec.break_off_loss_share * defender:
            break
    return a_lost, d_lost


def terrain_factor(terrain_code: int, sec: SecurityParams) -> float:
    """Defender's advantage on a cell: towns and desert favour whoever holds them."""
    if terrain_code == TERRAIN["urban"]:
        return float(sec.urban_defender_factor)
    if terrain_code in (TERRAIN["desert"], TERRAIN["wadi"]):
        return float(sec.desert_defender_factor)
    return 1.0


#: Hunting reaches kept (a few dozen hunters, each at its base or where it dispersed to).
REACHES_KEPT = 256


def distance(a: Cell, b: Cell) -> float:
    """Distance between two cells [cells]."""
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


class Encounters:
    """The fights of the zone, resolved on its grid with the model's generator."""

    def __init__(
        self,
        geo: Geography,
        population: Population,
        islamic_state: IslamicState,
        params: Params,
        rng: np.random.Generator,
        today: Tally,
    ) -> None:
        self.geo, self.population, self.islamic_state = geo, population, islamic_state
        self.params, self.rng, self.today = params, rng, today
        self._reaches: dict[tuple[Cell, float, int], tuple[np.ndarray, np.ndarray]] = {}

    def clash(
        self, attacker: float, defender: float, ij: Cell, rounds: int | None = None, return_fire: float = 1.0
    ) -> tuple[int, int]:
        """Resolve a clash at ``ij`` (``rounds`` as :func:`engage`; the defender's fire times
        the terrain and ``return_fire``); record casualties, violence and civilian harm."""
        sec = self.params.security
        factor = terrain_factor(int(self.geo.terrain[ij]), sec) * return_fire
        lost, killed = engage(attacker, defender, factor, sec, self.rng, rounds)
        self.today["clashes"] += 1
        self.today["clash_casualties"] += lost + killed
        self.population.add_violence(ij, self.params.population.violence_per_clash)
        if self.population.residents[ij] > 1 and self.rng.random() < sec.civilians_per_clash_prob:
            self.harm_civilians(
                ij, int(self.rng.poisson(sec.civilians_harmed_per_casualty * (lost + killed)))
            )
        return lost, killed

    def harm_civilians(self, ij: Cell, harmed: int) -> None:
        """Civilians killed or injured at ``ij`` (Bennett's anger reads the harm layer);
        each harmed civilian is killed with ``civilians_killed_share``."""
        self.population.harm[ij] += harmed
        self.today["civilian_harm"] += harmed
        self.today["deaths_civilians"] += int(
            self.rng.binomial(harmed, self.params.security.civilians_killed_share)
        )

    def hunt(
        self,
        hunter: PlacedUnit,
        radius_km: float,
        effort: float,
        watch: np.ndarray,
        firepower: float,
        ground: np.ndarray,
    ) -> None:
        """Militia clearing or a state raid on each IS cell in reach and on the hunter's
        ``ground`` (a bool layer, :func:`hunting_ground`) that the hunter's watchers
        spot (chance ``effort`` times the watch layer at the cell), when the day's hunting force
        (``security.hunt_force_share`` of the hunter's fighters) still has the
        ``hunt_commitment_per_member`` per member a hunt takes: a cell the rest cannot take on is
        left alone today. A spotted cell stands and fights when that costs it fewer members than
        running, else runs: it slips away with ``islamic_state.p_evade_hunt`` and is captured
        otherwise (``is_arrested``)."""
        sec, p = self.params.security, self.params.islamic_state
        force = sec.hunt_force_share * hunter.fighters
        rows = self.islamic_state.rows_on(self.reach(hunter.ij, radius_km, ground))
        if rows.size == 0:
            return
        table = self.islamic_state.table  # a hunt changes only the cell it spots: read the rest now
        needed = sec.hunt_commitment_per_member * table.members[rows]
        spotted = effort * watch[table.i[rows], table.j[rows]]
        for row, sent, p_spot in zip(rows.tolist(), needed.tolist(), spotted.tolist(), strict=True):
            if sent > force or self.rng.random() >= p_spot:
                continue
            cell = table.agents[row]
            force -= sent
            committed = sent * firepower
            if self.stands_and_fights(cell, committed):
                lost, killed = self.clash(committed, cell.members, cell.ij)
                hunter.lose(lost)
                cell.lose(killed)
            elif self.rng.random() < p.p_evade_hunt:
                self.islamic_state.slip_away(cell)
            else:
                self.today["is_arrested"] += cell.members
                cell.shrink(int(cell.members))

    def reach(self, ij: Cell, radius_km: float, ground: np.ndarray) -> np.ndarray:
        """Flat bool layer of the cells of ``ground`` within ``radius_km`` of ``ij``; kept,
        as hunters rarely move (the last ``REACHES_KEPT`` asked for)."""
        key = (ij, radius_km, id(ground))
        kept = self._reaches.get(key)
        if kept is None or kept[0] is not ground:
            if len(self._reaches) >= REACHES_KEPT:
                self._reaches.clear()
            near = np.zeros(self.geo.shape, dtype=bool)
            near[self.geo.disk(ij, radius_km)] = True
            kept = self._reaches[key] = (ground, (near & ground).ravel())
        return kept[1]

    def stands_and_fights(self, cell: ISCell, hunters: float) -> bool:
        """A hunted cell fights when the members a fight is expected to cost it are fewer than
        those it expects to lose running (captured unless it slips away)."""
        sec, p = self.params.security, self.params.islamic_state
        factor = terrain_factor(int(self.geo.terrain[cell.ij]), sec)
        _, lost_fighting = expected_losses(hunters, float(cell.members), factor, sec)
        return lost_fighting < (1.0 - p.p_evade_hunt) * float(cell.members)

    def defence(
        self, post: Unit, fighters: float, at: Cell, attackers: float, tribes: Sequence[Tribe]
    ) -> Sides:
        """Who defends a post at ``at``: the ``fighters`` present there, and every other tribe
        based within its defence radius with min(its fighters, commitment × attackers) ×
        allegiance."""
        tp = self.params.tribes
        reach = tp.defend_radius_km / self.geo.transform.cell_km
        helpers = [t for t in tribes if t is not post and distance(at, t.ij) <= reach]
        most = tp.helper_commitment_per_attacker * attackers
        return [(post, fighters), *((t, min(t.fighters, most) * t.allegiance) for t in helpers)]

    def islamic_state_attack(
        self, cell: ISCell, post: Unit, fighters: float, at: Cell, tribes: Sequence[Tribe]
    ) -> None:
        """An IS cell strikes a post at ``at`` held by ``fighters`` of a unit (no cap: all of
        them fight); the defenders' losses are shared in proportion to what each side brought."""
        sides = self.defence(post, fighters, at, cell.members, tribes)
        defence = sum(n for _, n in sides)
        lost, killed = self.hit_and_run(cell.members, defence, at)
        for unit, n in sides:
            unit.lose(killed * n / defence)
        cell.lose(lost)

    def hit_and_run(self, attackers: float, defenders: float, at: Cell) -> tuple[int, int]:
        """An IS attack: ``islamic_state.attack_rounds`` rounds at a moment the attackers pick,
        answered by ``ambush_return_fire_share`` of the defenders' fire; counted in ``is_attacks``."""
        p = self.params.islamic_state
        self.today["is_attacks"] += 1
        return self.clash(attackers, defenders, at, p.attack_rounds, p.ambush_return_fire_share)

    def ambush(self, attacker: ISCell, convoy: Convoy) -> bool:
        """An IS cell ambushes a convoy; True when the cargo is lost (the escort broken)."""
        lost, killed = self.hit_and_run(attacker.members, convoy.fighters, convoy.ij)
        for unit in convoy.escorts:
            unit.lose(killed / len(convoy.escorts))
        attacker.lose(lost)
        return killed >= self.params.irgc_logistics.cargo_loss_escort_share * convoy.fighters

    def air_strike(self, target: Unit, exposed: float, effectiveness: float, materiel: float) -> int:
        """Losses of a strike: each exposed fighter is killed with the strike's effectiveness;
        a share of materiel is destroyed. Returns the fighters killed."""
        killed = int(self.rng.binomial(int(min(target.fighters, exposed)), effectiveness))
        target.lose(killed, min(materiel, 1.0))
        return killed

"""Militias (MODEL.md 2, 7.5): PMF brigades and the IRGC-backed groups in Bukamal.

A militia holds a base and checkpoints on roads, taxes passing trucks and smugglers (booked
by the economy), escorts IRGC convoys, clears IS cells near its positions, keeps the
Masharii farmland closed, disperses out of towns after strikes and goes back when quiet.
It has an establishment it refills toward (see ``world.economy``) and a materiel stock
(weapons, vehicles, stores): how well its fighters are equipped scales what its checkpoints
take and how hard it hits when it clears IS cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from bordersim.actors.base import ForceUnit
from bordersim.encounters import hunting_ground
from bordersim.params import MilitiaSpec, SecurityParams
from bordersim.world.geography import TERRAIN
from bordersim.world.influence import G

if TYPE_CHECKING:
    from bordersim.model import BorderModel

GARRISON, CHECKPOINT, DISPERSED = "garrison", "checkpoint", "dispersed"


class Militia(ForceUnit):
    """A militia unit: fighters, funds, a base, checkpoints, posture and cohesion."""

    family = "militia"

    def __init__(
        self, model: BorderModel, spec: MilitiaSpec, home: tuple[int, int], checkpoints: list[tuple[int, int]]
    ) -> None:
        super().__init__(model, spec.name, spec.fighters, home)
        self.alignment = spec.alignment
        self.group = G["militia_irgc"] if self.alignment == "irgc" else G["militia_najaf"]
        self.hunting_ground = hunting_ground(model.params.security, self.alignment, model.geo)
        self.establishment = float(spec.fighters)  # lowered for good by a drawdown
        self.recruits_from = spec.recruits_from
        self.funds = float(spec.funds)
        self.materiel = self.fighters * model.params.economy.materiel_per_fighter
        self.home = home
        self.checkpoints = checkpoints
        self.holds_military_zone = spec.holds_military_zone
        self.stops_tribal_extortion = spec.stops_tribal_extortion
        self.escorts_convoys = spec.escorts_convoys
        self.state_payroll = spec.state_payroll  # PMF brigades are paid by Baghdad
        self.cohesion = 1.0
        self.strike_memory = 0.0
        self.income = 0.0  # booked during the day, settled by the finance submodel
        self.posture = CHECKPOINT if checkpoints else GARRISON

    @property
    def dispersed(self) -> bool:
        return self.posture == DISPERSED

    @property
    def equipped_share(self) -> float:
        """Share of its fighters the unit's materiel equips (1 when fully equipped)."""
        standard = self.fighters * self.model.params.economy.materiel_per_fighter
        return min(1.0, self.materiel / standard) if standard > 0 else 0.0

    @property
    def materiel_shortfall(self) -> float:
        """Materiel the unit lacks to equip all its fighters [USD]."""
        return max(0.0, self.fighters * self.model.params.economy.materiel_per_fighter - self.materiel)

    @property
    def checkpoint_staffing(self) -> float:
        """Share of checkpoint taxation the unit keeps up in its posture and with its materiel."""
        if self.fighters < 1:
            return 0.0
        share = self.model.params.security.dispersed_checkpoint_share if self.dispersed else 1.0
        return share * self.cohesion * self.equipped_share

    def step(self) -> None:
        """Daily behaviour: remember strikes, choose posture, clear IS cells nearby."""
        sec = self.model.params.security
        self.strike_memory *= sec.strike_memory_decay
        self.cohesion = min(1.0, self.cohesion + sec.cohesion_recovery)
        if self.strike_memory > sec.disperse_threshold and not self.dispersed:
            self.disperse()
        elif self.strike_memory <= sec.disperse_threshold and self.dispersed:
            self.return_to_base()
        self.clear_islamic_state(sec)

    def disperse(self) -> None:
        """Leave towns and bases for a cell outside any town within the dispersal radius."""
        m, sec = self.model, self.model.params.security
        r = sec.dispersal_radius_km / m.geo.transform.cell_km
        for _ in range(sec.dispersal_tries):
            di, dj = m.streams.militias.uniform(-r, r, size=2)
            i, j = int(self.home[0] + di), int(self.home[1] + dj)
            if m.geo.transform.contains(i, j) and m.geo.terrain[i, j] != TERRAIN["urban"]:
                self.cell = m.grid[(i, j)]
                break
        self.posture = DISPERSED

    def return_to_base(self) -> None:
        self.cell = self.model.grid[self.home]
        self.posture = CHECKPOINT if self.checkpoints else GARRISON

    def clear_islamic_state(self, sec: SecurityParams) -> None:
        """Engage IS cells its own eyes (posts, cameras) spot within the clearing radius;
        a dispersed unit hides from the air and clears less."""
        if self.fighters < sec.clear_min_fighters:
            return
        effort = sec.p_clear * self.cohesion * (self.presence() / self.fighters)
        watch = self.model.militia_watch
        self.model.encounters.hunt(
            self, sec.clear_radius_km, effort, watch, self.equipped_share, self.hunting_ground
        )

    def struck(self) -> None:
        """Remember a strike. A struck base is rebuilt where it stood: the unit comes back to it."""
        self.strike_memory += self.model.params.security.strike_memory_per_hit

    def lose(self, fighters: float, materiel: float = 0.0) -> None:
        """Losses from strikes or clashes: fighters and a share of its materiel (never cash)."""
        self.count_dead(fighters)
        self.fighters = max(0.0, self.fighters - fighters)
        self.materiel *= 1.0 - materiel

    def presence(self) -> float:
        share = self.model.params.influence.dispersed_presence_share if self.dispersed else 1.0
        return self.fighters * share


def fighters_by_alignment(militias: Iterable[Militia]) -> dict[str, float]:
    out = {"irgc": 0.0, "najaf": 0.0}
    for m in militias:
        out[m.alignment] += m.fighters
    return out


def nearest(militias: Iterable[Militia], ij: tuple[int, int], alignment: str | None = None) -> Militia | None:
    """The militia unit nearest a cell (optionally of one alignment)."""
    pool = [m for m in militias if alignment is None or m.alignment == alignment]
    if not pool:
        return None
    d = [np.hypot(m.ij[0] - ij[0], m.ij[1] - ij[1]) for m in pool]
    return pool[int(np.argmin(d))]

"""Outside actors (MODEL.md 2): US forces near Al-Qa'im and the IRGC's land corridor.

US ground presence gives ISR cover over a radius and patronage to allied tribes until it
withdraws; its air power can strike from outside. IRGC convoys move arms along the corridor
from the Iraqi (E) to the Syrian (NW) gateway, escorted by IRGC-aligned militias; IS may
ambush them and air campaigns may strike them. A convoy that gets through resupplies the
zone's IRGC-aligned units with materiel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bordersim.params import IRGCLogisticsSpec, USParams, USSpec
from bordersim.world.geography import Geography, sample_line
from bordersim.world.influence import G

if TYPE_CHECKING:
    from bordersim.actors.militia import Militia
    from bordersim.model import BorderModel


class USPresence:
    """US ground presence: ISR cover and tribal patronage while present; air power."""

    def __init__(self, geo: Geography, spec: USSpec, params: USParams) -> None:
        self.base = geo.cell_of(spec.base, "forces.us.base")
        self.present = spec.present
        self.air_power = params.air_power
        self.p_isr = params.p_isr
        self.cover = np.zeros(geo.shape)
        self.cover[geo.disk(self.base, params.isr_radius_km)] = 1.0
        self.cover[geo.watched_cells("us_isr")] = 1.0  # the border stretches ISR watches

    def isr(self) -> np.ndarray:
        """Chance per cell that ISR adds a detection (0 once the US has left)."""
        return self.cover * self.p_isr if self.present else np.zeros_like(self.cover)

    def withdraw(self, keep_air_power: bool = True) -> None:
        self.present = False
        self.air_power = keep_air_power


@dataclass
class Convoy:
    """An IRGC convoy on the corridor with its escort."""

    escorts: list[Militia]
    ij: tuple[int, int]
    fighters: float
    cargo_loss_materiel_share: float
    name: str = "IRGC convoy"
    destroyed: bool = False

    def lose(self, fighters: float, materiel: float = 0.0) -> None:
        """Struck from the air: escorts lose fighters; a heavy hit destroys the cargo."""
        for unit in self.escorts:
            unit.lose(fighters / len(self.escorts))
        self.fighters -= fighters
        self.destroyed |= materiel > self.cargo_loss_materiel_share or self.fighters <= 0


class IRGCLogistics:
    """Convoys along the land corridor, escorted by IRGC-aligned militias."""

    def __init__(self, geo: Geography, spec: IRGCLogisticsSpec) -> None:
        points = []
        for k, name in enumerate(spec.route):
            points.append(geo.transform.to_latlon(*geo.cell_of(name, f"forces.irgc_logistics.route[{k}]")))
        self.cells, _ = sample_line(np.array(points, dtype=float), geo.transform)
        self.flat = np.ravel_multi_index(self.cells.T, geo.shape)
        self.midpoint = (int(self.cells[len(self.cells) // 2][0]), int(self.cells[len(self.cells) // 2][1]))
        self.in_transit: list[Convoy] = []

    def move_convoys(self, model: BorderModel) -> None:
        """Convoys on the road arrive (unless ambushed); new ones set out."""
        p = model.params.irgc_logistics
        for convoy in self.in_transit:
            if not convoy.destroyed and not self.ambushed(model, convoy):
                model.today["convoys_completed"] += 1
                resupply([m for m in model.militias if m.alignment == "irgc"], p.materiel_per_convoy)
        self.in_transit = []
        escorts = [m for m in model.militias if m.escorts_convoys and m.fighters >= p.escort_fighters]
        if not escorts:
            return
        for _ in range(model.streams.convoys.poisson(p.convoys_per_week / 7.0)):
            party = [escorts[int(model.streams.convoys.integers(len(escorts)))]]
            strength = p.escort_fighters * np.mean([u.cohesion for u in party])
            self.in_transit.append(Convoy(party, self.midpoint, float(strength), p.cargo_loss_materiel_share))

    def ambushed(self, model: BorderModel, convoy: Convoy) -> bool:
        """IS cells near the corridor ambush a convoy with a chance rising with their presence."""
        is_presence = model.influence.presence[G["is"]].ravel()[self.flat].sum()
        chance = 1.0 - np.exp(-is_presence / model.params.irgc_logistics.ambush_scale)
        if model.streams.convoys.random() >= chance:
            return False
        r = model.params.islamic_state.attack_radius_km / model.geo.transform.cell_km
        cells = model.islamic_state.within(convoy.ij, r)
        if not cells:
            return False
        attacker = max(cells, key=lambda c: c.members)
        return model.encounters.ambush(attacker, convoy)


def resupply(units: list[Militia], materiel: float) -> None:
    """A convoy's drop for the zone: materiel to the units short of theirs, in proportion to
    what each lacks and never beyond it; the rest of the cargo goes on to Syria."""
    short = np.array([u.materiel_shortfall for u in units])
    total = short.sum()
    if total <= 0:
        return
    for unit, lacking in zip(units, short, strict=True):
        unit.materiel += lacking * min(1.0, materiel / total)

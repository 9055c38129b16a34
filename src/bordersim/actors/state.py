"""State forces (MODEL.md 2, 7.4): Iraqi and Syrian services, and the SDF as its own authority.

A state unit patrols around its base (its presence feeds detection), raids IS cells it
detects, lets a share of what it detects pass for a bribe (``corruption``) and is refilled
toward its authorised strength. Militia-run crews are rarely stopped (border guards
cooperate with the militias): see ``economy.militia_protection_share``.
"""

from __future__ import annotations

from typing import Any

from mesa.discrete_space import CellAgent

from bordersim.world.influence import G

SIDE_GROUP = {"iraq": G["state_iraq"], "syria": G["state_syria"], "sdf": G["sdf"]}


class StateForce(CellAgent):
    """A state unit: service, side, fighters, detection capability, firepower, corruption."""

    def __init__(self, model: Any, spec: dict, base: tuple[int, int]) -> None:
        super().__init__(model)
        self.name: str = spec["name"]
        self.side: str = spec["side"]
        self.service: str = spec["service"]
        self.group = SIDE_GROUP[self.side]
        self.fighters = float(spec["fighters"])
        self.authorised = self.fighters
        self.detection = float(spec["detection"])
        self.firepower = float(spec.get("firepower", 1.0))
        self.corruption = float(spec["corruption"])
        self.cell = model.grid[base]

    def step(self) -> None:
        """Daily behaviour: raid IS cells detected in reach, then take in reinforcements."""
        sec = self.model.params["security"]
        self.raid_islamic_state(sec)
        self.fighters += sec["reinforcement_rate"] * (self.authorised - self.fighters)

    def raid_islamic_state(self, sec: dict) -> None:
        m = self.model
        r = sec["raid_radius_km"] / m.geo.transform.cell_km
        for cell in m.islamic_state.within(self.cell.coordinate, r):
            if m.rng.random() < sec["p_raid"] * m.detection_at(cell.ij):
                committed = min(self.fighters, 3 * cell.members) * self.firepower
                lost, killed = m.fight(committed, cell.members, cell.ij, sec)
                self.fighters = max(0.0, self.fighters - lost)
                cell.lose(killed)

    def lose(self, fighters: float, materiel: float = 0.0) -> None:
        self.fighters = max(0.0, self.fighters - fighters)

    def presence(self) -> float:
        return self.fighters

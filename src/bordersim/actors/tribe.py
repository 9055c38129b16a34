"""Tribes (MODEL.md 2, 7.9): Bou Mahal, Karbuli, Shaitat and the smaller clans.

A tribe has a home town, a fighting arm and kin across the border. It is paid by its patron
(the US, the state or the SDF) while the patron is there; when patronage covers less than a
threshold of its fighters' pay, its fighters turn to extorting shopkeepers, a source of
grievance [paper]. Allegiance follows patronage and the grievance of the home town.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mesa.discrete_space import CellAgent

from bordersim.world.influence import G


class Tribe(CellAgent):
    """A tribe: home cells, fighters, funds, patron, patronage, allegiance, kin ties."""

    group = G["tribal"]

    def __init__(self, model: Any, spec: dict, home: tuple[int, int], home_cells: np.ndarray) -> None:
        super().__init__(model)
        self.name: str = spec["name"]
        self.fighters = float(spec["fighters"])
        self.funds = float(spec.get("funds", 0.0))
        self.patron: str = spec.get("patron", "none")
        self.kin_across_border = float(spec.get("kin_across_border", 0.0))
        self.home_cells = home_cells
        self.allegiance = 1.0 if self.patron != "none" else 0.5
        self.patronage = 0.0
        self.extorting = False
        self.income = 0.0
        self.cell = model.grid[home]

    def patron_present(self) -> bool:
        if self.patron == "us":
            return self.model.us.present
        return self.patron in ("state", "sdf")

    def step(self) -> None:
        """Daily behaviour: receive patronage, update allegiance, decide whether to extort."""
        p = self.model.params["tribes"]
        pay = self.fighters * self.model.params["economy"]["tribal_pay_per_day"]
        self.patronage = p["patronage_per_fighter_day"] * self.fighters if self.patron_present() else 0.0
        paid_share = self.patronage / pay if pay > 0 else 1.0
        grievance = float(self.model.population.grievance.ravel()[self.home_cells].mean())
        target = np.clip(paid_share - grievance, 0.0, 1.0)
        self.allegiance += p["allegiance_rate"] * (target - self.allegiance)
        self.extorting = paid_share < p["extortion_threshold_share"]
        self.income += self.patronage
        if self.extorting:
            self.income += p["extortion_income_per_fighter_day"] * self.fighters

    def lose(self, fighters: float, materiel: float = 0.0) -> None:
        self.fighters = max(0.0, self.fighters - fighters)

    def presence(self) -> float:
        return self.fighters * (0.5 + 0.5 * self.allegiance)

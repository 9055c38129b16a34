"""Tribes (MODEL.md 2, 7.9): Bou Mahal, Karbuli, Shaitat and the smaller clans.

A tribe has a home town and a fighting arm. It is paid by its patron (the US, the state or
the SDF) while the patron is there; the fighters patronage does not pay make up for the
shortfall by extorting shopkeepers, a source of grievance [paper]. A tribe whose patron
leaves (the US in the withdrawal scenario) seeks the Iraqi state as its patron and goes
without until the state takes it on. Allegiance follows patronage and the grievance of the
home town; a tribe joins the defence of units attacked by IS near it in proportion to its
allegiance (see ``encounters``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bordersim.actors.base import ForceUnit
from bordersim.params import TribeParams, TribeSpec
from bordersim.world.economy import pay_bill
from bordersim.world.influence import G

if TYPE_CHECKING:
    from bordersim.model import BorderModel


class Tribe(ForceUnit):
    """A tribe: home cells, fighters, funds, patron, patronage, allegiance."""

    group = G["tribal"]
    family = "tribe"

    def __init__(
        self, model: BorderModel, spec: TribeSpec, home: tuple[int, int], home_cells: np.ndarray
    ) -> None:
        super().__init__(model, spec.name, spec.fighters, home)
        self.establishment = float(spec.fighters)
        self.recruits_from = spec.recruits_from
        self.funds = float(spec.funds)
        self.patron = spec.patron
        self.home_cells = home_cells
        p = model.params.tribes
        self.allegiance = 1.0 if self.patron != "none" else p.initial_allegiance_without_patron
        self.patronage = 0.0
        self.extorting_fighters = 0.0
        self.days_without_patron = 0
        self.income = 0.0

    def patron_present(self) -> bool:
        if self.patron == "us":
            return self.model.us.present
        return self.patron in ("state", "sdf")

    @property
    def extorting(self) -> bool:
        return self.extorting_fighters > 0.0

    def step(self) -> None:
        """Daily behaviour: seek a patron if its own left, receive patronage, update allegiance;
        the fighters patronage does not pay extort shopkeepers to make up the shortfall."""
        p = self.model.params.tribes
        self.seek_patron(p)
        pay = pay_bill(self, self.model.params.economy)
        self.patronage = p.patronage_per_fighter_day * self.fighters if self.patron_present() else 0.0
        paid_share = min(self.patronage / pay, 1.0) if pay > 0 else 1.0
        grievance = float(self.model.population.grievance.ravel()[self.home_cells].mean())
        target = min(max(paid_share - grievance, 0.0), 1.0)
        self.allegiance += p.allegiance_rate * (target - self.allegiance)
        self.extorting_fighters = self.fighters * (1.0 - paid_share)
        self.income += self.patronage + p.extortion_income_per_fighter_day * self.extorting_fighters

    def seek_patron(self, p: TribeParams) -> None:
        """A tribe whose patron has left turns to the Iraqi state, which takes it on (into the
        tribal hashd) after ``state_patronage_after_days``; until then it goes without."""
        if self.patron == "none" or self.patron_present():
            return
        self.days_without_patron += 1
        if self.days_without_patron >= p.state_patronage_after_days:
            self.patron = "state"

    def presence(self) -> float:
        share = self.model.params.tribes.unaligned_presence_share
        return self.fighters * (share + (1.0 - share) * self.allegiance)

"""Economy (MODEL.md 7.3, 7.5, 7.9): routes and their costs, the official crossing, finances.

``RouteNetwork`` turns the day's security picture into per-route taxes, detection and
corruption that smuggler crews weigh; ``Crossing`` carries legal trade, fees captured by
militia-linked companies and the jobs trade creates; ``settle_finances`` books every unit's
income and pay and lets units recruit when funds allow or shrink when unpaid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bordersim.params import EconomyParams, Params
from bordersim.world.geography import IRAQ, ROUTE_KINDS, Geography
from bordersim.world.influence import MILITIA_GROUPS, membership

if TYPE_CHECKING:
    from bordersim.actors.militia import Militia
    from bordersim.actors.tribe import Tribe
    from bordersim.metrics import Tally


@dataclass
class RouteDay:
    """Per-route figures for one day (arrays over routes)."""

    available: np.ndarray  # bool: open to all crews
    tax: np.ndarray  # checkpoint tax per trip [USD]
    tax_share: np.ndarray  # share of cargo value taken on militia-held stretches
    detection: np.ndarray  # chance a crew is looked at on the way
    corruption: np.ndarray  # chance a look ends in a bribe rather than a seizure
    travel_cost: np.ndarray  # [USD]


class RouteNetwork:
    """The cross-border routes of the geography file, with who taxes and watches each."""

    def __init__(self, geo: Geography, militias: list[Militia], econ: EconomyParams) -> None:
        self.geo = geo
        self.econ = econ
        self.names = [r.name for r in geo.routes]
        self.kind = np.array([ROUTE_KINDS.index(r.kind) for r in geo.routes], dtype=int)
        self.length_km = np.array([r.length_km for r in geo.routes])
        self.flat_cells = [np.ravel_multi_index(r.cells.T, geo.shape) for r in geo.routes]
        reach = econ.checkpoint_reach_km / geo.transform.cell_km
        self.checkpoint_owners = [
            [m for m in militias if any(_near(r.cells, cp, reach) for cp in m.checkpoints)]
            for r in geo.routes
        ]
        self._holders: dict[tuple, list[list[Militia]]] = {}
        self.iraq_entry = [_first_in(r.cells, geo.country, IRAQ) for r in geo.routes]

    def holders(self, route: int, militias: list[Militia]) -> list[Militia]:
        """Militia units based within reach of a route: they take its informal tax share."""
        homes = tuple(m.home for m in militias)
        if homes not in self._holders:
            reach = self.econ.holder_reach_km / self.geo.transform.cell_km
            self._holders[homes] = [
                [m for m in militias if _near(r.cells, m.home, reach)] for r in self.geo.routes
            ]
        return self._holders[homes][route]

    @property
    def official(self) -> np.ndarray:
        return self.kind == ROUTE_KINDS.index("official")

    def day(
        self, detection: np.ndarray, corruption: np.ndarray, control: np.ndarray, crossing_open: bool
    ) -> RouteDay:
        """Figures of every route for today's detection, corruption and control maps."""
        econ = self.econ
        exposure = econ.exposure_per_km * self.geo.transform.cell_km
        det_flat, cor_flat, ctl_flat = detection.ravel(), corruption.ravel(), control.ravel()
        detect, corrupt, militia_held = [], [], []
        held = membership(MILITIA_GROUPS)
        for cells in self.flat_cells:
            d = det_flat[cells]
            detect.append(1.0 - np.exp(np.log1p(-exposure * d).sum()))
            corrupt.append(float((cor_flat[cells] * d).sum() / max(d.sum(), 1e-9)))
            militia_held.append(held[ctl_flat[cells]].mean())
        tax = np.array(
            [
                econ.checkpoint_tax_per_trip * sum(m.checkpoint_staffing for m in owners)
                for owners in self.checkpoint_owners
            ]
        )
        available = ~self.official | crossing_open
        return RouteDay(
            available=available,
            tax=tax,
            tax_share=econ.informal_tax_share * np.array(militia_held) * ~self.official,
            detection=np.array(detect),
            corruption=np.array(corrupt),
            travel_cost=econ.travel_cost_per_km * self.length_km,
        )


def _near(cells: np.ndarray, point: tuple[int, int], reach: float) -> bool:
    return bool((np.hypot(cells[:, 0] - point[0], cells[:, 1] - point[1]) <= reach).any())


def _first_in(cells: np.ndarray, country: np.ndarray, code: int) -> tuple[int, int]:
    """First cell of a route in the given country: where it enters it (or its last cell)."""
    inside = np.flatnonzero(country[cells[:, 0], cells[:, 1]] == code)
    k = inside[0] if inside.size else len(cells) - 1
    return int(cells[k, 0]), int(cells[k, 1])


class Crossing:
    """The official Qa'im-Bukamal crossing: closed to trade, or open with a capacity."""

    def __init__(self, geo: Geography, params: Params) -> None:
        self.cell = geo.cell_of("crossing", "geography.places")
        self.cell_km = geo.transform.cell_km
        self.params = params  # read daily: a scenario may change them
        self.open = False
        self.settings = dataclasses.replace(params.economy.crossing)
        self.jobs = 0.0
        ii, jj = np.indices(geo.shape)
        r = params.economy.job_radius_km / geo.transform.cell_km
        ci, cj = self.cell
        self.catchment = (ii - ci) ** 2 + (jj - cj) ** 2 <= r**2

    def open_to_trade(self, **settings: float) -> None:
        for name, value in settings.items():
            setattr(self.settings, name, value)
        self.open = True

    def trade_day(self, rng: np.random.Generator, militias: list[Militia], today: Tally) -> tuple[int, float]:
        """Trucks and value of legal trade today; fees captured by nearby militias."""
        s = self.settings
        trucks = int(rng.poisson(s.capacity_trucks_per_day)) if self.open else 0
        trucks = min(trucks, int(s.capacity_trucks_per_day))
        self.jobs += (trucks * s.jobs_per_truck - self.jobs) / self.params.economy.jobs_adjust_days
        if self.open:
            growth = self.params.security.crossing_monitoring_growth
            s.customs_detection = min(1.0, s.customs_detection + growth)
        captured = trucks * s.fee_per_truck * s.militia_capture_share
        share_out(captured, self.capturing_militias(militias))
        today["militia_crossing_revenue"] += captured
        return trucks, trucks * s.value_per_truck

    def capturing_militias(self, militias: list[Militia]) -> list[Militia]:
        """Militias based near the crossing: their companies take a share of its fees."""
        r = self.settings.capture_radius_km / self.cell_km
        ci, cj = self.cell
        return [m for m in militias if np.hypot(m.home[0] - ci, m.home[1] - cj) <= r and m.fighters > 0]

    def job_share(self, residents: np.ndarray, labour_share: float) -> np.ndarray:
        """Share of each cell's labour force the crossing employs: its jobs, shared over the
        labour force within its catchment."""
        labour = labour_share * residents[self.catchment].sum()
        share = min(1.0, self.jobs / labour) if labour > 0 else 0.0
        return np.where(self.catchment, share, 0.0)


def share_out(amount: float, units: Sequence[Militia]) -> None:
    """Book ``amount`` of income to units in proportion to their fighters."""
    total = sum(u.fighters for u in units)
    if amount <= 0 or total <= 0:
        return
    for u in units:
        u.income += amount * u.fighters / total


def settle_finances(militias: list[Militia], tribes: list[Tribe], econ: EconomyParams, today: Tally) -> None:
    """Book the day's income and pay; recruit when funds allow, shrink when unpaid (7.9)."""
    for m in militias:
        subsidy = econ.irgc_subsidy_per_fighter_day * m.fighters if m.alignment == "irgc" else 0.0
        salary = econ.pmf_salary_share * econ.fighter_pay_per_day * m.fighters if m.state_payroll else 0.0
        today["militia_revenue"] += m.income
        today["militia_pay"] += m.fighters * econ.fighter_pay_per_day
        _pay_and_grow(m, m.income + subsidy + salary, econ.fighter_pay_per_day, econ, m.strength_cap)
    for t in tribes:
        _pay_and_grow(t, t.income, econ.tribal_pay_per_day, econ, float("inf"))


def _pay_and_grow(
    unit: Militia | Tribe, income: float, pay_per_fighter: float, econ: EconomyParams, cap: float
) -> None:
    pay = unit.fighters * pay_per_fighter
    unit.funds += income - pay
    unit.income = 0.0
    if unit.funds < 0:
        unit.fighters *= 1.0 - econ.desertion_rate_per_day
        unit.funds = 0.0
        return
    spare = unit.funds - econ.reserve_days * pay
    if spare > 0:
        room = max(cap - unit.fighters, 0.0)
        recruits = min(econ.recruit_rate_per_day * unit.fighters, spare / econ.recruit_cost, room)
        unit.fighters += recruits
        unit.funds -= recruits * econ.recruit_cost

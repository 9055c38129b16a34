"""Economy (MODEL.md 7.3, 7.5, 7.9): routes and their costs, the official crossing, finances.

``RouteNetwork`` turns the day's security picture into per-route taxes, detection and
corruption that smuggler crews weigh; ``Crossing`` carries legal trade, fees captured by
militia-linked companies and the jobs trade creates; ``QuarryRoad`` books the toll that
quarry trucks pay the militia holding their road; ``settle_finances`` books every unit's
income, its parent's backing and its pay, refills units toward their establishment as
recruits and funds allow, shrinks them when unpaid, and has militias buy materiel and remit
their surplus to their parent organisation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bordersim.errors import ConfigError
from bordersim.params import EconomyParams, Params, QuarryTrafficSpec
from bordersim.world.geography import IRAQ, ROUTE_KINDS, Geography
from bordersim.world.influence import MILITIA_GROUPS, membership

DAYS_PER_MONTH = 30

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
        self.all_cells = np.concatenate(self.flat_cells)
        self.route_sizes = np.array([c.size for c in self.flat_cells])
        self.route_starts = np.r_[0, np.cumsum(self.route_sizes)[:-1]]
        self._watched: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
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
        detect, corrupt = self.watched(detection, corruption)
        held = membership(MILITIA_GROUPS)[control.ravel()[self.all_cells]]
        militia_held = np.add.reduceat(held, self.route_starts, dtype=float) / self.route_sizes
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
            tax_share=econ.informal_tax_share * militia_held * ~self.official,
            detection=detect,
            corruption=corrupt,
            travel_cost=econ.travel_cost_per_km * self.length_km,
        )

    def watched(self, detection: np.ndarray, corruption: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each route's chance that a crew is looked at on the way, and the chance a look ends
        in a bribe; kept while the maps are the same read-only arrays (the state watch is
        remade only when the state units, US presence or the extra watch change)."""
        kept = self._watched
        if kept is not None and kept[0] is detection and kept[1] is corruption:
            return kept[2], kept[3]
        exposure = self.econ.exposure_per_km * self.geo.transform.cell_km
        det_flat, cor_flat = detection.ravel(), corruption.ravel()
        detect, corrupt = [], []
        for cells in self.flat_cells:
            d = det_flat[cells]
            detect.append(1.0 - np.exp(np.log1p(-exposure * d).sum()))
            corrupt.append(float((cor_flat[cells] * d).sum() / max(d.sum(), 1e-9)))
        figures = np.array(detect), np.array(corrupt)
        unchanging = not (detection.flags.writeable or corruption.flags.writeable)
        self._watched = (detection, corruption, *figures) if unchanging else None
        return figures


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
        self.catchment_cells = np.flatnonzero(self.catchment)

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
        labour = labour_share * residents.ravel()[self.catchment_cells].sum()
        share = min(1.0, self.jobs / labour) if labour > 0 else 0.0
        return np.where(self.catchment, share, 0.0)


class QuarryRoad:
    """Quarry trucks on one road of the geography, paying a monthly toll to the militias with
    a checkpoint on it (the limestone trucks of the Qa'im-Akashat road [paper, fn 45])."""

    def __init__(
        self, geo: Geography, militias: list[Militia], spec: QuarryTrafficSpec | None, econ: EconomyParams
    ) -> None:
        self.holders: list[Militia] = []
        self.toll_per_day = 0.0
        if spec is None:
            return
        names = [str(r.get("name", "")) for r in geo.raw.get("roads", [])]
        if spec.road not in names:
            raise ConfigError("forces.quarry_traffic.road", f"no road named {spec.road!r}", ", ".join(names))
        cells = np.argwhere(geo.road == names.index(spec.road))
        reach = econ.checkpoint_reach_km / geo.transform.cell_km
        self.holders = [m for m in militias if any(_near(cells, cp, reach) for cp in m.checkpoints)]
        self.toll_per_day = spec.trucks * spec.toll_per_truck_month / DAYS_PER_MONTH

    def toll_day(self, today: Tally) -> None:
        """The day's tolls: as much as the holders' checkpoints are staffed (a dispersed or
        ill-equipped unit lets trucks through unpaid), shared by staffing."""
        staffing = np.array([m.checkpoint_staffing for m in self.holders])
        held = staffing.sum()
        if held <= 0:
            return
        toll = self.toll_per_day * min(1.0, held)
        for m, share in zip(self.holders, staffing / held, strict=True):
            m.income += toll * share
        today["militia_quarry_tolls"] += toll


def share_out(amount: float, units: Sequence[Militia]) -> None:
    """Book ``amount`` of income to units in proportion to their fighters."""
    total = sum(u.fighters for u in units)
    if amount <= 0 or total <= 0:
        return
    for u in units:
        u.income += amount * u.fighters / total


def settle_finances(militias: list[Militia], tribes: list[Tribe], econ: EconomyParams, today: Tally) -> None:
    """Book the day's income, backing and pay; refill toward establishment as recruits and
    funds allow; militias then buy materiel and remit their surplus (7.9)."""
    for m in militias:
        pay = pay_bill(m, econ)
        backing = parent_backing(m, econ)
        today["militia_revenue"] += m.income
        today["militia_pay"] += pay
        today["militia_backing"] += backing
        _pay(m, m.income + backing, pay, econ)
    for t in tribes:
        _pay(t, t.income, pay_bill(t, econ), econ)
    units: list[Militia | Tribe] = [*militias, *tribes]
    for unit, recruits in zip(units, recruits_found(units, econ), strict=True):
        unit.fighters += recruits
        unit.funds -= recruits * econ.recruit_cost
    for m in militias:
        today["militia_remitted"] += equip_and_remit(m, econ)


def wage(unit: Militia | Tribe, econ: EconomyParams) -> float:
    """Daily pay of one of the unit's fighters: the wage of the pool it recruits from."""
    return econ.recruit_pools[unit.recruits_from].pay_per_month / DAYS_PER_MONTH


def pay_bill(unit: Militia | Tribe, econ: EconomyParams) -> float:
    return unit.fighters * wage(unit, econ)


def parent_backing(m: Militia, econ: EconomyParams) -> float:
    """What the unit's paymasters pay today: Baghdad the salaries of a PMF brigade's
    registered fighters, the parent organisation (the IRGC and the factions it funds, or the
    Karbala shrine for the Najaf-aligned) its share of the rest of the pay bill."""
    state = state_salaries(m, econ)
    return state + econ.parent_salary_share * (pay_bill(m, econ) - state)


def state_salaries(m: Militia, econ: EconomyParams) -> float:
    """Baghdad's payroll: the salaries of a PMF brigade's registered fighters (at most those
    present), nothing for a unit off the payroll."""
    if not m.state_payroll:
        return 0.0
    return wage(m, econ) * min(m.fighters, econ.pmf_registered_share * m.establishment)


def reserve(unit: Militia | Tribe, econ: EconomyParams) -> float:
    """Funds a unit keeps rather than remit: ``reserve_days`` of pay at its establishment."""
    return econ.reserve_days * unit.establishment * wage(unit, econ)


def _pay(unit: Militia | Tribe, income: float, pay: float, econ: EconomyParams) -> None:
    """Take in the day's income and pay the fighters; unpaid fighters desert."""
    unit.funds += income - pay
    unit.income = 0.0
    if unit.funds < 0:
        unpaid = -unit.funds / wage(unit, econ)
        unit.fighters = max(0.0, unit.fighters - econ.desertion_rate_per_day * unpaid)
        unit.funds = 0.0


def recruits_found(units: Sequence[Militia | Tribe], econ: EconomyParams) -> list[float]:
    """Recruits each unit takes in today: what it wants (its gap to establishment, as far as
    its funds pay for them), shared out of its pool's daily supply in proportion to what each
    unit wants."""
    wanted = [min(max(u.establishment - u.fighters, 0.0), u.funds / econ.recruit_cost) for u in units]
    demand: dict[str, float] = {}
    for u, w in zip(units, wanted, strict=True):
        demand[u.recruits_from] = demand.get(u.recruits_from, 0.0) + w
    found = []
    for u, w in zip(units, wanted, strict=True):
        supply = econ.recruit_pools[u.recruits_from].recruits_per_month / DAYS_PER_MONTH
        found.append(w * min(1.0, supply / demand[u.recruits_from]) if w > 0 else 0.0)
    return found


def equip_and_remit(m: Militia, econ: EconomyParams) -> float:
    """Buy the materiel the unit lacks from its funds, then remit to the parent organisation
    what is left above the reserve and the cost of refilling to establishment; returns the
    amount remitted."""
    bought = min(m.materiel_shortfall, m.funds)
    m.materiel += bought
    m.funds -= bought
    refill = max(m.establishment - m.fighters, 0.0) * econ.recruit_cost
    remitted = max(m.funds - reserve(m, econ) - refill, 0.0)
    m.funds -= remitted
    return remitted

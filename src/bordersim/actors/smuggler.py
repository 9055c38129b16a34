"""Smuggler crews (MODEL.md 2, 7.3): route choice by expected profit, learnt route risk.

Each day a crew that is home decides whether to make a run. It weighs every open route by
expected profit: the margin on its cargo, less checkpoint taxes, the militias' share on
routes they hold, travel cost, expected bribes and the expected loss from interdiction,
with the interdiction risk it has learnt (NarcoLogic: risk = (decayed interdictions +
alpha) / (decayed runs + alpha + beta)), and picks one by a logit, or stays home when no
route's profit beats staying. A run keeps it away ``haul_days``. Militia-run crews carry the
militias' fuel monopoly, pay no tax and are rarely stopped; their profit goes to their
militia. Crews staged in a town whose tribe has kin across the border are looked at less
(kin warn of patrols and take loads over). The whole family acts at once in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bordersim.actors.base import Column, FamilyTable, TabledAgent
from bordersim.params import EconomyParams
from bordersim.world.economy import RouteDay, share_out

if TYPE_CHECKING:
    from bordersim.actors.militia import Militia
    from bordersim.model import BorderModel


class SmugglerCrew(TabledAgent):
    """A crew: cargo, cash, the route it last took, its risk estimates, its affiliation."""

    cash = Column()
    cargo_value = Column()
    margin = Column()
    route = Column()
    militia_run = Column()
    patron = Column()
    kin = Column()
    away = Column()


@dataclass
class SmugglingDay:
    """What the crews did today: per-route totals, and who ran where (for IS riders)."""

    trips: np.ndarray  # runs per route
    value: np.ndarray  # cargo value per route [USD]
    interdictions: np.ndarray  # seizures per route
    bribes: np.ndarray  # bribed looks per route
    runners: np.ndarray  # table rows of the crews that ran
    runner_routes: np.ndarray  # the route each runner took
    runner_seized: np.ndarray  # whether each runner was seized


class Smugglers:
    """The smuggler crews of the zone as one family: their table and their daily runs."""

    def __init__(self, model: BorderModel, capacity: int, n_routes: int) -> None:
        self.model = model
        self.table = FamilyTable(
            capacity,
            {
                "cash": float,
                "cargo_value": float,
                "margin": float,
                "route": int,
                "militia_run": bool,
                "patron": int,
                "kin": float,
                "away": float,
                "seen_interdictions": (float, n_routes),
                "seen_runs": (float, n_routes),
            },
        )

    def spawn(self, at: tuple[int, int]) -> SmugglerCrew:
        """A new crew at a staging town (its cargo and affiliation set by the caller)."""
        return SmugglerCrew(self.model, self.table, self.model.grid[at])

    def run_day(self, day: RouteDay) -> SmugglingDay:
        """All crews' runs for one day; books taxes, bribes, seizures and learning."""
        m, t = self.model, self.table
        econ, rng = m.params.economy, m.streams.smuggling
        rows = t.rows
        n_routes = len(day.tax)
        t.away[rows] = np.maximum(t.away[rows] - 1.0, 0.0)
        rows = rows[t.away[rows] <= 0]
        value, margin, free = t.cargo_value[rows], t.margin[rows], t.militia_run[rows]
        available = day.available[None, :] | free[:, None]  # militias use the closed crossing
        risk = learnt_risk(t, rows, econ)
        profit = expected_profit(value, margin, free, risk, day, econ)
        route = choose_routes(profit, available, econ.logit_scale, rng)
        t.route[rows] = route
        rows, route, value, margin, free = (x[route >= 0] for x in (rows, route, value, margin, free))
        t.away[rows] = econ.haul_days

        protection = np.where(free, econ.militia_protection_share, 1.0)
        looked_at = day.detection[route] * protection * (1.0 - econ.kin_warning_share * t.kin[rows])
        customs = np.where(m.routes.official[route] & ~free, m.crossing.settings.customs_detection, 0.0)
        detected = rng.random(rows.size) < 1.0 - (1.0 - looked_at) * (1.0 - customs)
        bribed = detected & (rng.random(rows.size) < day.corruption[route])
        seized = detected & ~bribed

        tax = checkpoint_charges(day.tax[route], day.tax_share[route], value, free)
        bribe = np.where(bribed, econ.bribe_share * value, 0.0)
        gain = np.where(seized, -(1.0 - margin) * value, margin * value)
        profit = gain - tax - bribe - day.travel_cost[route]
        self._book_taxes(route[~free], value[~free], day)
        self._book_militia_crews(rows[free], profit[free], econ)
        t.cash[rows] += np.where(free, profit * (1.0 - econ.militia_crew_profit_share), profit)
        _learn(t, rows, route, seized, n_routes, econ)
        return SmugglingDay(
            trips=np.bincount(route, minlength=n_routes),
            value=np.bincount(route, weights=value, minlength=n_routes),
            interdictions=np.bincount(route, weights=seized, minlength=n_routes),
            bribes=np.bincount(route, weights=bribed, minlength=n_routes),
            runners=rows,
            runner_routes=route,
            runner_seized=seized,
        )

    def _book_taxes(self, route: np.ndarray, value: np.ndarray, day: RouteDay) -> None:
        """Checkpoint taxes go to the checkpoints' owners, the value share to the route's holders."""
        routes, militias = self.model.routes, self.model.militias
        n = len(day.tax)
        checkpoint = np.bincount(route, minlength=n) * day.tax
        shares = np.bincount(route, weights=value, minlength=n) * day.tax_share
        for r in range(n):
            share_out(checkpoint[r], routes.checkpoint_owners[r])
            share_out(shares[r], routes.holders(r, militias))

    def _book_militia_crews(self, rows: np.ndarray, profit: np.ndarray, econ: EconomyParams) -> None:
        militias: list[Militia] = self.model.militias
        patrons = self.table.patron[rows]
        shares = np.bincount(patrons, weights=np.maximum(profit, 0.0), minlength=len(militias))
        for militia, amount in zip(militias, shares, strict=True):
            militia.income += amount * econ.militia_crew_profit_share


def learnt_risk(table: FamilyTable, rows: Any, econ: EconomyParams) -> np.ndarray:
    """NarcoLogic's learnt interdiction risk of the given crews on every route."""
    a, b = econ.risk_alpha, econ.risk_beta
    return (table.seen_interdictions[rows] + a) / (table.seen_runs[rows] + a + b)


def checkpoint_charges(
    tax: np.ndarray, tax_share: np.ndarray, value: np.ndarray, militia_run: np.ndarray
) -> np.ndarray:
    """What a run pays at militia checkpoints and on militia-held stretches (militia-run
    crews pay nothing); arrays broadcast (crews x routes, or one route per crew)."""
    return np.where(militia_run, 0.0, tax + tax_share * value)


def expected_profit(
    value: np.ndarray,
    margin: np.ndarray,
    militia_run: np.ndarray,
    risk: np.ndarray,
    day: RouteDay,
    econ: EconomyParams,
) -> np.ndarray:
    """Expected profit (crews x routes) of a run with the given cargo on every route."""
    v, mg = value[:, None], margin[:, None]
    free = militia_run[:, None]
    tax = checkpoint_charges(day.tax, day.tax_share, v, free)
    bribe = day.detection * day.corruption * econ.bribe_share * v
    bribe = np.where(free, bribe * econ.militia_protection_share, bribe)
    gain = (1.0 - risk) * mg * v - risk * (1.0 - mg) * v
    return gain - tax - bribe - day.travel_cost


def choose_routes(
    profit: np.ndarray, available: np.ndarray, scale: float, rng: np.random.Generator
) -> np.ndarray:
    """Logit choice among available routes and staying home (utility 0); -1 means home."""
    util = np.where(available, profit / scale, -np.inf)
    util = np.concatenate([np.zeros((len(util), 1)), util], axis=1)
    util -= util.max(axis=1, keepdims=True)
    p = np.exp(util)
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(len(p))[:, None]
    return (p.cumsum(axis=1) < u).sum(axis=1) - 1


def _learn(
    t: FamilyTable,
    rows: np.ndarray,
    route: np.ndarray,
    seized: np.ndarray,
    n_routes: int,
    econ: EconomyParams,
) -> None:
    """Decay memories; add own runs and seizures, and hearsay of others' seizures."""
    alive = t.rows
    t.seen_interdictions[alive] *= econ.risk_decay
    t.seen_runs[alive] *= econ.risk_decay
    np.add.at(t.seen_runs, (rows, route), 1.0)
    np.add.at(t.seen_interdictions, (rows, route), seized.astype(float))
    runs = np.bincount(route, minlength=n_routes)
    rate = np.bincount(route, weights=seized, minlength=n_routes) / np.maximum(runs, 1)
    w = econ.hearsay_weight
    t.seen_runs[alive] += w * (runs > 0)
    t.seen_interdictions[alive] += w * rate

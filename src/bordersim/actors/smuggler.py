"""Smuggler crews (MODEL.md 2, 7.3): route choice by expected profit, learnt route risk.

Each day a crew may make a run. It weighs every open route by expected profit: the margin
on its cargo, less checkpoint taxes, the militias' share on routes they hold, travel cost,
expected bribes and the expected loss from interdiction, with the interdiction risk it has
learnt (NarcoLogic: risk = (decayed interdictions + alpha) / (decayed runs + alpha + beta)),
and picks one by a logit (or stays home). Militia-run crews pay no tax and are rarely
stopped; their profit goes to their militia. The whole family acts at once in numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bordersim.actors.base import Column, FamilyTable, TabledAgent
from bordersim.world.economy import RouteDay, share_out


class SmugglerCrew(TabledAgent):
    """A crew: cargo, cash, the route it last took, its risk estimates, its affiliation."""

    cash = Column()
    cargo_value = Column()
    margin = Column()
    route = Column()
    militia_run = Column()
    patron = Column()

    @classmethod
    def table_for(cls, capacity: int, n_routes: int) -> FamilyTable:
        return FamilyTable(
            capacity,
            {
                "cash": float,
                "cargo_value": float,
                "margin": float,
                "route": int,
                "militia_run": bool,
                "patron": int,
                "seen_interdictions": (float, n_routes),
                "seen_runs": (float, n_routes),
            },
        )

    @property
    def risk(self) -> np.ndarray:
        """This crew's learnt interdiction risk on every route."""
        return learnt_risk(self.table, self.row, self.model.params["economy"])


def learnt_risk(table: FamilyTable, rows: Any, econ: dict) -> np.ndarray:
    a, b = econ["risk_alpha"], econ["risk_beta"]
    return (table.seen_interdictions[rows] + a) / (table.seen_runs[rows] + a + b)


def expected_profit(
    value: np.ndarray,
    margin: np.ndarray,
    militia_run: np.ndarray,
    risk: np.ndarray,
    day: RouteDay,
    econ: dict,
) -> np.ndarray:
    """Expected profit (crews x routes) of a run with the given cargo on every route."""
    v, mg = value[:, None], margin[:, None]
    free = militia_run[:, None]
    tax = np.where(free, 0.0, day.tax + day.tax_share * v)
    bribe = day.detection * day.corruption * econ["bribe_share"] * v
    bribe = np.where(free, bribe * econ["militia_protection_share"], bribe)
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


def run_day(model: Any, day: RouteDay) -> dict[str, np.ndarray]:
    """All crews' runs for one day; books taxes, bribes, seizures and learning.

    Returns per-route trip counts, values, interdictions and bribes for the day's metrics.
    """
    econ, rng, t = model.params["economy"], model.rng, model.crews
    rows = t.rows
    n_routes = len(day.tax)
    going = rng.random(rows.size) < econ["p_trip"]
    rows = rows[going]
    value, margin, free = t.cargo_value[rows], t.margin[rows], t.militia_run[rows]
    available = day.available[None, :] | free[:, None]  # militias use the closed crossing
    risk = learnt_risk(t, rows, econ)
    profit = expected_profit(value, margin, free, risk, day, econ)
    route = choose_routes(profit, available, econ["logit_scale"], rng)
    t.route[rows] = route
    rows, route, value, margin, free = (x[route >= 0] for x in (rows, route, value, margin, free))

    looked_at = day.detection[route] * np.where(free, econ["militia_protection_share"], 1.0)
    customs = np.where(
        model.routes.official[route] & ~free, model.crossing.settings["customs_detection"], 0.0
    )
    detected = rng.random(rows.size) < 1.0 - (1.0 - looked_at) * (1.0 - customs)
    bribed = detected & (rng.random(rows.size) < day.corruption[route])
    seized = detected & ~bribed

    tax = np.where(free, 0.0, day.tax[route] + day.tax_share[route] * value)
    bribe = np.where(bribed, econ["bribe_share"] * value, 0.0)
    gain = np.where(seized, -(1.0 - margin) * value, margin * value)
    profit = gain - tax - bribe - day.travel_cost[route]
    _book_taxes(model, route[~free], value[~free], day)
    _book_militia_crews(model, rows[free], profit[free], econ)
    t.cash[rows] += np.where(free, profit * (1.0 - econ["militia_crew_profit_share"]), profit)
    _learn(t, rows, route, seized, n_routes, econ)
    return {
        "trips": np.bincount(route, minlength=n_routes),
        "value": np.bincount(route, weights=value, minlength=n_routes),
        "interdictions": np.bincount(route, weights=seized, minlength=n_routes),
        "bribes": np.bincount(route, weights=bribed, minlength=n_routes),
        "runners": rows,
        "runner_routes": route,
        "runner_seized": seized,
    }


def _book_taxes(model: Any, route: np.ndarray, value: np.ndarray, day: RouteDay) -> None:
    """Checkpoint taxes go to the checkpoints' owners, the value share to the route's holders."""
    n = len(day.tax)
    checkpoint = np.bincount(route, minlength=n) * day.tax
    shares = np.bincount(route, weights=value, minlength=n) * day.tax_share
    for r in range(n):
        share_out(checkpoint[r], model.routes.checkpoint_owners[r])
        share_out(shares[r], model.routes.holders(r, model.militias))


def _book_militia_crews(model: Any, rows: np.ndarray, profit: np.ndarray, econ: dict) -> None:
    patrons = model.crews.patron[rows]
    shares = np.bincount(patrons, weights=np.maximum(profit, 0.0), minlength=len(model.militias))
    for militia, amount in zip(model.militias, shares, strict=True):
        militia.income += amount * econ["militia_crew_profit_share"]


def _learn(
    t: FamilyTable, rows: np.ndarray, route: np.ndarray, seized: np.ndarray, n_routes: int, econ: dict
) -> None:
    """Decay memories; add own runs and seizures, and hearsay of others' seizures."""
    alive = t.rows
    t.seen_interdictions[alive] *= econ["risk_decay"]
    t.seen_runs[alive] *= econ["risk_decay"]
    np.add.at(t.seen_runs, (rows, route), 1.0)
    np.add.at(t.seen_interdictions, (rows, route), seized.astype(float))
    runs = np.bincount(route, minlength=n_routes)
    rate = np.bincount(route, weights=seized, minlength=n_routes) / np.maximum(runs, 1)
    w = econ["hearsay_weight"]
    t.seen_runs[alive] += w * (runs > 0)
    t.seen_interdictions[alive] += w * rate

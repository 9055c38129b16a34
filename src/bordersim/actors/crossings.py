"""IS crossings into Iraq (MODEL.md 7.7): a stock in the Syrian Badia, border segments with
the risk the network has learnt there, and groups that decide whether and where to cross.

The Badia stock lies off the grid: members join it and leave it for other fronts at rates
of ``params.islamic_state``. Each day some of its groups, and the cells on the grid in Syria
that think of leaving, weigh every border segment (``geography.border.segments``) by the
expected value of trying it: the chance of getting through, as learnt from what happened to
earlier crossers there (as NarcoLogic's smugglers learn: decayed failures over decayed
attempts, shrunk toward a prior, one memory for the whole network), against the cost of being
caught and of the distance; they pick a segment by a logit or stay. Detection on a segment is what the state
posts, US ISR and any extra watch a policy adds along the border see there
(``BorderModel.detection``) and, on the stretches the militias watch with cameras, the
militias' own watch. A group crosses with a smuggler crew (the
nearest crew running that day, on that crew's route), through a corrupt post or alone at
night; failed groups lose a share captured, the rest turn back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import distance_transform_edt

from bordersim.actors.smuggler import choose_routes
from bordersim.params import IslamicStateParams
from bordersim.world.geography import IRAQ, Geography

if TYPE_CHECKING:
    from bordersim.actors.islamic_state import IslamicState
    from bordersim.actors.smuggler import SmugglingDay
    from bordersim.model import BorderModel

METHODS = ("smuggler", "corrupt_post", "alone")
WITH_CREW, CORRUPT_POST, ALONE = range(len(METHODS))


@dataclass
class Attempts:
    """Groups setting out today: their table rows, chosen segments and sizes."""

    rows: np.ndarray
    segment: np.ndarray


class BorderCrossings:
    """The border as IS sees it: segments, what it has learnt of them, and the Badia stock."""

    def __init__(self, model: BorderModel, badia_members: float) -> None:
        self.model = model
        geo = model.geo
        n = len(geo.segments)
        self.badia = float(badia_members)
        self.seen_attempts = np.zeros(n)
        self.seen_failures = np.zeros(n)
        self.attempts_by_segment = np.zeros(n)  # all attempts of the run, per segment (an output)
        self.cells = [np.flatnonzero(geo.segment == s) for s in range(n)]
        iraq_side = [c[geo.country.ravel()[c] == IRAQ] for c in self.cells]
        self.entries = [e if e.size else c for e, c in zip(iraq_side, self.cells, strict=True)]
        self.centre_ij = np.array([[ax.mean() for ax in np.unravel_index(c, geo.shape)] for c in self.cells])
        self.nearest_segment = _nearest_segment(geo)
        self.cameras = geo.watched_cells("militia_cameras")
        self.gate = geo.cell_of("syrian_badia", "geography.gateways")

    # -- what the network knows -----------------------------------------------------------
    def learnt_risk(self) -> np.ndarray:
        """Failures over attempts on each segment, shrunk toward the prior risk."""
        p = self.model.params.islamic_state
        prior = p.crossing_prior_weight * p.crossing_prior_risk
        return (self.seen_failures + prior) / (self.seen_attempts + p.crossing_prior_weight)

    def watch(self) -> tuple[np.ndarray, np.ndarray]:
        """Today's detection and corruption on each segment (means over its cells)."""
        m = self.model
        cams = np.where(self.cameras, m.militia_watch, 0.0)
        seen = (1.0 - (1.0 - m.detection) * (1.0 - cams)).ravel()
        corruption = m.corruption.ravel()
        det = np.array([seen[c].mean() for c in self.cells])
        cor = np.array([corruption[c].mean() for c in self.cells])
        return det, cor

    def choose(self, i: np.ndarray, j: np.ndarray, p: IslamicStateParams) -> np.ndarray:
        """Each group's segment (-1: stays): logit over the expected value of trying each."""
        risk = self.learnt_risk()
        km = np.hypot(i[:, None] - self.centre_ij[None, :, 0], j[:, None] - self.centre_ij[None, :, 1])
        km *= self.model.geo.transform.cell_km
        value = (1.0 - risk) - risk * p.capture_cost - km * p.crossing_cost_per_km
        rng = self.model.streams.crossings
        return choose_routes(value, np.ones_like(value, dtype=bool), p.crossing_logit_scale, rng)

    # -- the day -------------------------------------------------------------------------
    def badia_day(self, family: IslamicState, p: IslamicStateParams) -> Attempts:
        """The stock changes; some of its groups weigh a crossing and those who go set out."""
        m, f = self.model, self.model.forces.islamic_state
        self.badia += p.badia_inflow_members_per_month * m.agent_scale / 30.0
        self.badia -= self.badia * p.badia_leave_rate
        mean_size = (f.members_min + f.members_max) / 2
        n = int(m.streams.badia.poisson(self.badia * p.p_consider_crossing / mean_size))
        sizes = m.streams.badia.integers(f.members_min, f.members_max + 1, size=n)
        sizes = sizes[np.cumsum(sizes) <= self.badia]  # no more than the stock holds
        gate = np.full(sizes.size, self.gate[0]), np.full(sizes.size, self.gate[1])
        segment = self.choose(gate[0], gate[1], p)
        going = segment >= 0
        rows = []
        for size in sizes[going]:
            at = m.geo.jitter(self.gate, p.arrival_spread_km, m.streams.badia, same_country=True)
            rows.append(family.spawn(at, int(size), f.cash).row)
            self.badia -= int(size)
        return Attempts(np.array(rows, dtype=int), segment[going])

    def set_out(
        self, family: IslamicState, rows: np.ndarray, badia: Attempts, p: IslamicStateParams
    ) -> Attempts:
        """Cells in Syria thinking of leaving weigh the segments; those who go join the Badia's."""
        segment = self.choose(family.table.i[rows], family.table.j[rows], p)
        go = segment >= 0
        return Attempts(np.r_[badia.rows, rows[go]], np.r_[badia.segment, segment[go]])

    def cross(
        self, family: IslamicState, attempts: Attempts, runs: SmugglingDay, p: IslamicStateParams
    ) -> None:
        """Resolve today's attempts: method, success, where they land, what the network learns."""
        m, t = self.model, family.table
        rows, segment = attempts.rows, attempts.segment.copy()
        if rows.size == 0:
            self._forget(p)
            return
        det, cor = self.watch()
        method = self._methods(rows.size, runs, p)
        entry = np.array([m.streams.crossings.choice(self.entries[s]) for s in segment])
        success = m.streams.crossings.random(rows.size) >= np.select(
            [method == CORRUPT_POST, method == ALONE],
            [det[segment] * (1.0 - cor[segment]), det[segment] * p.night_crossing_detection_share],
            0.0,
        )
        self._ride_with_crews(family, rows, method == WITH_CREW, success, entry, segment, runs, p)
        di, dj = np.unravel_index(entry, m.geo.shape)
        crossed = rows[success]
        family.move(crossed, di[success], dj[success])
        m.today["is_infiltrations"] += int(t.members[crossed].sum())
        m.today["is_crossing_attempts"] += rows.size
        for row in rows[~success]:
            cell = t.agents[row]
            lost = m.streams.crossings.binomial(int(cell.members), p.p_capture_on_failure)
            m.today["is_captured"] += lost
            cell.shrink(int(lost))
        self._forget(p)
        np.add.at(self.seen_attempts, segment, 1.0)
        np.add.at(self.attempts_by_segment, segment, 1.0)
        np.add.at(self.seen_failures, segment, (~success).astype(float))

    def _forget(self, p: IslamicStateParams) -> None:
        self.seen_attempts *= p.crossing_memory_decay
        self.seen_failures *= p.crossing_memory_decay

    def _methods(self, n: int, runs: SmugglingDay, p: IslamicStateParams) -> np.ndarray:
        w = p.infiltration_method_weight
        weights = np.array([w.smuggler, w.corrupt_post, w.alone], dtype=float)
        if not self._independent_runners(runs).size:
            weights[WITH_CREW] = 0.0
        return self.model.streams.crossings.choice(len(METHODS), size=n, p=weights / weights.sum())

    def _independent_runners(self, runs: SmugglingDay) -> np.ndarray:
        """Indices (into today's runners) of the crews not run by a militia."""
        if not runs.runners.size:
            return np.array([], dtype=int)
        return np.flatnonzero(~self.model.smugglers.table.militia_run[runs.runners])

    def _ride_with_crews(
        self,
        family: IslamicState,
        rows: np.ndarray,
        with_crew: np.ndarray,
        success: np.ndarray,
        entry: np.ndarray,
        segment: np.ndarray,
        runs: SmugglingDay,
        p: IslamicStateParams,
    ) -> None:
        """Groups going with a crew ride with the nearest crew running today: they cross where
        its route enters Iraq, unless the crew was seized; the crew takes the fee."""
        m, t = self.model, family.table
        idx = np.flatnonzero(with_crew)
        if idx.size == 0:
            return
        pool = self._independent_runners(runs)
        crews = runs.runners[pool]
        ci, cj = np.array([m.smugglers.table.agents[r].cell.coordinate for r in crews]).T
        gi, gj = t.i[rows[idx]], t.j[rows[idx]]
        ride = pool[((gi[:, None] - ci[None, :]) ** 2 + (gj[:, None] - cj[None, :]) ** 2).argmin(axis=1)]
        success[idx] = ~runs.runner_seized[ride]
        for k, r in zip(idx, ride, strict=True):
            ei, ej = m.routes.iraq_entry[int(runs.runner_routes[r])]
            entry[k] = ei * m.geo.shape[1] + ej
            segment[k] = self.nearest_segment[ei, ej]
        fees = p.smuggler_fee_per_member * t.members[rows[idx]]
        np.add.at(m.smugglers.table.cash, runs.runners[ride], fees)


def _nearest_segment(geo: Geography) -> np.ndarray:
    """For every cell, the segment of the nearest border cell."""
    _, (ii, jj) = distance_transform_edt(geo.segment < 0, return_indices=True)
    return geo.segment[ii, jj]

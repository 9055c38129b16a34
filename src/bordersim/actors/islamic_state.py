"""Islamic State cells (MODEL.md 2, 7.7): hide, move to thin security, infiltrate, recruit,
attack, extort, split when large and die when small.

Groups come from the stock in the Syrian Badia, and cells west of the border may leave: they
decide whether and where to cross by the risk they have learnt (``crossings``). Recruits come
from aggrieved residents by Epstein's rule (see ``population``). A cell that means to attack
strikes where security is thin: it weighs every post in operational reach (a militia's base
and checkpoints, a state unit's base, a tribe's home, each with the fighters present there)
by the expected exchange of a Lanchester fight and its chance of getting away, and strikes the
best one if it promises enough; otherwise its intention goes unmet. The family acts at once in
numpy; attacks, being few, are resolved one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bordersim.actors.base import Column, FamilyTable, TabledAgent
from bordersim.actors.crossings import BorderCrossings
from bordersim.encounters import Cell, PlacedUnit, distance, expected_losses, terrain_factor
from bordersim.params import IslamicStateParams
from bordersim.world.geography import IRAQ, SYRIA, TERRAIN

if TYPE_CHECKING:
    from bordersim.actors.smuggler import SmugglingDay
    from bordersim.model import BorderModel

HIDE, INFILTRATE, RECRUIT, ATTACK, EXTORT = range(5)


@dataclass(frozen=True)
class Post:
    """A place an IS cell can strike: a unit's base or checkpoint and the fighters present."""

    unit: PlacedUnit
    ij: Cell
    fighters: float


def posts(model: BorderModel) -> list[Post]:
    """The posts of the zone holding at least one fighter: each militia checkpoint (a share of
    its unit's fighters times the unit's staffing) and the militia's base (the rest, where the
    unit stands), each state unit's base and each tribe's home (all their fighters)."""
    share = model.params.security.checkpoint_fighters_share
    out: list[Post] = []
    for unit in model.militias:
        staff = share * unit.fighters * unit.checkpoint_staffing
        out += [Post(unit, cp, staff) for cp in unit.checkpoints]
        out.append(Post(unit, unit.ij, unit.fighters - staff * len(unit.checkpoints)))
    out += [Post(u, u.ij, u.fighters) for u in (*model.state_forces, *model.tribes)]
    return [q for q in out if q.fighters >= 1]


class ISCell(TabledAgent):
    """An IS cell: members, cash, its hideout and today's mode."""

    members = Column()
    cash = Column()
    mode = Column()

    @property
    def ij(self) -> tuple[int, int]:
        return int(self.table.i[self.row]), int(self.table.j[self.row])

    @property
    def fighters(self) -> float:
        """A cell's members are its fighters."""
        return float(self.members)

    def lose(self, fighters: float, materiel: float = 0.0) -> None:
        """Members killed in a fight (counted as IS dead); the cell dies when none are left."""
        self.model.today["deaths_is"] += min(int(fighters), int(self.members))
        self.shrink(int(fighters))

    def shrink(self, members: int) -> None:
        """Members gone (killed or captured); the cell dies when none are left."""
        self.members = max(0, int(self.members) - members)
        if self.members <= 0:
            self.model.islamic_state.remove(self)


class IslamicState:
    """The IS cells of the zone as one family: their table and their daily behaviour."""

    def __init__(self, model: BorderModel, capacity: int) -> None:
        self.model = model
        self.table = FamilyTable(capacity, {"members": int, "cash": float, "mode": int, "i": int, "j": int})
        self.crossings = BorderCrossings(model, model.forces.islamic_state.badia_members * model.agent_scale)
        self._where: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    # -- population of cells -------------------------------------------------------------
    def spawn(self, ij: tuple[int, int], members: int, cash: float) -> ISCell:
        cell = ISCell(self.model, self.table, self.model.grid[ij])
        cell.members, cell.cash = int(members), float(cash)
        self.table.i[cell.row], self.table.j[cell.row] = ij
        self._where = None
        return cell

    def remove(self, cell: ISCell) -> None:
        if self.table.alive[cell.row]:
            cell.remove()
            self._where = None

    def move(self, rows: np.ndarray, i: np.ndarray, j: np.ndarray) -> None:
        self._where = None
        t, grid = self.table, self.model.grid
        moved = (t.i[rows] != i) | (t.j[rows] != j)
        for row, ni, nj in zip(rows[moved].tolist(), i[moved].tolist(), j[moved].tolist(), strict=True):
            t.agents[row].cell = grid[(ni, nj)]
        t.i[rows], t.j[rows] = i, j

    @property
    def members(self) -> int:
        return int(self.table.members[self.table.rows].sum())

    def deposit(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self.table.rows
        return self.table.i[rows], self.table.j[rows], self.table.members[rows].astype(float)

    def within(self, ij: tuple[int, int], radius: float) -> list[ISCell]:
        """IS cells within ``radius`` cells of ``ij``."""
        rows, i, j, _ = self.living()
        near = (i - ij[0]) ** 2 + (j - ij[1]) ** 2 <= radius**2
        return [self.table.agents[r] for r in rows[near].tolist()]

    def rows_on(self, cells: np.ndarray) -> np.ndarray:
        """Table rows of the IS cells standing on ``cells`` (a flat bool layer), in table order."""
        rows, _, _, flat = self.living()
        return rows[cells[flat]]

    def living(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows of the living IS cells and where they stand (i, j and flat index); kept until
        a cell is born, dies or moves."""
        if self._where is None:
            rows = self.table.rows
            i, j = self.table.i[rows], self.table.j[rows]
            self._where = rows, i, j, i * self.model.geo.shape[1] + j
        return self._where

    # -- daily behaviour ---------------------------------------------------------------
    def act(self, runs: SmugglingDay) -> None:
        """One day of every cell: the Badia's groups, modes, moves, crossings, recruits, attacks."""
        p = self.model.params.islamic_state
        rows = self.table.rows
        from_badia = self.crossings.badia_day(self, p)
        if rows.size == 0:
            self.crossings.cross(self, from_badia, runs, p)
            return
        mode = self.choose_modes(rows, p)
        self.table.mode[rows] = mode
        roaming = rows[(mode == HIDE) | (mode == RECRUIT) | (mode == EXTORT)]
        self.move_to_thin_security(roaming, self.table.mode[roaming] == RECRUIT, p)
        leaving = self.crossings.set_out(self, rows[mode == INFILTRATE], from_badia, p)
        self.crossings.cross(self, leaving, runs, p)
        self.recruit(rows[mode == RECRUIT])
        self.table.cash[rows[mode == EXTORT]] += p.extortion_per_cell_day
        for row in rows[mode == ATTACK]:
            if self.table.alive[row]:
                self.attack(self.table.agents[row], p)
        self.upkeep_split_and_leave(p)

    def choose_modes(self, rows: np.ndarray, p: IslamicStateParams) -> np.ndarray:
        m, t, rng = self.model, self.table, self.model.streams.islamic_state
        i, j = t.i[rows], t.j[rows]
        in_syria = m.geo.country[i, j] == SYRIA
        u = rng.random(rows.size)
        mode = np.full(rows.size, HIDE)
        mode[(u < p.p_attack) & (t.members[rows] >= p.attack_min_members)] = ATTACK  # an intention
        band = (u >= p.p_attack) & (u < p.p_attack + p.p_extort)
        mode[band] = EXTORT
        recruit_band = (u >= p.p_attack + p.p_extort) & (u < p.p_attack + p.p_extort + p.p_recruit)
        would_recruit = np.flatnonzero(recruit_band)
        pool = m.population.recruit_pool_at(i[would_recruit], j[would_recruit])
        mode[would_recruit[pool >= 1]] = RECRUIT
        wants_out = in_syria & (rng.random(rows.size) < p.p_infiltrate)
        mode[wants_out] = INFILTRATE
        return mode

    def attack(self, cell: ISCell, p: IslamicStateParams) -> None:
        """A cell that means to attack goes to the best post in reach and strikes it; with none
        worth it, the intention is counted as unmet."""
        m = self.model
        target = self.choose_target(cell, p)
        if target is None:
            m.today["is_attack_intentions_unmet"] += 1
            return
        self.move(np.array([cell.row]), np.array([target.ij[0]]), np.array([target.ij[1]]))
        m.encounters.islamic_state_attack(cell, target.unit, target.fighters, target.ij, m.tribes)

    def choose_target(self, cell: ISCell, p: IslamicStateParams) -> Post | None:
        """Of the posts within ``operational_radius_km`` in the cell's country whose expected
        exchange is at least ``attack_min_exchange``, the one with the best exchange times the
        chance of getting away (1 − Epstein's arrest probability there); None when none is."""
        m, members = self.model, float(cell.members)
        r = p.operational_radius_km / m.geo.transform.cell_km
        country = m.geo.country[cell.ij]
        reach = [q for q in posts(m) if m.geo.country[q.ij] == country and distance(q.ij, cell.ij) <= r]
        exchange = [(self.exchange(members, q), q) for q in reach]
        worth = [(x, q) for x, q in exchange if x >= p.attack_min_exchange]
        if not worth:
            return None
        cells = np.array([q.ij[0] * m.geo.shape[1] + q.ij[1] for _, q in worth])
        getaway = 1.0 - m.population.arrest_at(cells)
        return worth[int(np.argmax([x for x, _ in worth] * getaway))][1]

    def exchange(self, members: float, post: Post) -> float:
        """Defenders an attack on ``post`` is expected to kill per member lost: the mean course
        of the hit-and-run fight (``Encounters.hit_and_run``) with the post's defence (helpers
        included) and terrain."""
        m, sec, p = self.model, self.model.params.security, self.model.params.islamic_state
        sides = m.encounters.defence(post.unit, post.fighters, post.ij, members, m.tribes)
        factor = terrain_factor(int(m.geo.terrain[post.ij]), sec) * p.ambush_return_fire_share
        lost, killed = expected_losses(members, sum(n for _, n in sides), factor, sec, p.attack_rounds)
        return killed / lost

    def slip_away(self, cell: ISCell) -> None:
        """A hunted cell that gets away moves off within its daily move radius."""
        m = self.model
        r_km = m.params.islamic_state.move_radius_km
        i, j = m.geo.jitter(cell.ij, r_km, m.streams.islamic_state, same_country=True)
        self.move(np.array([cell.row]), np.array([i]), np.array([j]))

    def move_to_thin_security(self, rows: np.ndarray, recruiting: np.ndarray, p: IslamicStateParams) -> None:
        """Each roaming cell scores a few nearby cells and moves to the least watched one;
        recruiting cells also weigh the pool of possible recruits."""
        m, t = self.model, self.table
        if rows.size == 0:
            return
        r = p.move_radius_km / m.geo.transform.cell_km
        k = p.move_candidates
        i0, j0 = t.i[rows][:, None], t.j[rows][:, None]
        offs = m.streams.islamic_state.uniform(-r, r, size=(rows.size, k, 2)).round().astype(int)
        ci = np.clip(np.concatenate([i0, i0 + offs[..., 0]], axis=1), 0, m.geo.shape[0] - 1)
        cj = np.clip(np.concatenate([j0, j0 + offs[..., 1]], axis=1), 0, m.geo.shape[1] - 1)
        score = m.security[ci, cj]
        score[recruiting] -= (
            m.population.recruit_pool_at(ci[recruiting], cj[recruiting]) / p.recruit_pool_scale
        )
        blocked = (m.geo.country[ci, cj] != m.geo.country[i0, j0]) | (
            m.geo.terrain[ci, cj] == TERRAIN["river"]
        )
        score = np.where(blocked, np.inf, score)
        best = score.argmin(axis=1)
        pick = np.arange(rows.size)
        self.move(rows, ci[pick, best], cj[pick, best])

    def recruit(self, rows: np.ndarray) -> None:
        """Recruits from the pool of aggrieved residents in reach (Epstein's rule)."""
        m, t = self.model, self.table
        if rows.size == 0:
            return
        pool = m.population.recruit_pool_at(t.i[rows], t.j[rows])
        joined = m.streams.islamic_state.binomial(pool.astype(np.int64), m.params.population.p_join)
        t.members[rows] += joined
        m.today["is_recruits"] += int(joined.sum())

    def upkeep_split_and_leave(self, p: IslamicStateParams) -> None:
        """Cells pay upkeep (broke ones lose members), some in Iraq move on beyond the zone,
        empty cells dissolve and large ones split."""
        m, t, rng = self.model, self.table, self.model.streams.islamic_state
        rows = t.rows
        t.cash[rows] -= p.upkeep_per_member_day * t.members[rows]
        broke = rows[(t.cash[rows] < 0) & (rng.random(rows.size) < p.p_desert_when_broke)]
        t.cash[broke] = 0.0
        t.members[broke] -= 1
        in_iraq = m.geo.country[t.i[rows], t.j[rows]] == IRAQ
        leaving = rows[in_iraq & (rng.random(rows.size) < p.p_leave_zone)]
        for row in leaving:
            self.remove(t.agents[row])
        for row in t.rows[t.members[t.rows] <= 0]:
            self.remove(t.agents[row])
        for row in t.rows[t.members[t.rows] > p.split_members]:
            half = int(t.members[row]) // 2
            t.members[row] -= half
            t.cash[row] /= 2
            near = m.geo.jitter((int(t.i[row]), int(t.j[row])), p.split_spread_km, rng, same_country=True)
            self.spawn(near, half, t.cash[row])

"""Influence and control (MODEL.md 7.1), vectorised over the cell layers.

Each unit deposits its strength on its cell under its actor group; a Gaussian kernel with a
radius per group spreads it; a cell is controlled by the strongest group when it leads the
runner-up by a margin and has enough presence, else it is contested (or nobody's).
"""

from __future__ import annotations

import dataclasses
from functools import cache, lru_cache

import numpy as np
from scipy.ndimage import correlate1d, gaussian_filter1d

from bordersim.params import RENAMED, InfluenceParams

GROUPS = ("state_iraq", "state_syria", "sdf", "militia_irgc", "militia_najaf", "tribal", "is")
G = {name: n for n, name in enumerate(GROUPS)}
STATE_GROUPS = (G["state_iraq"], G["state_syria"], G["sdf"])
MILITIA_GROUPS = (G["militia_irgc"], G["militia_najaf"])
CONTESTED = len(GROUPS)
NOBODY = len(GROUPS) + 1


TRUNCATE = 3.0  # kernels are cut at three standard deviations
STAMP_LIMIT = 40  # above this many points, filtering the whole grid is cheaper than stamping


def spread(layer: np.ndarray, radius_km: float, cell_km: float) -> np.ndarray:
    """Spread a whole layer over the grid with a Gaussian kernel of the given radius.

    The same as ``gaussian_filter`` (down the columns, then along the rows), but the first
    pass filters only the columns holding something and the second only the rows it reached:
    layers are sparse (towns, units), and every other cell stays exactly zero."""
    weights = gaussian_weights(radius_km / cell_km)
    out = np.zeros(layer.shape)
    cols = np.flatnonzero(layer.any(axis=0))
    if cols.size == 0:
        return out
    down = correlate1d(layer[:, cols], weights, axis=0, mode="constant")
    rows = np.flatnonzero(down.any(axis=1))
    reached = np.zeros((rows.size, layer.shape[1]))
    reached[:, cols] = down[rows]
    out[rows] = correlate1d(reached, weights, axis=1, mode="constant")
    return out


@cache
def gaussian_weights(sigma_cells: float) -> np.ndarray:
    """The 1-D kernel ``gaussian_filter1d`` applies, cut at ``TRUNCATE`` sigmas: its response
    to a unit impulse (cached, so each filtering pass skips working it out again)."""
    r = int(TRUNCATE * sigma_cells + 0.5)
    impulse = np.zeros(2 * r + 1)
    impulse[r] = 1.0
    weights = gaussian_filter1d(impulse, sigma_cells, mode="constant", truncate=TRUNCATE)
    weights.flags.writeable = False
    return weights


@cache
def kernel_by_offset(sigma_cells: float, size: int) -> tuple[np.ndarray, int]:
    """The 1-D spreading kernel (``gaussian_weights``) by offset between two cells of a grid
    ``size`` cells across: the weights, zero beyond the kernel's reach, and the index of offset 0."""
    kernel = gaussian_weights(sigma_cells)
    r = kernel.size // 2
    weight = np.zeros(2 * (size + r) + 1)
    weight[size : size + 2 * r + 1] = kernel
    weight.flags.writeable = False
    return weight, size + r


@cache
def gaussian_stamp(sigma_cells: float) -> np.ndarray:
    """The 2-D kernel ``gaussian_filter`` applies, cut to its support."""
    r = int(TRUNCATE * sigma_cells + 0.5)
    x = np.arange(-r, r + 1)
    k = np.exp(-0.5 * (x / sigma_cells) ** 2)
    k /= k.sum()
    return np.outer(k, k)


@lru_cache(maxsize=1024)
def stamp_window(
    shape: tuple[int, int], pi: int, pj: int, sigma_cells: float
) -> tuple[np.ndarray, np.ndarray]:
    """The grid cells (flat indices) a point's kernel covers and the kernel's weights there;
    cached, as units rarely move."""
    stamp = gaussian_stamp(sigma_cells)
    r = stamp.shape[0] // 2
    w, h = shape
    i0, i1, j0, j1 = max(pi - r, 0), min(pi + r + 1, w), max(pj - r, 0), min(pj + r + 1, h)
    ii, jj = np.mgrid[i0:i1, j0:j1]
    weights = stamp[i0 - pi + r : i1 - pi + r, j0 - pj + r : j1 - pj + r]
    return (ii * h + jj).ravel(), weights.ravel()


def spread_points(
    shape: tuple[int, int], i: np.ndarray, j: np.ndarray, amount: np.ndarray, radius_km: float, cell_km: float
) -> np.ndarray:
    """Spread point deposits: the same as ``spread`` of a layer holding them. A few points
    are stamped with their cached kernel windows; many are deposited and filtered over the
    whole grid."""
    if np.size(i) > STAMP_LIMIT:
        out = np.zeros(shape)
        np.add.at(out, (i, j), amount)
        return spread(out, radius_km, cell_km)
    layer = np.zeros(np.size(i), dtype=np.int64)
    return stamp_layers(shape, layer, i, j, amount, (radius_km / cell_km,))[0]


def stamp_layers(
    shape: tuple[int, int],
    layer: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    amount: np.ndarray,
    sigmas: tuple[float, ...],
) -> np.ndarray:
    """Stamp point deposits on several layers at once, point k on ``layer[k]`` with the
    kernel of ``sigmas[layer[k]]``; returns the (layers, w, h) stack. Each cell adds its
    contributions in point order, as stamping the points of each layer one by one would."""
    points = tuple(
        zip(np.asarray(layer).tolist(), np.asarray(i).tolist(), np.asarray(j).tolist(), strict=True)
    )
    cells, kernel, sizes = stamp_plan(shape, points, sigmas)
    weights = np.repeat(np.asarray(amount, dtype=float), sizes) * kernel
    size = shape[0] * shape[1]
    return np.bincount(cells, weights=weights, minlength=len(sigmas) * size).reshape(len(sigmas), *shape)


@lru_cache(maxsize=4)  # the units', the state watch's and a day's other few deposits
def stamp_plan(
    shape: tuple[int, int], points: tuple[tuple[int, int, int], ...], sigmas: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked-layer cells, kernel weights and window sizes of ``(layer, i, j)`` points;
    cached, as units rarely move."""
    if not points:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64)
    size = shape[0] * shape[1]
    windows = [stamp_window(shape, pi, pj, sigmas[g]) for g, pi, pj in points]
    cells = np.concatenate([c + g * size for (c, _), (g, _, _) in zip(windows, points, strict=True)])
    kernel = np.concatenate([k for _, k in windows])
    return cells, kernel, np.array([c.size for c, _ in windows])


def compute_control(
    presence: np.ndarray, margin: float, min_presence: float, hiding: int | None = None
) -> np.ndarray:
    """Controlling group index per cell, CONTESTED or NOBODY, from (groups, w, h) presence.

    A ``hiding`` group (clandestine cells that hold no ground) never contests a cell another
    group holds: it leads only cells nobody else holds, where its own presence is enough."""
    holders = [g for g in range(presence.shape[0]) if g != hiding]
    first = presence[holders[0]].copy()
    second = np.zeros_like(first)  # the runner-up (an equal of the leader counts), at least 0
    leader = np.full(first.shape, holders[0], dtype=np.int8)
    for g in holders[1:]:
        np.maximum(second, np.minimum(first, presence[g]), out=second)
        leader[presence[g] > first] = g  # the first of equals leads
        np.maximum(first, presence[g], out=first)
    control = np.where(first >= margin * second, leader, CONTESTED)
    control = np.where(first < min_presence, NOBODY, control).astype(np.int8)
    if hiding is not None:
        control[(control == NOBODY) & (presence[hiding] >= min_presence)] = hiding
    return control


@cache
def membership(groups: tuple[int, ...] | int) -> np.ndarray:
    """Lookup table: which control codes belong to ``groups`` (cached, read-only)."""
    wanted = np.zeros(NOBODY + 1, dtype=bool)
    wanted[np.atleast_1d(groups)] = True
    wanted.flags.writeable = False
    return wanted


class InfluenceField:
    """Presence of every actor group over the grid, and the control map derived from it."""

    def __init__(self, shape: tuple[int, int], cell_km: float, params: InfluenceParams) -> None:
        self.shape = shape
        self.cell_km = cell_km
        radius = dataclasses.asdict(params.radius_km)
        self.radius_km = [float(radius[RENAMED.get(g, g)]) for g in GROUPS]
        self.sigmas = tuple(r / cell_km for r in self.radius_km)
        self.margin = params.control_margin
        self.min_presence = params.min_presence
        self.hiding = None if params.is_contests_held_ground else G["is"]
        self.presence = np.zeros((len(GROUPS), *shape))
        self.control = np.full(shape, NOBODY, dtype=np.int8)

    def update(self, group: np.ndarray, i: np.ndarray, j: np.ndarray, strength: np.ndarray) -> None:
        """Recompute presence and control from every unit's group, cell and strength: the
        groups of few units are stamped together, those of many filtered one by one."""
        many = np.bincount(group, minlength=len(GROUPS)) > STAMP_LIMIT
        few = ~many[group]
        self.presence = stamp_layers(self.shape, group[few], i[few], j[few], strength[few], self.sigmas)
        for g in np.flatnonzero(many).tolist():
            mine = group == g
            self.presence[g] = spread_points(
                self.shape, i[mine], j[mine], strength[mine], self.radius_km[g], self.cell_km
            )
        self.control = compute_control(self.presence, self.margin, self.min_presence, self.hiding)

    def security(self) -> np.ndarray:
        """Presence of everyone who hunts IS: state forces, SDF, militias, tribes."""
        return self.presence[: G["is"]].sum(axis=0)

    def share(self, groups: tuple[int, ...] | int, cells: np.ndarray) -> float:
        """Share of ``cells`` (flat indices) controlled by any of ``groups``."""
        if cells.size == 0:
            return 0.0
        return np.count_nonzero(membership(groups)[self.control.ravel()[cells]]) / cells.size

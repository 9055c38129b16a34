"""Influence and control (MODEL.md 7.1), vectorised over the cell layers.

Each unit deposits its strength on its cell under its actor group; a Gaussian kernel with a
radius per group spreads it; a cell is controlled by the strongest group when it leads the
runner-up by a margin and has enough presence, else it is contested (or nobody's).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import gaussian_filter

GROUPS = ("state_iraq", "state_syria", "sdf", "militia_irgc", "militia_najaf", "tribal", "is")
G = {name: n for n, name in enumerate(GROUPS)}
STATE_GROUPS = (G["state_iraq"], G["state_syria"], G["sdf"])
MILITIA_GROUPS = (G["militia_irgc"], G["militia_najaf"])
CONTESTED = len(GROUPS)
NOBODY = len(GROUPS) + 1


def spread(layer: np.ndarray, radius_km: float, cell_km: float) -> np.ndarray:
    """Spread deposits over the grid with a Gaussian kernel of the given radius."""
    return gaussian_filter(layer, sigma=radius_km / cell_km, mode="constant", truncate=3.0)


def deposit(shape: tuple[int, int], i: np.ndarray, j: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """A layer holding ``amount`` summed at the cells ``(i, j)``."""
    out = np.zeros(shape)
    np.add.at(out, (i, j), amount)
    return out


def compute_control(presence: np.ndarray, margin: float, min_presence: float) -> np.ndarray:
    """Controlling group index per cell, CONTESTED or NOBODY, from (groups, w, h) presence."""
    top2 = np.partition(presence, -2, axis=0)[-2:]
    second, first = top2[0], top2[1]
    leader = presence.argmax(axis=0)
    control = np.where(first >= margin * second, leader, CONTESTED)
    return np.where(first < min_presence, NOBODY, control).astype(np.int8)


class InfluenceField:
    """Presence of every actor group over the grid, and the control map derived from it."""

    def __init__(self, shape: tuple[int, int], cell_km: float, params: dict) -> None:
        self.shape = shape
        self.cell_km = cell_km
        self.radius_km = [float(params["radius_km"][g]) for g in GROUPS]
        self.margin = float(params["control_margin"])
        self.min_presence = float(params["min_presence"])
        self.presence = np.zeros((len(GROUPS), *shape))
        self.control = np.full(shape, NOBODY, dtype=np.int8)

    def update(self, deposits: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Recompute presence and control from (group, i, j, strength) arrays of all units."""
        raw = np.zeros((len(GROUPS), *self.shape))
        for group, i, j, strength in deposits:
            np.add.at(raw, (group, i, j), strength)
        for g in range(len(GROUPS)):
            if raw[g].any():
                self.presence[g] = spread(raw[g], self.radius_km[g], self.cell_km)
            else:
                self.presence[g] = 0.0
        self.control = compute_control(self.presence, self.margin, self.min_presence)

    def security(self) -> np.ndarray:
        """Presence of everyone who hunts IS: state forces, SDF, militias, tribes."""
        return self.presence[: G["is"]].sum(axis=0)

    def share(self, groups: tuple[int, ...] | int, mask: np.ndarray) -> float:
        """Share of the masked cells controlled by any of ``groups``."""
        if not mask.any():
            return 0.0
        return float(np.isin(self.control[mask], np.atleast_1d(groups)).mean())

    def at(self, group: int, i: Any, j: Any) -> np.ndarray:
        return self.presence[group, i, j]

"""Clashes (MODEL.md 7.8): attrition between hostile units by Lanchester's square law."""

from __future__ import annotations

import numpy as np

from bordersim.world.geography import TERRAIN

ROUNDS = 3


def engage(
    attacker: float,
    defender: float,
    rate: float,
    defender_factor: float,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """Fight up to three rounds; return (attacker losses, defender losses).

    Each round, a side's expected losses are ``rate`` times the other side's strength
    (square law), the defender's fire multiplied by the terrain factor. A side that has
    lost half its strength breaks off.
    """
    a, d = int(attacker), int(defender)
    a_lost = d_lost = 0
    for _ in range(ROUNDS):
        if a <= 0 or d <= 0:
            break
        da = rng.binomial(a, min(1.0, rate * d * defender_factor / a))
        dd = rng.binomial(d, min(1.0, rate * a / d))
        a, d = a - da, d - dd
        a_lost, d_lost = a_lost + da, d_lost + dd
        if a_lost * 2 >= attacker or d_lost * 2 >= defender:
            break
    return a_lost, d_lost


def terrain_factor(terrain_code: int, security: dict) -> float:
    """Defender's advantage on a cell: towns and desert favour whoever holds them."""
    if terrain_code == TERRAIN["urban"]:
        return float(security["urban_defender_factor"])
    if terrain_code in (TERRAIN["desert"], TERRAIN["wadi"]):
        return float(security["desert_defender_factor"])
    return 1.0

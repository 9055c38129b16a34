"""Initialisation (MODEL.md 5): place the units of the order of battle on the grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bordersim.actors.islamic_state import IslamicState
from bordersim.actors.militia import Militia
from bordersim.actors.smuggler import Smugglers
from bordersim.actors.state import StateForce
from bordersim.actors.tribe import Tribe
from bordersim.errors import ConfigError

if TYPE_CHECKING:
    from bordersim.model import BorderModel


def build_militias(model: BorderModel) -> list[Militia]:
    """The militia units at their bases, with their checkpoints."""
    geo = model.geo
    for n, spec in enumerate(model.forces.militias):
        check_pool(model, spec.recruits_from, f"forces.militias[{n}].recruits_from")
    return [
        Militia(
            model, spec, geo.cell_of(spec.base, f"forces.militias[{n}].base"),
            [geo.cell_of(cp, f"forces.militias[{n}].checkpoints") for cp in spec.checkpoints],
        )
        for n, spec in enumerate(model.forces.militias)
    ]  # fmt: skip


def build_state_forces(model: BorderModel) -> list[StateForce]:
    """The state units at their bases."""
    return [
        StateForce(model, spec, model.geo.cell_of(spec.base, f"forces.state_forces[{n}].base"))
        for n, spec in enumerate(model.forces.state_forces)
    ]


def build_tribes(model: BorderModel) -> list[Tribe]:
    """The tribes in their home towns."""
    geo = model.geo
    for n, spec in enumerate(model.forces.tribes):
        check_pool(model, spec.recruits_from, f"forces.tribes[{n}].recruits_from")
    return [
        Tribe(model, spec, geo.cell_of(spec.home, f"forces.tribes[{n}].home"), geo.town_cells(spec.home))
        for n, spec in enumerate(model.forces.tribes)
    ]


def build_smugglers(model: BorderModel, militias: list[Militia]) -> Smugglers:
    """Crews at the staging towns, with the kin ties of the town's tribe across the border.
    A share is run by the militias and carries their monopoly good; the others draw a cargo
    from the goods mix."""
    f, econ, rng = model.forces.smugglers, model.params.economy, model.rng
    n = int(round(f.crews * model.agent_scale))
    family = Smugglers(model, max(n, 1), len(model.geo.routes))
    staging = [model.geo.cell_of(s, "forces.smugglers.staging") for s in f.staging]
    kin = [kin_ties(model, town) for town in f.staging]
    if econ.monopoly_good not in econ.goods:
        raise ConfigError("params.economy.monopoly_good", "names no good", ", ".join(econ.goods))
    goods = list(econ.goods.values())
    mix = np.array([g.mix_share for g in goods], dtype=float)
    crews = []
    for _ in range(n):
        town = int(rng.integers(len(staging)))
        crew = family.spawn(staging[town])
        crew.kin = kin[town]
        crew.militia_run = bool(rng.random() < f.militia_run_share) and bool(militias)
        if crew.militia_run:
            g = econ.goods[econ.monopoly_good]
        else:
            g = goods[int(rng.choice(len(goods), p=mix / mix.sum()))]
        crew.cash, crew.cargo_value, crew.margin = f.cash, g.value, g.margin_share
        crew.route = -1
        crews.append(crew)
    run = [c for c in crews if c.militia_run]
    for crew, patron in zip(run, apportion(len(run), [m.fighters for m in militias]), strict=True):
        crew.patron = patron
    return family


def kin_ties(model: BorderModel, town: str) -> float:
    """Kin ties across the border of the tribe at home in a town (0 where none is)."""
    return max((t.kin_across_border for t in model.forces.tribes if t.home == town), default=0.0)


def apportion(n: int, weights: list[float]) -> list[int]:
    """``n`` items given out to owners in proportion to their weights (systematic sampling:
    each owner gets its share, give or take one): the owner index of each item."""
    edges = np.cumsum(weights) / sum(weights)
    return [int(np.searchsorted(edges, (k + 0.5) / n)) for k in range(n)]


def build_islamic_state(model: BorderModel) -> IslamicState:
    """IS cells around their hideouts."""
    f, rng = model.forces.islamic_state, model.rng
    spread_km = model.params.islamic_state.hideout_spread_km
    n = int(round(f.cells * model.agent_scale))
    family = IslamicState(model, max(2 * n, 8))
    hideouts = [model.geo.cell_of(h, "forces.islamic_state.hideouts") for h in f.hideouts]
    for _ in range(n):
        home = hideouts[int(rng.integers(len(hideouts)))]
        size = int(rng.integers(f.members_min, f.members_max + 1))
        family.spawn(model.geo.jitter(home, spread_km, rng, same_country=True), size, f.cash)
    return family


def check_pool(model: BorderModel, pool: str, key: str) -> None:
    """A unit's recruit pool must be one of ``params.economy.recruit_pools``."""
    pools = model.params.economy.recruit_pools
    if pool not in pools:
        raise ConfigError(key, f"unknown recruit pool {pool!r}", ", ".join(pools))

"""Initialisation (MODEL.md 5): place the units of the order of battle on the grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bordersim.actors.islamic_state import IslamicState
from bordersim.actors.militia import Militia
from bordersim.actors.smuggler import Smugglers
from bordersim.actors.state import StateForce
from bordersim.actors.tribe import Tribe

if TYPE_CHECKING:
    from bordersim.model import BorderModel


def build_militias(model: BorderModel) -> list[Militia]:
    """The militia units at their bases, with their checkpoints."""
    geo = model.geo
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
    return [
        Tribe(model, spec, geo.cell_of(spec.home, f"forces.tribes[{n}].home"), geo.town_cells(spec.home))
        for n, spec in enumerate(model.forces.tribes)
    ]


def build_smugglers(model: BorderModel, militias: list[Militia]) -> Smugglers:
    """Crews at the staging towns with a cargo drawn from the goods mix; a share run by
    IRGC-aligned militias (chosen in proportion to their fighters)."""
    f, econ, rng = model.forces.smugglers, model.params.economy, model.rng
    n = int(round(f.crews * model.agent_scale))
    family = Smugglers(model, max(n, 1), len(model.geo.routes))
    staging = [model.geo.cell_of(s, "forces.smugglers.staging") for s in f.staging]
    goods = list(econ.goods.values())
    mix = np.array([g.mix_share for g in goods], dtype=float)
    irgc = [k for k, m in enumerate(militias) if m.alignment == "irgc"]
    weights = np.array([militias[k].fighters for k in irgc], dtype=float)
    for _ in range(n):
        crew = family.spawn(staging[int(rng.integers(len(staging)))])
        g = goods[int(rng.choice(len(goods), p=mix / mix.sum()))]
        crew.cash, crew.cargo_value, crew.margin = f.cash, g.value, g.margin_share
        crew.militia_run = bool(rng.random() < f.militia_run_share) and bool(irgc)
        crew.patron = irgc[int(rng.choice(len(irgc), p=weights / weights.sum()))] if crew.militia_run else 0
        crew.route = -1
    return family


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

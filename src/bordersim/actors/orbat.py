"""Initialisation (MODEL.md 5): place the units of the order of battle on the grid."""

from __future__ import annotations

from typing import Any

import numpy as np

from bordersim.actors.islamic_state import IslamicState
from bordersim.actors.militia import Militia
from bordersim.actors.smuggler import SmugglerCrew
from bordersim.actors.state import StateForce
from bordersim.actors.tribe import Tribe


def build_forces(model: Any) -> None:
    """Create every unit of ``model.forces`` at its base, home or hideout."""
    f, geo = model.forces, model.geo
    model.militias = [
        Militia(
            model, spec, geo.cell_of(spec["base"], f"forces.militias[{n}].base"),
            [geo.cell_of(cp, f"forces.militias[{n}].checkpoints") for cp in spec.get("checkpoints") or []],
        )
        for n, spec in enumerate(f["militias"])
    ]  # fmt: skip
    model.state_forces = [
        StateForce(model, spec, geo.cell_of(spec["base"], f"forces.state_forces[{n}].base"))
        for n, spec in enumerate(f["state_forces"])
    ]
    model.tribes = [
        Tribe(
            model, spec, geo.cell_of(spec["home"], f"forces.tribes[{n}].home"), geo.town_cells(spec["home"])
        )
        for n, spec in enumerate(f["tribes"])
    ]
    build_smugglers(model)
    build_islamic_state(model)


def build_smugglers(model: Any) -> None:
    f, econ, rng = model.forces["smugglers"], model.params["economy"], model.rng
    n = int(round(f["crews"] * model.agent_scale))
    model.crews = SmugglerCrew.table_for(max(n, 1), len(model.geo.routes))
    staging = [model.geo.cell_of(s, "forces.smugglers.staging") for s in f["staging"]]
    goods = list(econ["goods"].values())
    mix = np.array([g["mix_share"] for g in goods], dtype=float)
    irgc = [k for k, m in enumerate(model.militias) if m.alignment == "irgc"]
    weights = np.array([model.militias[k].fighters for k in irgc], dtype=float)
    for _ in range(n):
        crew = SmugglerCrew(model, model.crews, model.grid[staging[int(rng.integers(len(staging)))]])
        g = goods[int(rng.choice(len(goods), p=mix / mix.sum()))]
        crew.cash, crew.cargo_value, crew.margin = f["cash"], g["value"], g["margin_share"]
        crew.militia_run = bool(rng.random() < f["militia_run_share"]) and bool(irgc)
        crew.patron = irgc[int(rng.choice(len(irgc), p=weights / weights.sum()))] if crew.militia_run else 0
        crew.route = -1


def build_islamic_state(model: Any) -> None:
    f, rng = model.forces["islamic_state"], model.rng
    n = int(round(f["cells"] * model.agent_scale))
    model.islamic_state = IslamicState(model, max(2 * n, 8))
    hideouts = [model.geo.cell_of(h, "forces.islamic_state.hideouts") for h in f["hideouts"]]
    for _ in range(n):
        home = hideouts[int(rng.integers(len(hideouts)))]
        size = int(rng.integers(f["members_min"], f["members_max"] + 1))
        model.islamic_state.spawn(model.jitter(home, 3.0, same_country=True), size, f["cash"])

"""What the page shows of a running model: the one place that reads the model's internals.

Everything else in the app reads the model through these functions, so when the core's
attributes move only this module changes. Arrays are indexed ``[i east, j north]`` like the
model's grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from bordersim.model import BorderModel
from bordersim.world.geography import Geography
from bordersim.world.influence import CONTESTED, GROUPS, NOBODY, G

#: Agent families as drawn, each with a label for the legend.
FAMILIES = {
    "militia_irgc": "IRGC-aligned militia",
    "militia_najaf": "Najaf-aligned militia",
    "state_iraq": "Iraqi state forces",
    "state_syria": "Syrian state forces",
    "sdf": "SDF",
    "tribe": "tribal force",
    "smugglers": "smuggler crews",
    "islamic_state": "IS cell",
}
#: Cell layers the map can overlay: name -> (label, unit).
OVERLAYS = {
    "control": ("Control", "group holding the cell"),
    "grievance": ("Grievance", "0-1, where people live"),
    "is_presence": ("IS presence", "members, spread"),
    "displaced": ("Displaced", "share of pre-war residents"),
    "detection": ("Detection", "chance a crossing is seen"),
}
#: Control codes of the ``control`` overlay and the group each stands for.
CONTROL_CODES = {**dict(enumerate(GROUPS)), CONTESTED: "contested", NOBODY: "nobody"}


@dataclass(frozen=True)
class Units:
    """Where one family's units stand (cells) and how strong each is (fighters, members, crews)."""

    i: np.ndarray
    j: np.ndarray
    strength: np.ndarray


def geography(model: BorderModel) -> Geography:
    """The model's rasterised geography (terrain, river, border, roads, places)."""
    return model.geo


def current_date(model: BorderModel) -> date:
    """The date of the day last simulated (the start date before the first step)."""
    return model.start_date + timedelta(days=max(model.day, 0))


def days_done(model: BorderModel) -> int:
    """Calendar days simulated so far (the spin-up not counted)."""
    return max(model.day + 1, 0)


def daily(model: BorderModel) -> pd.DataFrame:
    """The daily metrics recorded so far, one row per simulated day."""
    return model.recorder.frame()


def units(model: BorderModel) -> dict[str, Units]:
    """Every family's units: cells and strength. Crews sharing a cell are one marker."""
    out: dict[str, list[tuple[int, int, float]]] = {family: [] for family in FAMILIES}
    for m in model.militias:
        out[f"militia_{m.alignment}"].append((*m.ij, m.fighters))
    for s in model.state_forces:
        out["sdf" if s.side == "sdf" else f"state_{s.side}"].append((*s.ij, s.fighters))
    for t in model.tribes:
        out["tribe"].append((*t.ij, t.fighters))
    crews = model.smugglers.table
    cells = np.array([crews.agents[row].cell.coordinate for row in crews.rows]).reshape(-1, 2)
    at, count = np.unique(cells, axis=0, return_counts=True)
    out["smugglers"] = [(int(i), int(j), float(n)) for (i, j), n in zip(at, count, strict=True)]
    i, j, members = model.islamic_state.deposit()
    out["islamic_state"] = list(zip(i.tolist(), j.tolist(), members.tolist(), strict=True))
    return {family: _units(rows) for family, rows in out.items()}


def _units(rows: list[tuple[int, int, float]]) -> Units:
    arr = np.array(rows, dtype=float).reshape(-1, 3)
    return Units(arr[:, 0].astype(int), arr[:, 1].astype(int), arr[:, 2])


def overlay(model: BorderModel, name: str) -> np.ndarray:
    """One cell layer of the map: control codes (see ``CONTROL_CODES``) or a float layer with
    NaN where it has no meaning (no people, for grievance and displacement)."""
    if name == "control":
        return np.asarray(model.influence.control, dtype=int)
    if name == "is_presence":
        return np.asarray(model.influence.presence[G["is"]], dtype=float)
    if name == "detection":
        return np.asarray(model.detection, dtype=float)
    pop = model.population
    people = pop.residents + pop.displaced
    lived = people > 0
    if name == "grievance":
        return np.where(lived, pop.grievance, np.nan)
    if name == "displaced":
        return np.divide(pop.displaced, people, out=np.full(people.shape, np.nan), where=lived)
    raise KeyError(f"unknown overlay {name!r}; one of {', '.join(OVERLAYS)}")


def start_date(model: BorderModel) -> date:
    """The calendar date of the run's first day."""
    return model.start_date


def run_length(model: BorderModel) -> int:
    """The number of days the run is configured for."""
    return model.days

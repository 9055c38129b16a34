"""Shared machinery of the agent families.

Units that act one by one (militias, state forces, tribes) are :class:`ForceUnit` cell
agents with a name, fighters and the loss rule every encounter uses. Families with many
units (smuggler crews, IS cells) keep their state in a
:class:`FamilyTable` (one numpy array per state variable, one row per agent) so a day's
behaviour is computed for the whole family at once; each unit is still a Mesa
``CellAgent`` with its identity and cell, and reads and writes its row through
:class:`Column` attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from mesa.discrete_space import CellAgent

if TYPE_CHECKING:
    from bordersim.model import BorderModel


class FamilyTable:
    """Structure-of-arrays state of one agent family; rows are reused after a unit dies."""

    def __init__(self, capacity: int, columns: dict[str, Any]) -> None:
        self.columns = columns
        self.alive = np.zeros(capacity, dtype=bool)
        self.agents: list[Any] = [None] * capacity
        for name, (dtype, width) in self._normalised(columns).items():
            shape = (capacity,) if width is None else (capacity, width)
            setattr(self, name, np.zeros(shape, dtype=dtype))

    def __getattr__(self, name: str) -> np.ndarray:
        """Columns are set as attributes in ``__init__``: any other name does not exist."""
        raise AttributeError(f"{type(self).__name__} has no column {name!r}")

    @staticmethod
    def _normalised(columns: dict[str, Any]) -> dict[str, tuple[Any, int | None]]:
        return {k: v if isinstance(v, tuple) else (v, None) for k, v in columns.items()}

    @property
    def rows(self) -> np.ndarray:
        """Rows of the living units, in creation order."""
        return np.flatnonzero(self.alive)

    def add(self, agent: Any) -> int:
        """Give ``agent`` a free row (growing the table if full) and return it."""
        free = np.flatnonzero(~self.alive)
        if free.size == 0:
            self._grow()
            free = np.flatnonzero(~self.alive)
        row = int(free[0])
        self.alive[row] = True
        self.agents[row] = agent
        for name in self.columns:
            getattr(self, name)[row] = 0
        return row

    def free(self, row: int) -> None:
        self.alive[row] = False
        self.agents[row] = None

    def _grow(self) -> None:
        old = self.alive.size
        self.alive = np.concatenate([self.alive, np.zeros(old, dtype=bool)])
        self.agents.extend([None] * old)
        for name in self.columns:
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, np.zeros_like(arr)]))


class Column:
    """Attribute of a tabled agent stored in its family's table (``agent.table``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj.table, self.name)[obj.row]

    def __set__(self, obj: Any, value: Any) -> None:
        getattr(obj.table, self.name)[obj.row] = value


class TabledAgent(CellAgent):
    """A cell agent whose state is a row of its family's table."""

    model: BorderModel
    table: FamilyTable

    def __init__(self, model: BorderModel, table: FamilyTable, cell: Any) -> None:
        super().__init__(model)
        self.table = table
        self.row = table.add(self)
        self.cell = cell

    def remove(self) -> None:
        self.table.free(self.row)
        self.cell = None
        super().remove()


class ForceUnit(CellAgent):
    """A unit that acts as one: a name, fighters, a cell, and losses in encounters."""

    model: BorderModel
    #: The side its dead are counted under (``deaths_<family>`` in the daily metrics).
    family: str

    def __init__(self, model: BorderModel, name: str, fighters: float, at: tuple[int, int]) -> None:
        super().__init__(model)
        self.name = name
        self.fighters = float(fighters)
        self.cell = model.grid[at]

    @property
    def ij(self) -> tuple[int, int]:
        """The unit's cell."""
        return self.cell.coordinate

    def lose(self, fighters: float, materiel: float = 0.0) -> None:
        """Fighters killed in a clash or strike."""
        self.count_dead(fighters)
        self.fighters = max(0.0, self.fighters - fighters)

    def count_dead(self, fighters: float) -> None:
        """Book fighters killed today under the unit's side."""
        self.model.today[f"deaths_{self.family}"] += min(fighters, self.fighters)

    def presence(self) -> float:
        """Strength the unit shows on its cell (feeds influence and control)."""
        return self.fighters

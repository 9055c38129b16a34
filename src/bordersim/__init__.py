"""bordersim: an agent-based model of the Qa'im (Iraq) - Bukamal (Syria) border zone.

>>> import bordersim
>>> result = bordersim.run(overrides=["seed=1", "days=90"])
>>> result.daily.head(); result.summary["outcomes"]["is_members_end"]

The names below are imported on first use, so ``import bordersim`` (and the command's
``--help``) stays fast: the model pulls in Mesa, pandas and SciPy only when a run needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bordersim.errors import ConfigError

if TYPE_CHECKING:
    from bordersim.api import RunResult, run
    from bordersim.config import compose_config, resolve
    from bordersim.model import BorderModel

#: Public names and the module each comes from.
_HOMES = {
    "BorderModel": "bordersim.model",
    "RunResult": "bordersim.api",
    "run": "bordersim.api",
    "compose_config": "bordersim.config",
    "resolve": "bordersim.config",
}

__all__ = ["BorderModel", "ConfigError", "RunResult", "compose_config", "resolve", "run"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise  # the submodule exists but something it imports is missing
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None

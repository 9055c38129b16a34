"""Runs made in this process for a validation: the scenarios of the patterns over seeds,
optionally under a pattern's knockout, stacked like a collected sweep's ``daily`` frame.

The knockout tests use it at reduced size; ``bordersim-validate`` runs its sweeps with the
Hydra app instead, on any launcher.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from bordersim import api, config


def overrides_for(scenario: str, settings: Mapping[str, Any]) -> list[str]:
    """Command-line overrides of one run: its scenario and the settings that apply to it (a
    ``scenario.X.*`` setting applies only to runs of scenario X)."""
    own = [f"{k}={_text(v)}" for k, v in settings.items() if not k.startswith("scenario.")]
    own += [f"{k}={_text(v)}" for k, v in settings.items() if k.startswith(f"scenario.{scenario}.")]
    return [f"scenario=[{scenario}]", "write_spatial=false", *own]


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def simulate(
    scenarios: Iterable[str], seeds: Sequence[int], settings: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run every scenario for every seed under ``settings`` (dotted keys: a knockout's, the
    run's size ...); return their recorded days stacked with ``scenario`` and ``seed``
    columns, and the resolved config of the first run as ``attrs["config"]`` (for the naive
    references)."""
    frames, first = [], None
    for scenario in scenarios:
        cfg = config.plain(config.compose_config(overrides_for(scenario, settings or {})))
        for seed in seeds:
            result = api.run({**cfg, "seed": seed})
            frames.append(result.daily.assign(scenario=scenario, seed=seed))
            first = first or result.summary["config"]
    daily = pd.concat(frames, ignore_index=True)
    daily.attrs["config"] = first
    return daily

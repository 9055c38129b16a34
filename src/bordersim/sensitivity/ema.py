"""EMA Workbench drives bordersim: a discovery study's uncertainties, levers and outcomes as an EMA model.

::

    from ema_workbench import SequentialEvaluator
    from bordersim.sensitivity import ema

    model = ema.model(["experiment=discovery", "days=60", "spin_up_days=30"])
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=50, policies=4)

The overrides compose the study as ``bordersim -m`` would (any ``sensitivity.*`` setting, run key or
parameter). *Uncertainties* are the study's uncertain factors, each the share of its estimates'
ranges (0-1, as in the Hydra study); *levers* its policy levers (a ``RealParameter`` over a
setting's range, a ``BooleanParameter`` for a scenario added or not); *outcomes*, per outcome of the
study, the baseline's level (``<outcome>_baseline``) and the policy's change from it
(``<outcome>_change``), and ``is_resurgent`` (1.0 when IS resurges as the study defines it). An
experiment runs the row's policy and baseline runs with the row's seeds in the calling process:
the same runs, seeds and contrasts as the Hydra study. Names are identifiers (EMA 3 asks for them).

EMA Workbench is the optional extra ``pip install 'bordersim[ema]'``.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

import numpy as np
import pandas as pd

from bordersim import config
from bordersim.sensitivity import analysis, discovery, runner
from bordersim.sensitivity.design import Design, design, settings
from bordersim.sensitivity.report import slug


@lru_cache(maxsize=8)
def study(overrides: tuple[str, ...]) -> tuple[Design, dict[str, Any]]:
    """The design and settings the overrides compose (once per process)."""
    cfg = config.compose_config(overrides)
    return design(cfg), settings(cfg)


def model(overrides: list[str]) -> Any:
    """An EMA ``Model`` of the discovery study the overrides compose."""
    from ema_workbench import BooleanParameter, Model, RealParameter, ScalarOutcome

    d, s = study(tuple(overrides))
    found = Model("bordersim", function=partial(experiment, tuple(overrides)))
    found.uncertainties = [RealParameter(slug(name), 0.0, 1.0) for name in d.uncertain]
    found.levers = [
        BooleanParameter(slug(lever.name))
        if lever.adds
        else RealParameter(slug(lever.name), lever.low, lever.high)
        for lever in d.levers
    ]
    found.outcomes = [ScalarOutcome(name) for name in outcome_names(s)]
    return found


def outcome_names(s: dict[str, Any]) -> list[str]:
    """The EMA outcomes: per study outcome its baseline level and change, then the resurgence flag."""
    return [*(f"{slug(o)}_{part}" for o in s["outcomes"] for part in ("baseline", "change")), "is_resurgent"]


def row_of(d: Design, inputs: dict[str, Any]) -> np.ndarray:
    """The design row of an EMA experiment's uncertainties and levers."""
    shares = [float(inputs[slug(name)]) for name in d.uncertain]
    levers = [lever.share(float(inputs[slug(lever.name)])) for lever in d.levers]
    return np.array([*shares, *levers])


def experiment(overrides: tuple[str, ...], **inputs: Any) -> dict[str, float]:
    """One EMA experiment: the row's runs, their contrasts and whether IS resurges."""
    d, s = study(overrides)
    records = []
    for planned in runner.runs(d, s, row_of(d, inputs)[None, :]):
        base = config.plain(config.compose_config([*overrides, *planned.pop("overrides")]))
        outcomes = runner.run_one(base, planned)
        records.append(
            {"row": planned["row"], "scenario": planned["scenario"], "seed": planned["seed"], **outcomes}
        )
    table = analysis.contrast_table(pd.DataFrame.from_records(records), s["baseline"],
                                    [discovery.policy_name(s)], s["outcomes"])  # fmt: skip
    policy = f"{discovery.policy_name(s)} - {s['baseline']}"
    out = {}
    for name in s["outcomes"]:
        out[f"{slug(name)}_baseline"] = float(table[(analysis.LEVEL, name)].iloc[0])
        out[f"{slug(name)}_change"] = float(table[(policy, name)].iloc[0])
    spec = s["resurgence"]
    out["is_resurgent"] = float(
        discovery.resurgence(table, policy, spec["outcome"], float(spec["ratio"])).iloc[0]
    )
    return out

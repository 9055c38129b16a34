"""The design of a sensitivity study: its factors, the sample rows, each row's seeds, the jobs' blocks.

A study's settings (the ``sensitivity`` block of ``configs/experiment/{morris,sobol,discovery}.yaml``)
fix everything: the estimates and their ranges (:mod:`bordersim.sensitivity.space`), the groups,
the factors studied, the method and its size, and the sampling seed. SALib samples every factor on
[0, 1]; every estimate of a factor takes the same share of its own range, so a group moves
together, in the same direction. The methods:

- ``morris``: Morris trajectories over every factor, blocks of ``factors + 1`` rows;
- ``sobol``: Saltelli's extension of the Sobol' sequence (first and total order) over the chosen
  factors, blocks of ``factors + 2`` rows per base sample; the first half of the base samples is
  itself a valid Saltelli sample (the Sobol' sequence is drawn in order), which the convergence
  check reads;
- ``discovery``: a Latin hypercube over the chosen factors and the policy's levers (strike
  intensity, drawdown fraction, US presence), one row per block.

Morris and Sobol' studies carry one more factor, :data:`~space.NOISE`, that moves nothing but the
seeds: its effect is the runs' noise, the floor against which the other factors are read. The
factors a Sobol' or discovery study moves are the ``top`` factors of a finished Morris study
(``morris``: its directory, :mod:`bordersim.sensitivity.ranking`) or, without one, ``factors`` (a
list); every other estimate keeps its default.

A row's seeds are a hash of its values (and the study's ``seed``), not of its position: the same
row gets the same seeds however the rows are cut into jobs, on resume, and in every scenario of the
row (common random numbers for the contrasts). In a Sobol' study the seeds hash the noise factor's
value only, so the rows of a base sample that differ in one factor share their seeds: their
difference is the factor's effect, and the noise factor's indices are the seeds' share of the
variance. Rows that repeat in the design share their runs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from SALib.sample import latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from bordersim.errors import ConfigError
from bordersim.sensitivity.ranking import top_factors
from bordersim.sensitivity.space import NOISE, Estimate, estimates, group_of


@dataclass(frozen=True)
class Lever:
    """A policy choice of a discovery study: a scenario setting over a range, or a scenario added
    in the upper half of its range (a yes/no choice, e.g. the US withdrawal)."""

    name: str
    setting: str = ""
    low: float = 0.0
    high: float = 1.0
    adds: str = ""
    overrides: tuple[str, ...] = ()

    def value(self, x: float) -> float:
        """The lever's value for design value ``x``: the setting, or 1.0 (added) / 0.0."""
        return float(x >= 0.5) if self.adds else self.low + float(x) * (self.high - self.low)

    def share(self, value: float) -> float:
        """The design value that gives ``value`` (the inverse of :meth:`value`)."""
        return float(value) if self.adds else (float(value) - self.low) / (self.high - self.low)

    def composition(self, x: float) -> tuple[list[str], list[str]]:
        """Scenarios the lever adds and the overrides it sets at design value ``x``."""
        if self.adds:
            return ([self.adds], list(self.overrides)) if self.value(x) else ([], [])
        return [], [f"{self.setting}={self.value(x)!r}"]


@dataclass(frozen=True)
class Design:
    """The sample of a study and how to turn a row into parameter values, levers and seeds."""

    estimates: list[Estimate]
    factor_of: list[int]
    levers: list[Lever]
    problem: dict[str, Any]
    rows: np.ndarray
    seed: int
    seeds_per_row: int
    block: int
    seeded_by: tuple[int, ...]

    @property
    def factors(self) -> list[str]:
        """The columns of the design: uncertain factors, levers, and the noise factor (if any) last."""
        return list(self.problem["names"])

    @property
    def uncertain(self) -> list[str]:
        """The factors whose estimates a row moves."""
        return self.factors[: len(self.factors) - len(self.levers) - (NOISE in self.factors)]

    def values(self, row: np.ndarray) -> dict[str, int | float]:
        """Parameter values of a sample row, by dotted key under ``params``."""
        return {
            e.key: e.value(e.low + row[f] * (e.high - e.low))
            for e, f in zip(self.estimates, self.factor_of, strict=True)
        }

    def lever_values(self, row: np.ndarray) -> dict[str, float]:
        """The row's policy: each lever's value."""
        first = len(self.uncertain)
        return {lever.name: lever.value(row[first + n]) for n, lever in enumerate(self.levers)}

    def composition(self, row: np.ndarray) -> tuple[list[str], list[str]]:
        """Scenarios the row's levers add to a policy run, and the overrides they set."""
        first, added, overrides = len(self.uncertain), [], []
        for n, lever in enumerate(self.levers):
            scenarios, settings_ = lever.composition(row[first + n])
            added += scenarios
            overrides += settings_
        return added, overrides

    def key(self, row: np.ndarray) -> str:
        """A name for the row computed from its values only."""
        return _digest(row, self.seed)

    def seeds(self, row: np.ndarray) -> list[int]:
        """The row's seeds, shared by its scenarios (a hash of the ``seeded_by`` columns)."""
        key = _digest(row[list(self.seeded_by)], self.seed)
        return [int(hashlib.sha256(f"{key}/{k}".encode()).hexdigest()[:8], 16) % 2**31
                for k in range(self.seeds_per_row)]  # fmt: skip


def _digest(values: np.ndarray, seed: int) -> str:
    text = ",".join(f"{x:.12g}" for x in values) + f"|{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def settings(cfg: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """The study's settings as a plain dict (from a composed config or the ``sensitivity`` node)."""
    node = cfg.get("sensitivity", cfg)
    plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    assert isinstance(plain, Mapping), "the study's settings are a mapping"
    return {str(k): v for k, v in plain.items()}


def factors(found: list[Estimate], groups: Mapping[str, list[str]]) -> list[str]:
    """The factors of the estimates in order of first appearance."""
    return list(dict.fromkeys(group_of(e.key, dict(groups)) for e in found))


def chosen(s: Mapping[str, Any], every: list[str]) -> list[str]:
    """The factors a study moves: the ``top`` of its ``morris`` study, else its ``factors``, else all."""
    if s.get("morris"):
        return top_factors(Path(str(s["morris"])), int(s["top"]), every)
    if s.get("factors"):
        names = [str(n) for n in s["factors"]]
        for name in names:
            if name not in every:
                raise ConfigError("sensitivity.factors", f"unknown factor '{name}'", ", ".join(every))
        return names
    return every


def problem(names: list[str]) -> dict[str, Any]:
    """SALib's problem: one variable per factor, on [0, 1] (a share of each estimate's range)."""
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def levers(s: Mapping[str, Any]) -> list[Lever]:
    """The policy levers of a discovery study (none for the other methods)."""
    out = []
    for name, spec in (s.get("levers") or {}).items():
        spec = dict(spec)
        if bool(spec.get("setting")) == bool(spec.get("adds")):
            allowed = "{setting: KEY, low: X, high: Y} or {adds: SCENARIO, overrides: [...]}"
            raise ConfigError(
                f"sensitivity.levers.{name}", "a lever needs a setting or a scenario it adds", allowed
            )
        spec["overrides"] = tuple(spec.get("overrides") or ())
        out.append(Lever(str(name), **spec))
    return out


def _morris(spec: dict[str, Any], s: Mapping[str, Any]) -> np.ndarray:
    return morris_sample.sample(
        spec, int(s["trajectories"]), num_levels=int(s["levels"]), seed=int(s["seed"])
    )


def _sobol(spec: dict[str, Any], s: Mapping[str, Any]) -> np.ndarray:
    return sobol_sample.sample(spec, int(s["samples"]), calc_second_order=False, seed=int(s["seed"]))


def _latin(spec: dict[str, Any], s: Mapping[str, Any]) -> np.ndarray:
    return latin.sample(spec, int(s["samples"]), seed=int(s["seed"]))


Sampler = Callable[[dict[str, Any], Mapping[str, Any]], np.ndarray]
#: method -> (sampler, rows per analysis block given the columns, whether the seeds follow the noise only)
METHODS: dict[str, tuple[Sampler, Callable[[int], int], bool]] = {
    "morris": (_morris, lambda columns: columns + 1, False),
    "sobol": (_sobol, lambda columns: columns + 2, True),
    "discovery": (_latin, lambda columns: 1, False),
}


def design(cfg: DictConfig | Mapping[str, Any]) -> Design:
    """The study's design from its settings (the same on every process that computes it)."""
    s = settings(cfg)
    method = str(s.get("method", "morris"))
    if method not in METHODS:
        raise ConfigError("sensitivity.method", f"unknown method '{method}'", ", ".join(METHODS))
    sampler, block, noise_seeded = METHODS[method]
    groups = s.get("groups") or {}
    every = estimates(float(s["relative_range"]), s.get("ranges"))
    studied = chosen(s, factors(every, groups))
    found = [e for e in every if group_of(e.key, groups) in studied]
    policy = levers(s)
    names = [*studied, *(lever.name for lever in policy), *([] if policy else [NOISE])]
    spec = problem(names)
    rows = sampler(spec, s)
    seeded_by = (len(names) - 1,) if noise_seeded else tuple(range(len(names)))
    factor_of = [names.index(group_of(e.key, groups)) for e in found]
    return Design(found, factor_of, policy, spec, rows, int(s["seed"]), int(s["seeds_per_row"]),
                  block(len(names)), seeded_by)  # fmt: skip


def n_blocks(node: Any) -> str:
    """Hydra's sweep of block indices of a study: ``range(0, ceil(rows / rows_per_job))``."""
    rows = len(design(node).rows)
    return f"range(0,{math.ceil(rows / int(settings(node)['rows_per_job']))})"


def block_rows(d: Design, block: int, rows_per_job: int) -> np.ndarray:
    """The rows of one block of the design."""
    return d.rows[block * rows_per_job : (block + 1) * rows_per_job]


if not OmegaConf.has_resolver("bordersim_study_blocks"):
    OmegaConf.register_new_resolver("bordersim_study_blocks", n_blocks)

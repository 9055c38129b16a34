"""The design of a Morris study: its factors, the sample rows, each row's seeds, the jobs' blocks.

A study's settings (``sensitivity`` in ``configs/experiment/morris.yaml``) fix everything: the
estimates and their ranges (:mod:`bordersim.sensitivity.space`), the groups, the number of
trajectories and levels and the sampling seed. One more factor, :data:`~space.NOISE`, moves
nothing but the seeds: its elementary effects are the runs' noise, the floor against which the
other factors are read. SALib samples the factors on [0, 1]; every estimate of a factor takes the
same share of its own range, so a group moves together, in the same direction.

A row's seeds are a hash of its values (and the study's ``seed``), not of its position: the
same row gets the same seeds however the rows are cut into jobs, on resume, and in every
scenario of the row (common random numbers for the contrasts). Rows that repeat in the design
share their runs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from SALib.sample import morris as morris_sample

from bordersim.sensitivity.space import NOISE, Estimate, estimates, group_of


@dataclass(frozen=True)
class Design:
    """The sample of a Morris study and how to turn a row into parameter values and seeds."""

    estimates: list[Estimate]
    factor_of: list[int]
    problem: dict[str, Any]
    rows: np.ndarray
    seed: int
    seeds_per_row: int
    levels: int

    @property
    def factors(self) -> list[str]:
        """The factors (groups) in the order of the analysis, the noise factor last."""
        return list(self.problem["names"])

    def values(self, row: np.ndarray) -> dict[str, int | float]:
        """Parameter values of a sample row, by dotted key under ``params``."""
        return {
            e.key: e.value(e.low + row[f] * (e.high - e.low))
            for e, f in zip(self.estimates, self.factor_of, strict=True)
        }

    def key(self, row: np.ndarray) -> str:
        """A name for the row computed from its values only."""
        text = ",".join(f"{x:.12g}" for x in row) + f"|{self.seed}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def seeds(self, row: np.ndarray) -> list[int]:
        """The row's seeds, shared by its scenarios."""
        key = self.key(row)
        return [int(hashlib.sha256(f"{key}/{k}".encode()).hexdigest()[:8], 16) % 2**31
                for k in range(self.seeds_per_row)]  # fmt: skip


def settings(cfg: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """The study's settings as a plain dict (from a composed config or the ``sensitivity`` node)."""
    node = cfg.get("sensitivity", cfg)
    plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    assert isinstance(plain, Mapping), "the study's settings are a mapping"
    return {str(k): v for k, v in plain.items()}


def factors(found: list[Estimate], groups: Mapping[str, list[str]]) -> list[str]:
    """The factors of the estimates in order of first appearance, then the noise factor."""
    return [*dict.fromkeys(group_of(e.key, dict(groups)) for e in found), NOISE]


def problem(names: list[str]) -> dict[str, Any]:
    """SALib's problem: one variable per factor, on [0, 1] (a share of each estimate's range)."""
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def design(cfg: DictConfig | Mapping[str, Any]) -> Design:
    """The study's design from its settings (the same on every process that computes it)."""
    s = settings(cfg)
    found, groups = estimates(float(s["relative_range"])), s.get("groups") or {}
    names = factors(found, groups)
    factor_of = [names.index(group_of(e.key, groups)) for e in found]
    spec = problem(names)
    rows = morris_sample.sample(
        spec, int(s["trajectories"]), num_levels=int(s["levels"]), seed=int(s["seed"])
    )
    return Design(found, factor_of, spec, rows, int(s["seed"]), int(s["seeds_per_row"]), int(s["levels"]))


def n_blocks(node: Any) -> str:
    """Hydra's sweep of block indices of a study: ``range(0, ceil(rows / rows_per_job))``."""
    s = settings(node)
    n_factors = len(factors(estimates(float(s["relative_range"])), s.get("groups") or {}))
    rows = int(s["trajectories"]) * (n_factors + 1)
    return f"range(0,{math.ceil(rows / int(s['rows_per_job']))})"


def block_rows(d: Design, block: int, rows_per_job: int) -> np.ndarray:
    """The rows of one block of the design."""
    return d.rows[block * rows_per_job : (block + 1) * rows_per_job]


if not OmegaConf.has_resolver("bordersim_morris_blocks"):
    OmegaConf.register_new_resolver("bordersim_morris_blocks", n_blocks)

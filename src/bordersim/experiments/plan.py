"""The plan of a sweep: which Hydra jobs it launches and which seeds each job runs.

A sweep point (scenario and parameter values) gets ``n_seeds`` seeds counted from ``seed``.
They are cut into blocks of ``seeds_per_job``; a Hydra job runs one block (``sweep.block``),
so Hydra's per-job overhead is paid once per block rather than once per seed. Presets
sweep ``sweep.block: ${bordersim_blocks:${n_seeds},${seeds_per_job}}``, which this module
registers as an OmegaConf resolver giving ``range(0,NUMBER_OF_BLOCKS)``.
"""

from __future__ import annotations

import math
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from bordersim import config
from bordersim.events import scenarios

#: Override keys that choose seeds or presets rather than model inputs: never "swept parameters".
SEED_KEYS = ("seed", "n_seeds", "seeds_per_job", "sweep.block", "experiment")
#: The keys that fix a job's seeds, in the order of :func:`block_seeds`'s arguments.
BLOCK_KEYS = ("seed", "n_seeds", "seeds_per_job", "sweep.block")


def blocks(n_seeds: int, seeds_per_job: int) -> str:
    """Hydra's sweep of block indices for ``n_seeds`` seeds in blocks of ``seeds_per_job``."""
    if n_seeds < 1 or seeds_per_job < 1:
        raise ValueError(f"n_seeds ({n_seeds}) and seeds_per_job ({seeds_per_job}) must be >= 1")
    return f"range(0,{math.ceil(n_seeds / seeds_per_job)})"


if not OmegaConf.has_resolver("bordersim_blocks"):
    OmegaConf.register_new_resolver("bordersim_blocks", blocks)


def block_seeds(first_seed: int, n_seeds: int, seeds_per_job: int, block: int) -> list[int]:
    """The seeds of one block: block ``b`` holds seeds ``first + b*k .. first + (b+1)*k - 1``."""
    start = block * seeds_per_job
    return [first_seed + i for i in range(start, min(start + seeds_per_job, n_seeds))]


def job_seeds(cfg: Any) -> list[int]:
    """The seeds a job with this config runs."""
    return block_seeds(*(int(OmegaConf.select(cfg, key)) for key in BLOCK_KEYS))


def sweep_overrides(cfg: DictConfig) -> list[str]:
    """The sweep as Hydra's basic sweeper sees it: preset sweeper params, then the command line."""
    params = [f"{k}={v}" for k, v in (cfg.hydra.sweeper.get("params") or {}).items()]
    return params + list(cfg.hydra.overrides.task)


def job_overrides(cfg: DictConfig) -> list[list[str]]:
    """Every job of the sweep as the override strings Hydra launches it with, in launch order."""
    parsed = OverridesParser.create().parse_overrides(sweep_overrides(cfg))
    (batch,) = BasicSweeper.split_arguments(parsed, None)
    return [list(job) for job in batch]


def jobs(cfg: DictConfig) -> list[dict[str, str]]:
    """Every job of the sweep as ``{key: value}`` of its overrides, in launch order."""
    return [dict(o.lstrip("+~").split("=", 1) for o in job) for job in job_overrides(cfg)]


def check_jobs(cfg: DictConfig) -> None:
    """Resolve every distinct sweep point (seeds aside) as its job will, and check its
    scenario calendar: a ConfigError before any job starts rather than in every job."""
    loader = GlobalHydra.instance().config_loader()
    seen: set[tuple[str, ...]] = set()
    for job in job_overrides(cfg):
        point = tuple(o for o in job if o.lstrip("+~").split("=", 1)[0] not in SEED_KEYS)
        if point in seen:
            continue
        seen.add(point)
        scenarios.calendar(config.resolve(loader.load_sweep_config(cfg, job)))


def swept_parameters(cfg: DictConfig) -> list[str]:
    """Dotted keys given several values in the sweep, except the scenario and the seed keys."""
    parsed = OverridesParser.create().parse_overrides(sweep_overrides(cfg))
    keys = [o.key_or_group for o in parsed if o.is_sweep_override()]
    return [k for k in dict.fromkeys(keys) if k not in SEED_KEYS and k != "scenario"]


def expected_runs(cfg: DictConfig) -> int:
    """How many runs (seeds over all jobs) the sweep asks for."""
    total = 0
    for job in jobs(cfg):
        first, n, k, block = (int(job.get(key, OmegaConf.select(cfg, key))) for key in BLOCK_KEYS)
        total += len(block_seeds(first, n, k, block))
    return total

"""One Hydra job of a sweep: run its block of seeds, each into its own run directory.

A run directory ``JOB_DIR/seed_NNNN/`` is complete when it holds ``summary.json`` (written
last, atomically, by :meth:`bordersim.api.RunResult.write`). A run that raises leaves
``failed.json`` (the error and its traceback, also written atomically) and the job goes on
with its next seed. Seeds whose run directory is complete are skipped, so re-running a sweep
into the same directory resumes it.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

from bordersim.api import SUMMARY, run
from bordersim.experiments.plan import job_seeds
from bordersim.experiments.store import FAILED, atomic


def run_dir(job_dir: Path, seed: int) -> Path:
    return job_dir / f"seed_{seed:04d}"


def is_complete(directory: Path) -> bool:
    return (directory / SUMMARY).is_file()


def run_block(cfg: DictConfig, job_dir: Path) -> None:
    """Run every seed of the job's block whose run directory is not complete yet."""
    for seed in job_seeds(cfg):
        out = run_dir(job_dir, seed)
        if is_complete(out):
            continue
        try:
            run(with_seed(cfg, seed)).write(out)
        except Exception as err:  # a failed run is recorded; the sweep goes on
            record_failure(out, cfg, seed, err)
            print(f"run failed: {out}: {type(err).__name__}: {err}", file=sys.stderr)
        else:
            (out / FAILED).unlink(missing_ok=True)


def with_seed(cfg: DictConfig, seed: int) -> DictConfig:
    """The job's config for one seed of its block."""
    one = cfg.copy()
    with open_dict(one):
        one.seed = seed
    return one


def record_failure(out: Path, cfg: DictConfig, seed: int, err: BaseException) -> None:
    """Write ``failed.json``: the run's seed and scenario, the error and its traceback."""
    out.mkdir(parents=True, exist_ok=True)
    scenario = OmegaConf.select(cfg, "scenario", default={})
    record = {
        "seed": seed,
        "scenario": sorted(scenario) if isinstance(scenario, DictConfig) else [],
        "error": f"{type(err).__name__}: {err}",
        "traceback": "".join(traceback.format_exception(err)),
    }
    text = json.dumps(record, indent=2, default=str)
    atomic(out / FAILED, lambda p: p.write_text(text))

"""The ``bordersim`` command: a Hydra app that runs the model once, or a block of seeds per job.

``bordersim seed=7 days=180`` runs once into Hydra's run directory and prints a summary; any
config key can be overridden. A bad value stops with one line naming the key and what is
allowed, exit code 2, and no output files.

``bordersim -m experiment=NAME`` sweeps scenarios, parameters and seeds (experiments/README.md):
each job runs its block of seeds into ``seed_NNNN/`` directories, and the sweep ends with the
collected dataset and the comparison table; it exits 1 if any run failed or is missing.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from bordersim.errors import ConfigError
from bordersim.experiments import sweep
from bordersim.experiments.runner import run_block
from bordersim.metrics import headline
from bordersim.run import run


@hydra.main(version_base="1.3", config_path="pkg://bordersim.configs", config_name="config")
def app(cfg: DictConfig) -> None:
    out = Path(HydraConfig.get().runtime.output_dir)
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        run_block(cfg, out)
        return
    try:
        result = run(cfg)
    except ConfigError as err:
        _discard(out)
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    result.write(out)
    print_summary(result.summary, out)


def print_summary(summary: dict, out: Path) -> None:
    s = summary
    scenario, days = "+".join(s["scenario"]), s["outcomes"]["days"]
    print(f"bordersim run: scenario {scenario}, seed {s['seed']}, {days} days from {s['start_date']}")
    for label, value in headline(s["outcomes"]):
        print(f"  {label:<38} {value}")
    print(f"outputs: {out}")


def _discard(out: Path) -> None:
    """Remove a run directory that holds nothing but Hydra's own records."""
    if out.is_dir() and all(p.name == ".hydra" or p.suffix == ".log" for p in out.iterdir()):
        shutil.rmtree(out)


def main() -> None:
    try:
        app()
    finally:
        status = sweep.finish()
    sys.exit(status)

"""The layout of a sweep directory on disk and the atomic writes every file of it goes through.

``SWEEP_DIR/sweep.json`` describes the sweep; each Hydra job directory (``.hydra/`` holding
its config and overrides) holds one directory per seed, ``seed_NNNN/``, complete when it
holds ``summary.json`` and failed when it holds ``failed.json`` only. ``collected/`` and the
comparison tables are built from those by :mod:`bordersim.experiments.collect`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bordersim.api import SUMMARY

SWEEP_JSON = "sweep.json"
FAILED = "failed.json"
COLLECTED = "collected"


def atomic(path: Path, write: Callable[[Path], Any]) -> Path:
    """Write through a temporary name and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    write(tmp)
    os.replace(tmp, path)
    return path


def read_meta(root: Path) -> dict[str, Any]:
    """The sweep's ``sweep.json``, or an empty dict if there is none."""
    path = root / SWEEP_JSON
    return json.loads(path.read_text()) if path.is_file() else {}


def write_meta(root: Path, meta: dict[str, Any]) -> Path:
    text = json.dumps(meta, indent=2, default=str)
    return atomic(root / SWEEP_JSON, lambda p: p.write_text(text))


def finished_runs(root: Path) -> tuple[list[Path], list[Path]]:
    """Run directories holding a complete run, and those holding only a recorded failure."""
    ok, failed = [], []
    for d in sorted(root.rglob("seed_*")):
        if (d / SUMMARY).is_file():
            ok.append(d)
        elif (d / FAILED).is_file():
            failed.append(d)
    return ok, failed

"""Collecting a sweep: one tidy dataset and the comparison table from its run directories.

``bordersim-collect SWEEP_DIR`` (also run automatically at the end of ``bordersim -m``)
reads every run directory holding ``summary.json`` (ok) or ``failed.json`` (failed) and
writes ``collected/runs.parquet`` (one row per run), ``collected/daily.parquet`` and
``collected/strikes.parquet`` (ok runs), the comparison tables and the run counts in
``sweep.json``. Files being written when a sweep was killed are never read. It prints the
failures and ``comparison table: PATH`` and exits 1 if runs failed or are missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from bordersim.api import SUMMARY
from bordersim.experiments.compare import comparison, write_comparison
from bordersim.experiments.plan import SEED_KEYS
from bordersim.experiments.store import COLLECTED, FAILED, atomic, finished_runs, read_meta, write_meta

#: Failures listed on the console (all of them are in runs.parquet and sweep.json).
SHOWN_FAILURES = 10


def collect(root: str | Path) -> dict[str, Any]:
    """Collect a sweep directory; return its updated ``sweep.json`` content."""
    root = Path(root)
    meta = read_meta(root)
    ok_dirs, failed_dirs = finished_runs(root)
    jobs = {d.parent: job_overrides(d.parent) for d in ok_dirs + failed_dirs}
    swept = meta.get("swept_parameters") or varying_overrides(list(jobs.values()))
    records = [read_run(d, root, jobs[d.parent], swept) for d in ok_dirs + failed_dirs]
    runs = run_table(records, swept)
    out = root / COLLECTED
    out.mkdir(exist_ok=True)
    atomic(out / "runs.parquet", lambda p: runs.to_parquet(p, index=False))
    ok = runs[runs["status"] == "ok"]
    for name in ("daily", "strikes"):
        frame = stacked(root, ok, swept if name == "daily" else [], f"{name}.parquet")
        atomic(out / f"{name}.parquet", partial(_write_parquet, frame))
    md = write_comparison(root, comparison(runs, swept), swept)
    expected = meta.get("n_runs_expected", len(runs))
    meta |= {
        "swept_parameters": swept,
        "n_runs_expected": expected,
        "n_runs_ok": len(ok),
        "n_runs_failed": int((runs["status"] == "failed").sum()),
        "n_runs_missing": max(expected - len(runs), 0),
        "failures": runs.loc[runs["status"] == "failed", ["run_id", "error"]].to_dict("records"),
        "comparison": str(md.relative_to(root)),
        "collected": datetime.now().isoformat(timespec="seconds"),
    }
    meta["status"] = "complete" if len(ok) == expected and not meta["n_runs_failed"] else "incomplete"
    write_meta(root, meta)
    return meta


def read_run(run_dir: Path, root: Path, overrides: dict[str, Any], swept: list[str]) -> dict[str, Any]:
    """One row of the run table: ids, swept values, status and the run's outcomes."""
    summary_path = run_dir / SUMMARY
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
        seed, names, error, outcomes = summary["seed"], summary["scenario"], None, summary["outcomes"]
    else:
        failure = json.loads((run_dir / FAILED).read_text())
        seed, names, error, outcomes = failure["seed"], failure["scenario"], failure["error"], {}
    scenario = "+".join(sorted(names))
    values = {k: overrides.get(k) for k in swept}
    run_id = ",".join([scenario, *(f"{k}={v}" for k, v in values.items()), f"seed={seed}"])
    return {
        "run_id": run_id, "scenario": scenario, **values, "seed": int(seed),
        "status": "failed" if error else "ok", "error": error,
        "run_dir": run_dir.relative_to(root).as_posix(), **outcomes,
    }  # fmt: skip


def job_overrides(job_dir: Path) -> dict[str, Any]:
    """The overrides Hydra recorded for a job directory, as ``{key: typed value}``."""
    path = job_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    listed = OmegaConf.to_container(OmegaConf.load(path))
    assert isinstance(listed, list), f"{path} holds a list of overrides"
    parsed = OverridesParser.create().parse_overrides([str(o) for o in listed])
    return {o.key_or_group: _plain(o.value()) for o in parsed}


def _plain(value: Any) -> Any:
    """Numbers, strings and booleans stay; lists and mappings become their text (for Parquet)."""
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def varying_overrides(jobs: list[dict[str, Any]]) -> list[str]:
    """Swept parameters when sweep.json does not list them: overrides that differ between jobs."""
    values: dict[str, set] = {}
    for overrides in jobs:
        for k, v in overrides.items():
            values.setdefault(k, set()).add(repr(v))
    return sorted(k for k, v in values.items() if len(v) > 1 and k not in SEED_KEYS and k != "scenario")


def run_table(records: list[dict[str, Any]], swept: list[str]) -> pd.DataFrame:
    """The run table, sorted by scenario, swept values and seed; true/false outcomes kept as such."""
    ids = ["run_id", "scenario", *swept, "seed", "status", "error", "run_dir"]
    runs = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=ids)
    runs = runs[ids + [c for c in runs.columns if c not in ids]]
    for col in runs.columns[len(ids) :]:
        present = runs[col].dropna()
        if len(present) and present.map(lambda v: isinstance(v, bool)).all():
            runs[col] = runs[col].astype("boolean")
    runs["error"] = runs["error"].astype("string")
    return runs.sort_values(["scenario", *swept, "seed"], na_position="first", ignore_index=True)


def stacked(root: Path, ok: pd.DataFrame, swept: list[str], name: str) -> pd.DataFrame:
    """One run file (daily.parquet, strikes.parquet) of every ok run, stacked under id columns."""
    ids = ["run_id", "scenario", *swept, "seed"]
    frames = []
    for row in ok[ids + ["run_dir"]].to_dict("records"):
        path = root / row["run_dir"] / name
        if path.is_file():
            frame = pd.read_parquet(path)
            for position, key in enumerate(ids):
                frame.insert(position, key, row[key])
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ids)


def print_outcome(root: Path, meta: dict[str, Any]) -> int:
    """Print the run counts, the failures and the comparison table's path; return the exit code."""
    failed, missing = meta["n_runs_failed"], meta["n_runs_missing"]
    print(
        f"sweep {root}: {meta['n_runs_ok']} of {meta['n_runs_expected']} runs ok, "
        f"{failed} failed, {missing} missing"
    )
    for failure in meta["failures"][:SHOWN_FAILURES]:
        print(f"  failed: {failure['run_id']}: {failure['error']}")
    if failed > SHOWN_FAILURES:
        print(f"  ... and {failed - SHOWN_FAILURES} more (collected/runs.parquet, column error)")
    if missing and meta.get("resume"):
        print(f"  resume with: {meta['resume']}")
    print(f"comparison table: {root / meta['comparison']}")
    return 1 if failed or missing else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bordersim-collect", description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, help="directory of a sweep (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: {args.sweep_dir}: not a directory", file=sys.stderr)
        sys.exit(2)
    sys.exit(print_outcome(args.sweep_dir, collect(args.sweep_dir)))


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)

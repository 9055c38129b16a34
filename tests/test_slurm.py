"""The ``slurm`` launcher preset against a real SLURM scheduler.

A single-node cluster (slurmctld, slurmd, slurmdbd, munge) runs on this machine for the session,
started by ``scripts/slurm_cluster.sh`` (which installs Debian's packages when they are missing)
and stopped at the end. When it cannot start, e.g. without root or apt, the tests are skipped
with the reason. A small ``scenario_comparison`` sweep goes through the preset as a user would
run it (partition, time limit, memory, the project's environment sourced on the node) and must
give the results of the same sweep on the local launcher; a sweep whose job array is cancelled
with ``scancel`` is completed by the resume command it printed, without running a run twice.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "scripts" / "slurm_cluster.sh"
BIN = Path(sys.executable).parent
BORDERSIM = str(BIN / "bordersim")
#: Four of the five scenarios x 2 seeds, 66 days from 28 Jul 2019, so that every scenario's
#: first event (strike 1 Aug, reopening 30 Sep, drawdown 1 Oct: day 65) falls inside the run;
#: the US withdrawal (16 Mar 2020) would need a run of 233 days. Two seeds per job: 4 jobs.
SWEEP = [
    "experiment=scenario_comparison",
    "scenario=[baseline],[strike],[reopening],[militia_drawdown]",
    "start_date=2019-07-28",
    "days=66",
    "n_seeds=2",
    "seeds_per_job=2",
    "write_spatial=false",
]
N_RUNS, N_JOBS = 8, 4
#: The preset as experiments/README.md tells users to set it, for the test cluster.
SLURM = [
    "hydra/launcher=slurm",
    "hydra.launcher.partition=debug",
    "hydra.launcher.timeout_min=10",
    "hydra.launcher.mem_gb=1",
    f'hydra.launcher.setup=["source {BIN / "activate"}"]',
]


@pytest.fixture(scope="session")
def slurm_env() -> Iterator[dict[str, str]]:
    """The environment of a process that uses the session's cluster (``SLURM_CONF`` set)."""
    started = subprocess.run(["bash", str(CLUSTER), "start"], capture_output=True, text=True, timeout=900)
    conf = re.search(r"^SLURM_CONF=(.+)$", started.stdout, re.MULTILINE)
    if started.returncode != 0 or conf is None:
        reason = started.stderr.strip().splitlines()[-1:] or [f"exit code {started.returncode}"]
        pytest.skip(f"no local SLURM cluster: {reason[0]}")
    yield {**os.environ, "SLURM_CONF": conf.group(1)}
    subprocess.run(["bash", str(CLUSTER), "stop"], capture_output=True, timeout=120, check=False)


def bordersim_m(
    root: Path, *overrides: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``bordersim -m OVERRIDES hydra.sweep.dir=ROOT``, run to its end."""
    cmd = [BORDERSIM, "-m", *overrides, f"hydra.sweep.dir={root}"]
    return subprocess.run(cmd, cwd=root.parent, env=env, capture_output=True, text=True, timeout=600)


def collected(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sweep's collected run table and daily metrics."""
    return tuple(pd.read_parquet(root / "collected" / f"{name}.parquet") for name in ("runs", "daily"))


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The collected results of the sweep on the preset's local launcher (``parallel``)."""
    root = tmp_path_factory.mktemp("local") / "sweep"
    done = bordersim_m(root, *SWEEP)
    assert done.returncode == 0, done.stderr
    return collected(root)


def assert_same_results(root: Path, local: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runs, daily = collected(root)
    assert len(runs) == N_RUNS and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    pd.testing.assert_frame_equal(runs, local[0])
    pd.testing.assert_frame_equal(daily, local[1])


def squeue(env: dict[str, str]) -> list[str]:
    """The array job ids of the cluster's queued and running jobs, one per task."""
    listed = subprocess.run(["squeue", "-h", "-o", "%F"], env=env, capture_output=True, text=True, check=True)
    return listed.stdout.split()


def test_a_sweep_on_slurm_gives_the_results_of_the_local_launcher(tmp_path, slurm_env, local_sweep):
    root = tmp_path / "sweep"
    done = bordersim_m(root, *SWEEP, *SLURM, env=slurm_env)
    assert done.returncode == 0, done.stderr
    assert f"{N_RUNS} of {N_RUNS} runs ok, 0 failed, 0 missing" in done.stdout
    script = next(root.glob(".submitit/*/*_submission.sh")).read_text()
    assert f"#SBATCH --array=0-{N_JOBS - 1}" in script and "#SBATCH --partition=debug" in script
    assert f"source {BIN / 'activate'}" in script
    assert_same_results(root, local_sweep)
    assert squeue(slurm_env) == []


def test_a_cancelled_job_array_is_completed_by_the_resume_command(tmp_path, slurm_env, local_sweep):
    root = tmp_path / "sweep"
    cmd = [BORDERSIM, "-m", *SWEEP, *SLURM, f"hydra.sweep.dir={root}"]
    launch = subprocess.Popen(cmd, cwd=tmp_path, env=slurm_env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not list(root.rglob("summary.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        (array_job,) = set(squeue(slurm_env))  # mid-sweep: one run done, tasks running and pending
        subprocess.run(["scancel", array_job], env=slurm_env, check=True)
        stdout, _ = launch.communicate(timeout=300)
    finally:
        launch.kill()
    assert launch.returncode == 1
    counts = re.search(rf"(\d+) of {N_RUNS} runs ok, 0 failed, (\d+) missing", stdout)
    assert counts is not None and int(counts.group(2)) > 0, stdout
    resume = json.loads((root / "sweep.json").read_text())["resume"]
    assert f"resume with: {resume}" in stdout

    while squeue(slurm_env):  # cancelled tasks get KillWait seconds to end: one may finish its run
        time.sleep(0.2)
    first = {p: p.stat().st_mtime_ns for p in root.rglob("summary.json")}
    assert 1 <= len(first) < N_RUNS
    resumed = subprocess.run(
        [BORDERSIM, *shlex.split(resume)[1:]], cwd=tmp_path, env=slurm_env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{N_RUNS} of {N_RUNS} runs ok, 0 failed, 0 missing" in resumed.stdout
    assert all(p.stat().st_mtime_ns == t for p, t in first.items()), "a finished run ran again"
    assert_same_results(root, local_sweep)

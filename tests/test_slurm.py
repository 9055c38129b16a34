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
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

#: a cluster and sweeps on it: the full suite, not the edit loop
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "scripts" / "slurm_cluster.sh"
BIN = Path(sys.executable).parent
BORDERSIM = str(BIN / "bordersim")
#: The comparison of baseline and strike, 2 seeds, 30 days from 28 Jul 2019 so that the air
#: campaign (from 1 Aug) falls inside the runs; the other scenarios' events come months later.
#: Two seeds per job: 2 jobs, which run at once on the 2 CPUs of the test machine.
SWEEP = [
    "experiment=scenario_comparison",
    "scenario=[baseline],[strike]",
    "start_date=2019-07-28",
    "days=30",
    "n_seeds=2",
    "seeds_per_job=2",
    "write_spatial=false",
]
N_RUNS, N_JOBS = 4, 2
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
    """The collected results of the sweep on Hydra's local launcher (``basic``: one process, the
    fastest for a few short runs; test_experiments shows the preset's ``parallel`` gives the same)."""
    root = tmp_path_factory.mktemp("local") / "sweep"
    done = bordersim_m(root, *SWEEP, "hydra/launcher=basic")
    assert done.returncode == 0, done.stderr
    return collected(root)


def assert_same_results(root: Path, local: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runs, daily = collected(root)
    assert len(runs) == N_RUNS and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    pd.testing.assert_frame_equal(runs, local[0])
    pd.testing.assert_frame_equal(daily, local[1])


def queued(env: dict[str, str]) -> set[str]:
    """The ids of the job arrays with tasks pending, running or completing on the cluster."""
    listed = subprocess.run(["squeue", "-h", "-o", "%F"], env=env, capture_output=True, text=True, check=True)
    return set(listed.stdout.split())


def array_job(root: Path) -> str:
    """The id of the job array the sweep in ``root`` submitted (submitit's folder for it)."""
    (job,) = (p.name for p in root.glob(".submitit/*") if p.name.isdigit())
    return job


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 300) -> None:
    """Poll ``condition`` until it holds; fail the test naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.1)


def test_a_sweep_on_slurm_gives_the_results_of_the_local_launcher(tmp_path, slurm_env, local_sweep):
    root = tmp_path / "sweep"
    done = bordersim_m(root, *SWEEP, *SLURM, env=slurm_env)
    assert done.returncode == 0, done.stderr
    assert f"{N_RUNS} of {N_RUNS} runs ok, 0 failed, 0 missing" in done.stdout
    script = next(root.glob(".submitit/*/*_submission.sh")).read_text()
    assert f"#SBATCH --array=0-{N_JOBS - 1}" in script and "#SBATCH --partition=debug" in script
    assert f"source {BIN / 'activate'}" in script
    assert_same_results(root, local_sweep)


def test_a_cancelled_job_array_is_completed_by_the_resume_command(tmp_path, slurm_env, local_sweep):
    root = tmp_path / "sweep"
    one_at_a_time = "hydra.launcher.array_parallelism=1"  # so that a task is still pending
    cmd = [BORDERSIM, "-m", *SWEEP, *SLURM, one_at_a_time, f"hydra.sweep.dir={root}"]
    launch = subprocess.Popen(cmd, cwd=tmp_path, env=slurm_env, stdout=subprocess.PIPE, text=True)
    try:
        # mid-sweep: the first task has finished a run, the second is pending
        wait_until(lambda: any(root.rglob("summary.json")), "the first run")
        job = array_job(root)
        subprocess.run(["scancel", job], env=slurm_env, check=True)
        stdout, _ = launch.communicate(timeout=300)
    finally:
        launch.kill()
    assert launch.returncode == 1
    counts = re.search(rf"(\d+) of {N_RUNS} runs ok, 0 failed, (\d+) missing", stdout)
    assert counts is not None and int(counts.group(2)) > 0, stdout
    resume = json.loads((root / "sweep.json").read_text())["resume"]
    assert f"resume with: {resume}" in stdout

    # cancelled tasks get KillWait seconds to end (submitit ignores SIGTERM): one may finish its run
    wait_until(lambda: job not in queued(slurm_env), "the cancelled tasks to end")
    first = {p: p.stat().st_mtime_ns for p in root.rglob("summary.json")}
    assert 1 <= len(first) < N_RUNS
    resumed = subprocess.run(
        [BORDERSIM, *shlex.split(resume)[1:]], cwd=tmp_path, env=slurm_env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{N_RUNS} of {N_RUNS} runs ok, 0 failed, 0 missing" in resumed.stdout
    assert f"progress: {N_RUNS}/{N_RUNS} runs (0 failed, {len(first)} done before)" in resumed.stdout
    assert len(list(root.rglob("summary.json"))) == N_RUNS
    assert all(p.stat().st_mtime_ns == t for p, t in first.items()), "a finished run ran again"
    assert_same_results(root, local_sweep)

"""Progress of a running sweep, read from its directory: runs done of the total, rate, time left.

The launching process watches the sweep directory in a background thread, so it works the
same whichever launcher runs the jobs (in-process, joblib workers, submitit or SLURM jobs
writing to a shared file system).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bordersim.experiments.store import finished_runs


class Progress(threading.Thread):
    """Prints ``progress: DONE/TOTAL runs (F failed), R runs/s, about T left`` as runs finish."""

    def __init__(self, root: Path, total: int, every_s: float = 10.0, poll_s: float = 1.0) -> None:
        super().__init__(name="bordersim-progress", daemon=True)
        self.root, self.total, self.every_s, self.poll_s = root, total, every_s, poll_s
        self.stopping = threading.Event()
        self.started_at = time.monotonic()
        self.done_at_start = self.count()[0]

    def count(self) -> tuple[int, int]:
        """Runs finished (ok or failed) and runs failed so far."""
        ok, failed = finished_runs(self.root)
        return len(ok) + len(failed), len(failed)

    def run(self) -> None:
        shown, shown_at = self.done_at_start, time.monotonic()
        while not self.stopping.wait(self.poll_s):
            done, failed = self.count()
            if done != shown and time.monotonic() - shown_at >= self.every_s:
                print(self.line(done, failed), flush=True)
                shown, shown_at = done, time.monotonic()

    def stop(self) -> None:
        """Stop watching and print the final count."""
        self.stopping.set()
        if self.is_alive():
            self.join()
        print(self.line(*self.count()), flush=True)

    def line(self, done: int, failed: int) -> str:
        elapsed = time.monotonic() - self.started_at
        rate = (done - self.done_at_start) / elapsed if elapsed > 0 else 0.0
        left = f"about {_duration((self.total - done) / rate)} left" if rate > 0 and done < self.total else ""
        resumed = f", {self.done_at_start} done before" if self.done_at_start else ""
        text = f"progress: {done}/{self.total} runs ({failed} failed{resumed}), {rate:.2f} runs/s"
        return f"{text}, {left}" if left else f"{text}, {_duration(elapsed)} elapsed"


def _duration(seconds: float) -> str:
    minutes, s = divmod(round(seconds), 60)
    return f"{minutes}m{s:02d}s" if minutes else f"{s}s"

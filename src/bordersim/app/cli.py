"""``bordersim-app``: serve the interactive page (``solara run bordersim.app.page``).

Arguments are passed to ``solara run`` (e.g. ``--port 8766``, ``--host 0.0.0.0``,
``--no-open``); the page is served in production mode from the installed front-end assets,
without Solara's start-up check for a newer version (it needs the internet).
"""

from __future__ import annotations

import os
import sys

PAGE = "bordersim.app.page"


def command(args: list[str]) -> list[str]:
    """The ``solara run`` command line serving the page with the given extra arguments."""
    return [sys.executable, "-m", "solara", "run", PAGE, "--production", "--no-check-version", *args]


def main() -> None:
    """Replace this process by the Solara server."""
    argv = command(sys.argv[1:])
    os.execv(argv[0], argv)

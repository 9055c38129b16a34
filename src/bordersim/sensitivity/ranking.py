"""Which factors a finished Morris study ranks highest on the scenario contrasts.

A Sobol' or discovery study moves only the few factors that matter (``morris: SWEEP_DIR`` and
``top: k`` in its settings). A factor's score is its largest mu* over the contrasts and outcomes
of the Morris study, each relative to the strongest factor of that contrast and outcome (so a
factor that dominates one contrast ranks high however small that contrast's units); ties go to
the larger mean of those shares. The baseline's own level and the noise factor are left out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bordersim.errors import ConfigError
from bordersim.sensitivity.space import NOISE

#: Where a Morris study keeps its indices, under its directory.
MORRIS_CSV = Path("morris") / "morris.csv"
#: The name of the baseline's own level among the contrasts.
LEVEL = "level"


def top_factors(root: Path, top: int, known: list[str]) -> list[str]:
    """The ``top`` factors of the Morris study in ``root``; ConfigError if it is missing or foreign."""
    path = root / MORRIS_CSV
    if not path.is_file():
        raise ConfigError("sensitivity.morris", f"no Morris study at {root} (no {MORRIS_CSV})",
                          "the directory of a finished experiment=morris study")  # fmt: skip
    ranked = ranking(pd.read_csv(path))
    foreign = [f for f in ranked.index if f not in known]
    if foreign:
        problem = f"{root} ranks factor '{foreign[0]}', not one of this study's"
        raise ConfigError("sensitivity.morris", problem, "a Morris study with the same groups")
    return list(ranked.index[:top])


def ranking(found: pd.DataFrame) -> pd.Series:
    """Every factor's score (largest relative mu* over the contrasts), best first."""
    contrasts = found[(found["contrast"] != LEVEL) & (found["factor"] != NOISE)].copy()
    strongest = contrasts.groupby(["contrast", "outcome"])["mu_star"].transform("max")
    contrasts["share"] = (contrasts["mu_star"] / strongest).fillna(0.0)
    scores = contrasts.groupby("factor")["share"].agg(["max", "mean"])
    return scores.sort_values(["max", "mean"], ascending=False)["max"]

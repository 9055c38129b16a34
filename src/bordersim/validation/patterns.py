"""The patterns of MODEL.md 1 as checks: outcomes per seed, bands, pass rates and errors.

``configs/validation/patterns.yaml`` holds the patterns as data; :func:`load` reads and checks
it. :func:`evaluate` takes the recorded days of a set of runs (the stacked ``daily`` frame of
a collected sweep, or of runs made in-process) and judges every criterion per seed: the
outcome (one of :data:`OUTCOMES`), whether it lies in the band, and the error, the distance
outside the band relative to its width. A criterion holds when its pass rate reaches the
required rate; a pattern holds when all its criteria do.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from bordersim.errors import ConfigError
from bordersim.experiments.compare import bootstrap_mean
from bordersim.metrics import DEATHS, unit_columns

BASELINE = "baseline"
PATTERNS_FILE = "validation/patterns.yaml"


@dataclass
class SeedRuns:
    """The recorded days of the runs of one seed, by scenario."""

    frames: Mapping[str, pd.DataFrame]
    days_per_month: int

    def of(self, scenario: str) -> pd.DataFrame:
        return self.frames[scenario]

    def months(self, days: int) -> float:
        return days / self.days_per_month


# -- outcomes: each reads the runs of one seed and returns a number -------------------------
def monthly(runs: SeedRuns, metric: str, scenario: str = BASELINE, while_closed: bool = False) -> float:
    """A flow per month, over all recorded days or only those with the crossing closed."""
    d = runs.of(scenario)
    if while_closed:
        d = d[d["crossing_open"] == 0]
    return float(d[metric].sum() / runs.months(len(d))) if len(d) else math.nan


def total(runs: SeedRuns, metric: str, scenario: str = BASELINE) -> float:
    """A flow summed over the recorded days."""
    return float(runs.of(scenario)[metric].sum())


def mean(runs: SeedRuns, metric: str, scenario: str = BASELINE) -> float:
    """A stock's mean over the recorded days."""
    return float(runs.of(scenario)[metric].mean())


def ratio(runs: SeedRuns, metric: str, over: str, scenario: str = BASELINE) -> float:
    """One flow over another, summed over the recorded days."""
    d = runs.of(scenario)
    return _divide(d[metric].sum(), d[over].sum())


def change(runs: SeedRuns, metric: str, scenario: str, relative: bool = True) -> float:
    """Mean under the scenario minus the mean of the same seed's baseline (relative to it)."""
    now, base = runs.of(scenario)[metric].mean(), runs.of(BASELINE)[metric].mean()
    return _divide(now - base, abs(base)) if relative else float(now - base)


def ratio_to_baseline(runs: SeedRuns, metric: str, scenario: str) -> float:
    """Mean under the scenario over the mean of the same seed's baseline."""
    return _divide(runs.of(scenario)[metric].mean(), runs.of(BASELINE)[metric].mean())


def end_over_start(runs: SeedRuns, metric: str, scenario: str = BASELINE) -> float:
    """A stock on the last recorded day over the first."""
    d = runs.of(scenario)[metric]
    return _divide(d.iloc[-1], d.iloc[0])


def gap(runs: SeedRuns, metric: str, than: str, scenario: str = BASELINE) -> float:
    """1 - mean(than) / mean(metric): how far ``than`` lies below ``metric``."""
    d = runs.of(scenario)
    return 1.0 - _divide(d[than].mean(), d[metric].mean())


def deaths_outside_strike_months(runs: SeedRuns, scenario: str = BASELINE) -> float:
    """Deaths of all sides a month, over the months (blocks of recorded days) without strikes."""
    d = runs.of(scenario)
    month = np.arange(len(d)) // runs.days_per_month
    per_month = d.assign(month=month, dead=d[DEATHS].sum(axis=1)).groupby("month")
    quiet = per_month.filter(lambda m: m["strikes"].sum() == 0)
    return float(quiet["dead"].sum() / runs.months(len(quiet))) if len(quiet) else math.nan


def drift(
    runs: SeedRuns, metrics: Sequence[str] = (), units: bool = False, scenario: str = BASELINE
) -> float:
    """How far the run strays from where it started: the largest departure of a month's mean
    (blocks of recorded days) from the first month's, relative to the first, over ``metrics``
    and, with ``units``, every unit's fighters (units that start with none are left out)."""
    d = runs.of(scenario)
    columns = [*metrics, *(unit_columns(d.columns) if units else [])]
    months = d[columns].groupby(np.arange(len(d)) // runs.days_per_month).mean()
    first = months.iloc[0]
    shown = first.abs() >= 1e-9
    if not shown.any():
        return math.nan
    return float((months.loc[:, shown] / first[shown] - 1.0).abs().to_numpy().max())


def _divide(a: float, b: float) -> float:
    return float(a / b) if b else math.nan


OUTCOMES: dict[str, Callable[..., float]] = {
    fn.__name__: fn
    for fn in (monthly, total, mean, ratio, change, ratio_to_baseline, end_over_start, gap,
               deaths_outside_strike_months, drift)
}  # fmt: skip
#: Outcomes that compare a scenario with the baseline of the same seed.
PAIRED = {"change", "ratio_to_baseline"}


# -- the patterns as data --------------------------------------------------------------------
@dataclass
class Criterion:
    """One check of a pattern: an outcome, the band it must fall in, and its evidence."""

    name: str
    outcome: dict[str, Any]
    band: tuple[float, float]
    unit: str
    source: str
    naive: dict[str, Any] | None = None

    @property
    def scenarios(self) -> list[str]:
        """The runs of a seed this criterion reads."""
        own = str(self.outcome.get("scenario", BASELINE))
        return list(dict.fromkeys([own, BASELINE] if self.outcome["fn"] in PAIRED else [own]))

    def value(self, runs: SeedRuns) -> float:
        args = {k: v for k, v in self.outcome.items() if k != "fn"}
        return OUTCOMES[self.outcome["fn"]](runs, **args)

    def error(self, value: float) -> float:
        """Distance outside the band relative to its width (0 inside; NaN if undefined)."""
        lo, hi = self.band
        if math.isnan(value):
            return math.nan
        outside = max(lo - value, value - hi, 0.0)
        return outside / band_scale(lo, hi)


def band_scale(lo: float, hi: float) -> float:
    """The band's width, or for a one-sided band the size of its finite bound (at least 1)."""
    if math.isfinite(lo) and math.isfinite(hi):
        return hi - lo
    finite = lo if math.isfinite(lo) else hi
    return max(abs(finite), 1.0) if math.isfinite(finite) else 1.0


@dataclass
class Pattern:
    """A pattern of MODEL.md 1: its claim, its criteria and the knockout of its mechanism."""

    id: str
    claim: str
    mechanism: str
    knockout: dict[str, Any]
    criteria: list[Criterion]

    @property
    def scenarios(self) -> list[str]:
        return list(dict.fromkeys(s for c in self.criteria for s in c.scenarios))


@dataclass
class Patterns:
    """All patterns with the rules they are judged by."""

    patterns: list[Pattern]
    required_pass_rate: float
    min_seeds: int
    days_per_month: int
    source: str = field(default=PATTERNS_FILE)

    @property
    def scenarios(self) -> list[str]:
        return list(dict.fromkeys(s for p in self.patterns for s in p.scenarios))

    def __getitem__(self, pattern_id: str) -> Pattern:
        return next(p for p in self.patterns if p.id == pattern_id)


def load(path: str | Path | None = None) -> Patterns:
    """The patterns of ``path`` (default: the shipped ``configs/validation/patterns.yaml``),
    checked: a bad entry is a ConfigError naming its key."""
    if path is None:
        text = resources.files("bordersim.configs").joinpath(PATTERNS_FILE).read_text()
        where = PATTERNS_FILE
    else:
        text, where = Path(path).read_text(), str(path)
    data = yaml.safe_load(text)
    for key in ("required_pass_rate", "min_seeds", "days_per_month", "patterns"):
        if key not in data:
            raise ConfigError(f"{where}: {key}", "is missing", "see configs/validation/patterns.yaml")
    patterns = [_pattern(pid, spec, f"{where}: patterns.{pid}") for pid, spec in data["patterns"].items()]
    return Patterns(
        patterns,
        float(data["required_pass_rate"]),
        int(data["min_seeds"]),
        int(data["days_per_month"]),
        where,
    )


def _pattern(pid: str, spec: dict[str, Any], key: str) -> Pattern:
    knockout = spec.get("knockout") or {}
    if not knockout.get("overrides"):
        raise ConfigError(
            f"{key}.knockout", "needs overrides removing the mechanism", "{description, overrides}"
        )
    criteria = [_criterion(c, f"{key}.criteria[{k}]") for k, c in enumerate(spec.get("criteria") or [])]
    if not criteria:
        raise ConfigError(f"{key}.criteria", "a pattern needs at least one criterion", "a list of criteria")
    names = [c.name for c in criteria]
    breaks = knockout.get("breaks") or []
    if not breaks or set(breaks) - set(names):
        raise ConfigError(
            f"{key}.knockout.breaks", f"{breaks!r} must name criteria of the pattern", "; ".join(names)
        )
    return Pattern(pid, spec["claim"], spec["mechanism"], knockout, criteria)


def _criterion(spec: dict[str, Any], key: str) -> Criterion:
    outcome = dict(spec.get("outcome") or {})
    fn = outcome.get("fn")
    if fn not in OUTCOMES:
        raise ConfigError(f"{key}.outcome.fn", f"unknown outcome {fn!r}", ", ".join(OUTCOMES))
    accepted = set(inspect.signature(OUTCOMES[fn]).parameters) - {"runs"}
    if unknown := sorted(set(outcome) - accepted - {"fn"}):
        raise ConfigError(f"{key}.outcome.{unknown[0]}", "unknown argument", ", ".join(sorted(accepted)))
    lo, hi = (float(b) for b in spec["band"])
    if not lo <= hi:
        raise ConfigError(f"{key}.band", f"[{lo}, {hi}] is empty", "[low, high] with low <= high")
    return Criterion(spec["name"], outcome, (lo, hi), spec["unit"], spec["source"], spec.get("naive"))


# -- evaluation --------------------------------------------------------------------------------
def seed_runs(daily: pd.DataFrame, scenarios: list[str], days_per_month: int) -> dict[int, SeedRuns]:
    """The runs of every seed that has all ``scenarios``, from a stacked daily frame."""
    by: dict[str, dict[int, pd.DataFrame]] = {
        str(s): {int(str(seed)): run for seed, run in g.groupby("seed")}
        for s, g in daily.groupby("scenario")
        if s in scenarios
    }
    if len(by) < len(scenarios):
        return {}
    seeds: set[int] = reduce(set.intersection, (set(v) for v in by.values()))
    return {seed: SeedRuns({s: by[s][seed] for s in scenarios}, days_per_month) for seed in sorted(seeds)}


def naive_value(c: Criterion, config: Mapping[str, Any] | None) -> float:
    """The naive reference of a criterion: a ``value``, or the ``product`` of numbers and
    dotted keys of the runs' resolved config, divided by the product of those ``over`` it
    (NaN when a key is not there)."""
    assert c.naive is not None
    if "product" not in c.naive:
        return float(c.naive["value"])
    top = math.prod(_lookup(config or {}, item) for item in c.naive["product"])
    return top / math.prod(_lookup(config or {}, item) for item in c.naive.get("over", []))


def _lookup(config: Mapping[str, Any], item: Any) -> float:
    if isinstance(item, int | float):
        return float(item)
    node: Any = config
    for part in str(item).split("."):
        node = node.get(part, math.nan) if isinstance(node, Mapping) else math.nan
    return float(node)


@dataclass
class Validation:
    """What :func:`evaluate` found: a row per criterion and seed, and a row per criterion."""

    values: pd.DataFrame  # pattern, criterion, seed, value, inside, error
    table: pd.DataFrame  # pattern, criterion, band, n_seeds, median, p05, p95, pass_rate, error, naive...
    patterns: Patterns

    def holds(self, pattern_id: str) -> bool:
        rows = self.table[self.table["pattern"] == pattern_id]
        return bool(len(rows)) and bool(rows["holds"].all())

    @property
    def verdicts(self) -> dict[str, str]:
        """Per pattern: holds, fails or not evaluated (its scenarios were not run)."""
        out = {}
        for p in self.patterns.patterns:
            rows = self.table[self.table["pattern"] == p.id]
            if not len(rows) or rows["n_seeds"].eq(0).all():
                out[p.id] = "not evaluated"
            else:
                out[p.id] = "holds" if rows["holds"].all() else "fails"
        return out


def evaluate(daily: pd.DataFrame, patterns: Patterns, config: Mapping[str, Any] | None = None) -> Validation:
    """Judge every criterion on the seeds that have all the runs it reads (``config``: one
    run's resolved config, for the naive references)."""
    rows, table = [], []
    for p in patterns.patterns:
        for c in p.criteria:
            runs = seed_runs(daily, c.scenarios, patterns.days_per_month)
            values = pd.Series({seed: c.value(r) for seed, r in runs.items()}, dtype=float)
            lo, hi = c.band
            inside = values.between(lo, hi)
            errors = values.map(c.error)
            rows += [
                {
                    "pattern": p.id,
                    "criterion": c.name,
                    "seed": seed,
                    "value": v,
                    "inside": bool(ok),
                    "error": e,
                }
                for seed, v, ok, e in zip(values.index, values, inside, errors, strict=True)
            ]
            table.append(_summary_row(p, c, values, inside, errors, patterns, config))
    return Validation(pd.DataFrame(rows), pd.DataFrame(table), patterns)


def _summary_row(
    p: Pattern,
    c: Criterion,
    values: pd.Series,
    inside: pd.Series,
    errors: pd.Series,
    patterns: Patterns,
    config: Mapping[str, Any] | None,
) -> dict[str, Any]:
    n = int(values.notna().sum())
    pass_rate = float(inside.mean()) if len(values) else math.nan
    seen = values.dropna().to_numpy()
    low, high = bootstrap_mean(seen, np.random.default_rng(0)) if n else (math.nan, math.nan)
    naive = naive_value(c, config) if c.naive else math.nan
    return {
        "pattern": p.id,
        "criterion": c.name,
        "scenarios": "+".join(c.scenarios),
        "low": c.band[0],
        "high": c.band[1],
        "unit": c.unit,
        "n_seeds": n,
        "median": float(values.median()) if n else math.nan,
        "p05": float(values.quantile(0.05)) if n else math.nan,
        "p95": float(values.quantile(0.95)) if n else math.nan,
        "mean": float(seen.mean()) if n else math.nan,
        "mean_low": float(low),
        "mean_high": float(high),
        "pass_rate": pass_rate,
        "error": float(errors.mean()) if n else math.nan,
        "naive": naive,
        "naive_label": (c.naive or {}).get("label", ""),
        "naive_inside": bool(c.band[0] <= naive <= c.band[1]) if c.naive else None,
        "holds": bool(n) and pass_rate >= patterns.required_pass_rate,
        "source": c.source,
    }

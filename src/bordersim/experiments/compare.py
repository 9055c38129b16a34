"""The comparison table of a sweep: outcome distributions per condition and differences.

A condition is a scenario with the values of the swept parameters. For each condition and
outcome the long table gives n, mean, median, the 5-95 % interval, the difference of means
from the reference condition with a seeded bootstrap 95 % interval, and simple probabilities:
``p_above_reference`` (chance a run of the condition ends above a run of the reference, ties
counted half), ``p_above_same_seed`` (share of seeds whose run ends above the reference's run of
the same seed, ties counted half), ``p_end_above_start`` (for stocks: chance the stock ends above
its start) and ``p_is_stronger_at_end`` (chance IS ends the run with more members than it began
with).

When the condition and its reference were run with the same seeds (one run each), the runs are
paired: the interval resamples seeds and their differences, which share the draws of every
process the scenario leaves alone (the model's common random numbers, ``bordersim.streams``).
Otherwise (``paired`` false) it resamples each side's runs on their own.
The reference is the baseline scenario at the same swept values (or the first baseline
condition) when baseline is compared with other scenarios, and otherwise the first condition
of the grid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bordersim.experiments.store import atomic

BASELINE = "baseline"
N_BOOTSTRAP = 2000
#: Outcomes shown in comparison.md (the CSV and Parquet hold every outcome).
MAIN_OUTCOMES = {
    "is_members_end": "IS members at the end",
    "is_attacks_total": "IS attacks",
    "is_infiltrations_total": "IS infiltrations",
    "militia_fighters_end": "militia fighters at the end",
    "militia_revenue_total": "militia revenue (USD)",
    "convoys_completed_total": "IRGC convoys completed",
    "strikes_total": "strike waves",
    "strike_casualties_total": "killed by strikes",
    "civilian_harm_total": "civilians harmed",
    "escalation_peak": "peak escalation",
    "smuggling_trips_total": "smuggling runs",
    "legal_trade_trucks_total": "legal trade (trucks)",
    "displaced_share_end": "displaced share at the end",
    "state_control_share_mean": "state control of the border strip (mean)",
}
HEAD_DIFF = ["diff [95 % CI]", "P(> ref)", "P(> same seed)", "P(end > start)"]
STATS = ["n", "mean", "median", "q05", "q95", "diff_mean", "diff_ci_low", "diff_ci_high", "paired"]
PROBABILITIES = ["p_above_reference", "p_above_same_seed", "p_end_above_start", "p_is_stronger_at_end"]


def outcome_columns(runs: pd.DataFrame, keys: list[str]) -> list[str]:
    """Numeric and true/false outcome columns of the run table (not the ids, not run length)."""
    skip = {*keys, "run_id", "seed", "status", "error", "run_dir", "days"}
    return [c for c in runs.columns if c not in skip and _is_outcome(runs[c])]


def _is_outcome(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)


def comparison(runs: pd.DataFrame, swept: list[str], seed: int = 0) -> pd.DataFrame:
    """The long comparison table of the ok runs of a run table (one row per condition and outcome)."""
    keys = ["scenario", *swept]
    ok = runs[runs["status"] == "ok"]
    outcomes = outcome_columns(ok, keys)
    groups = {k: g for k, g in ok.groupby(keys, dropna=False, sort=True)} if len(ok) else {}
    conditions = sorted(groups, key=lambda k: _as_tuple(k)[0] != BASELINE)
    rows = []
    for number, key in enumerate(conditions):
        ref_key = reference(key, conditions)
        rng = np.random.default_rng([seed, number])
        table = describe(groups[key], groups[ref_key], outcomes, key == ref_key, rng)
        for position, (k, v) in enumerate(zip(keys, _as_tuple(key), strict=True)):
            table.insert(position, k, v)
        rows.append(table)
    columns = [*keys, "outcome", *STATS, *PROBABILITIES]
    return pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)


def _as_tuple(key: object) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def reference(key: tuple, conditions: list[tuple]) -> tuple:
    """With several scenarios, one of them baseline: the baseline at the same swept values, else
    the first baseline condition. Otherwise the first condition of the grid."""
    key = _as_tuple(key)
    baselines = [c for c in conditions if _as_tuple(c)[0] == BASELINE]
    if not baselines or len({_as_tuple(c)[0] for c in conditions}) == 1:
        return conditions[0]
    same = [c for c in baselines if _same(_as_tuple(c)[1:], key[1:])]
    return (same or baselines)[0]


def _same(a: tuple, b: tuple) -> bool:
    return all(x == y or (pd.isna(x) and pd.isna(y)) for x, y in zip(a, b, strict=True))


def describe(
    group: pd.DataFrame, ref: pd.DataFrame, outcomes: list[str], is_reference: bool, rng: np.random.Generator
) -> pd.DataFrame:
    """Statistics of every outcome of one condition, and its differences from the reference."""
    pairs = same_seeds(group, ref)
    if pairs is not None:
        group, ref = pairs
    x = group[outcomes].astype(float).to_numpy()
    y = ref[outcomes].astype(float).to_numpy()
    table = pd.DataFrame({"outcome": outcomes, "n": len(x)})
    table["mean"] = x.mean(axis=0)
    table["median"] = np.median(x, axis=0)
    table["q05"], table["q95"] = np.percentile(x, [5, 95], axis=0)
    table["diff_mean"] = table["mean"] - y.mean(axis=0)
    nothing = np.full(len(outcomes), np.nan)
    if is_reference:
        low, high = nothing, nothing
    else:
        low, high = bootstrap_mean(x - y, rng) if pairs else bootstrap_diff(x, y, rng)
    table["diff_ci_low"], table["diff_ci_high"] = low, high
    table["paired"] = pairs is not None and not is_reference
    above = [superiority(x[:, k], y[:, k]) for k in range(len(outcomes))]
    table["p_above_reference"] = np.nan if is_reference else above
    paired_above = (x > y).mean(axis=0) + 0.5 * (x == y).mean(axis=0) if pairs else nothing
    table["p_above_same_seed"] = nothing if is_reference else paired_above
    table["p_end_above_start"] = [_p_end_above_start(group, o) for o in outcomes]
    table["p_is_stronger_at_end"] = _p_stronger(group)
    return table


def bootstrap_diff(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Percentile 95 % interval of mean(x) - mean(y), resampling the runs of each side."""
    wx = rng.multinomial(len(x), np.full(len(x), 1 / len(x)), size=N_BOOTSTRAP) / len(x)
    wy = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=N_BOOTSTRAP) / len(y)
    diffs = wx @ x - wy @ y
    return np.percentile(diffs, 2.5, axis=0), np.percentile(diffs, 97.5, axis=0)


def same_seeds(group: pd.DataFrame, ref: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Both sides in seed order when they ran the same seeds once each; None otherwise."""
    if "seed" not in group or "seed" not in ref:
        return None
    a, b = group["seed"], ref["seed"]
    if a.duplicated().any() or b.duplicated().any() or set(a) != set(b):
        return None
    return group.sort_values("seed"), ref.sort_values("seed")


def bootstrap_mean(values: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Percentile 95 % interval of the mean of per-seed values (rows: seeds; a scenario's paired
    differences from its reference, or a criterion's values), resampling seeds."""
    n = len(values)
    w = rng.multinomial(n, np.full(n, 1 / n), size=N_BOOTSTRAP) / n
    means = w @ values
    return np.percentile(means, 2.5, axis=0), np.percentile(means, 97.5, axis=0)


def superiority(x: np.ndarray, y: np.ndarray) -> float:
    """P(X > Y) + P(X = Y) / 2 for a random run X of a condition and Y of the reference."""
    return float((x[:, None] > y[None, :]).mean() + 0.5 * (x[:, None] == y[None, :]).mean())


def _p_end_above_start(group: pd.DataFrame, outcome: str) -> float:
    stock = outcome.removesuffix("_end")
    if stock == outcome or f"{stock}_start" not in group:
        return np.nan
    return float((group[outcome] > group[f"{stock}_start"]).mean())


def _p_stronger(group: pd.DataFrame) -> float:
    if "is_stronger_at_end" not in group:
        return np.nan
    return float(group["is_stronger_at_end"].astype(float).mean())


def write_comparison(root: Path, table: pd.DataFrame, swept: list[str]) -> Path:
    """Write comparison.csv, comparison.parquet and comparison.md into ``root``; return the .md."""
    atomic(root / "comparison.csv", lambda p: table.to_csv(p, index=False))
    atomic(root / "comparison.parquet", lambda p: table.to_parquet(p, index=False))
    text = markdown(table, swept)
    return atomic(root / "comparison.md", lambda p: p.write_text(text))


def markdown(table: pd.DataFrame, swept: list[str]) -> str:
    """The main outcomes as one readable Markdown table each."""
    lines = [
        "# Comparison of conditions",
        "",
        "Mean, median and 5-95 % interval over seeds; difference of means from the reference (the "
        "baseline at the same swept values, or the first condition of a grid; marked 'reference') with a "
        "bootstrap 95 % interval, paired by seed where both ran the same seeds (marked 'paired'); "
        "P(> ref): chance a run ends above a run of the reference; P(> same seed): share of seeds whose "
        "run ends above the reference's run of that seed; P(end > start): chance the stock ends above "
        "its start.",
    ]
    for outcome, label in MAIN_OUTCOMES.items():
        rows = table[table["outcome"] == outcome]
        if rows.empty:
            continue
        head = ["scenario", *swept, "n", "mean", "median", "5-95 %", *HEAD_DIFF]
        lines += ["", f"## {label} (`{outcome}`)", "", _row(head), _row(["---"] * len(head))]
        lines += [_row(_cells(r, swept)) for _, r in rows.iterrows()]
    return "\n".join(lines) + "\n"


def _cells(r: pd.Series, swept: list[str]) -> list[str]:
    diff = "reference" if pd.isna(r["diff_ci_low"]) else (
        f"{_num(r['diff_mean'])} [{_num(r['diff_ci_low'])}, {_num(r['diff_ci_high'])}]"
        + (" paired" if r["paired"] else "")
    )  # fmt: skip
    return [
        str(r["scenario"]), *[_value(r[k]) for k in swept], str(int(r["n"])), _num(r["mean"]),
        _num(r["median"]), f"{_num(r['q05'])} - {_num(r['q95'])}", diff,
        _share(r["p_above_reference"]), _share(r["p_above_same_seed"]), _share(r["p_end_above_start"]),
    ]  # fmt: skip


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _num(v: float) -> str:
    if pd.isna(v):
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"


def _share(v: float) -> str:
    return "-" if pd.isna(v) else f"{v:.0%}"


def _value(v: object) -> str:
    if isinstance(v, float):
        return "-" if np.isnan(v) else f"{v:g}"
    return "-" if v is None else str(v)

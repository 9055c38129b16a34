"""Figures and report of a sweep (bordersim.report), on small synthetic sweeps that follow the
experiment pipeline's data contract: the figures are written, the numbers drawn equal the data,
the report lists every figure and the table, and a partial sweep says what is missing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from bordersim.metrics import DAILY_METRICS
from bordersim.report import cli, figures, maps
from bordersim.report.report import FIGURES, build_report
from bordersim.report.style import OUTCOMES
from bordersim.report.sweep import load_sweep
from bordersim.world.geography import rasterise

GEOGRAPHY = yaml.safe_load((Path(__file__).parents[1] / "configs/geography/qaim_bukamal.yaml").read_text())
CELL_KM = 2.0
DAYS = 20
START = pd.Timestamp("2019-06-01")
STRIKE = "scenario.strike.rate_per_week"
DRAWDOWN = "scenario.militia_drawdown.fraction"
EVENTS = {"reopening": [{"day": 5, "scenario": "reopening", "do": "open_crossing"}]}


def make_run(root: Path, run_id: str, scenario: str, seed: int, params: dict, rng: np.random.Generator):
    """One run directory (summary.json, maps.npz) and its rows for the collected tables."""
    shape = rasterise(GEOGRAPHY, CELL_KM).shape
    run_dir = root / "runs" / run_id
    run_dir.mkdir(parents=True)
    config = {
        "geography": GEOGRAPHY,
        "cell_km": CELL_KM,
        "seed": seed,
        "days": DAYS,
        "scenario": {scenario: {}},
    }
    summary = {
        "seed": seed,
        "scenario": [scenario],
        "start_date": str(START.date()),
        "bordersim_version": "0.1.0",
        "outcomes": {},
        "events_fired": EVENTS.get(scenario, []),
        "config": config,
    }
    (run_dir / "summary.json").write_text(json.dumps(summary))
    np.savez_compressed(
        run_dir / "maps.npz",
        control=rng.integers(0, 9, shape).astype(np.int8),
        is_activity=rng.random(shape),
        residents=rng.random(shape),
        grievance=rng.random(shape),
        route_trips=rng.integers(0, 100, len(GEOGRAPHY["routes"])).astype(float),
        route_names=np.array([r["name"] for r in GEOGRAPHY["routes"]]),
        route_kinds=np.array([r["kind"] for r in GEOGRAPHY["routes"]]),
    )
    keys = {"run_id": run_id, "scenario": scenario, **params, "seed": seed}
    outcomes = {name: float(rng.integers(0, 1000)) for name in OUTCOMES} | {"is_members_start": 300.0}
    row = keys | {"status": "ok", "error": None, "run_dir": f"runs/{run_id}"} | outcomes
    daily = pd.DataFrame({name: rng.integers(0, 50, DAYS).astype(float) for name in DAILY_METRICS})
    daily = daily.assign(day=np.arange(DAYS), date=START + pd.to_timedelta(np.arange(DAYS), "D"), **keys)
    n = int(rng.integers(1, 5))
    strikes = pd.DataFrame(
        {
            **keys,
            "day": rng.integers(0, DAYS, n),
            "actor": "us",
            "target": "base",
            "unit": "KH",
            "lat": rng.uniform(34.2, 34.6, n),
            "lon": rng.uniform(40.85, 41.25, n),
            "killed": rng.integers(0, 10, n),
            "civilians_harmed": rng.integers(0, 3, n),
        }
    )
    return row, daily, strikes.drop(columns=list(params))


def make_sweep(root: Path, runs: list[tuple[str, int, dict]], experiment: str) -> Path:
    """A sweep directory: run dirs, collected tables, comparison.md and sweep.json."""
    rng = np.random.default_rng(7)
    made = [make_run(root, f"r{k:03d}", s, seed, p, rng) for k, (s, seed, p) in enumerate(runs)]
    (root / "collected").mkdir(parents=True)
    pd.DataFrame([m[0] for m in made]).to_parquet(root / "collected/runs.parquet")
    pd.concat([m[1] for m in made]).to_parquet(root / "collected/daily.parquet")
    pd.concat([m[2] for m in made]).to_parquet(root / "collected/strikes.parquet")
    table = "| scenario | outcome | median |\n|---|---|---|\n| strike | is_members_end | 1 |\n"
    (root / "comparison.md").write_text("# Comparison of conditions\n\n" + table)
    meta = {"experiment": experiment, "overrides": [f"days={DAYS}"], "n_runs_expected": len(runs)}
    (root / "sweep.json").write_text(json.dumps(meta | {"bordersim_version": "0.1.0"}))
    return root


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    """Three scenarios x three seeds, report written once: (sweep, report path, figures by name)."""
    runs = [(s, seed, {}) for s in ("baseline", "reopening", "strike") for seed in range(3)]
    sweep = load_sweep(make_sweep(tmp_path_factory.mktemp("scen"), runs, "scenarios"))
    path, drawn = build_report(sweep, sweep.root / "report")
    return sweep, path, {d.path.stem: d for d in drawn}


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """A 3 x 2 grid of strike rate x drawdown fraction, two seeds each."""
    runs = [
        ("strike", s, {STRIKE: a, DRAWDOWN: f}) for a in (0.0, 1.0, 3.0) for f in (0.0, 0.5) for s in range(2)
    ]
    return load_sweep(make_sweep(tmp_path_factory.mktemp("grid"), runs, "dilemma"))


def lines(ax, prefix: str) -> dict[str, np.ndarray]:
    return {
        ln.get_gid().split(":", 1)[1]: ln.get_ydata()
        for ln in ax.get_lines()
        if (ln.get_gid() or "").startswith(prefix)
    }


@pytest.mark.slow
def test_every_scenario_figure_is_written_as_png_and_svg(scenarios):
    _, _, drawn = scenarios
    expected = {
        "outcome_distributions",
        "outcome_ecdfs",
        "time_series",
        "map_zone",
        "map_control",
        "map_is_activity",
        "map_smuggling",
        "map_strikes",
    }
    assert set(drawn) == expected
    for d in drawn.values():
        assert d.path.is_file() and d.path.with_suffix(".svg").is_file()
        assert d.caption.startswith("Experiment scenarios, 3 seeds per condition, config: days=20")
        assert any(t.get_text() == d.caption for t in d.fig.texts)


@pytest.mark.slow
def test_distribution_medians_and_runs_equal_the_data(scenarios):
    sweep, _, drawn = scenarios
    titles = {label: col for col, (label, _) in OUTCOMES.items()}
    axes = [ax for ax in drawn["outcome_distributions"].fig.axes if ax.get_title() in titles]
    assert len(axes) == len(OUTCOMES)
    for ax in axes:
        data = sweep.ok.groupby("scenario")[titles[ax.get_title()]]
        medians = lines(ax, "median:")
        assert medians.keys() == {"baseline", "reopening", "strike"}
        for cond, y in medians.items():
            assert y[0] == pytest.approx(data.median()[cond])
        dots = {
            c.get_gid().split(":")[1]: np.sort(c.get_offsets()[:, 1]) for c in ax.collections if c.get_gid()
        }
        for cond, y in dots.items():
            assert np.allclose(y, np.sort(data.get_group(cond).to_numpy()))


@pytest.mark.slow
def test_ecdfs_step_through_every_run(scenarios):
    sweep, _, drawn = scenarios
    ax = next(a for a in drawn["outcome_ecdfs"].fig.axes if a.get_title() == OUTCOMES["is_members_end"][0])
    for ln in ax.get_lines():
        cond = ln.get_gid().split(":")[1]
        values = np.sort(sweep.ok.loc[sweep.ok["scenario"] == cond, "is_members_end"])
        assert np.allclose(ln.get_xdata()[1:], values)
        assert np.allclose(ln.get_ydata(), np.arange(len(values) + 1) / len(values))


@pytest.mark.slow
def test_time_series_medians_equal_the_data_and_events_are_marked(scenarios):
    sweep, _, drawn = scenarios
    axes = {ax.get_title(): ax for ax in drawn["time_series"].fig.axes}
    daily = sweep.daily.sort_values(["run_id", "day"])
    stock = daily.groupby(["scenario", "day"])["is_members"].median()
    cumulative = (
        daily.assign(c=daily.groupby("run_id")["is_attacks"].cumsum())
        .groupby(["scenario", "day"])["c"]
        .median()
    )
    for cond in ("baseline", "reopening", "strike"):
        assert np.allclose(lines(axes["IS members"], "median:")[cond], stock[cond].to_numpy())
        assert np.allclose(
            lines(axes["IS attacks (cumulative)"], "median:")[cond], cumulative[cond].to_numpy()
        )
    reopening = pd.Timestamp("2019-06-06")
    marked = [ln for ln in axes["IS members"].get_lines() if ln.get_linestyle() == ":"]
    assert [pd.Timestamp(np.atleast_1d(ln.get_xdata())[0]) for ln in marked] == [reopening]


@pytest.mark.slow
def test_dilemma_draws_the_medians_over_intensity(grid, tmp_path):
    drawn = figures.dilemma(grid, tmp_path)
    assert drawn.path.is_file()
    ax = next(a for a in drawn.fig.axes if a.get_title().startswith("IS members at end"))
    medians = grid.ok.groupby([DRAWDOWN, STRIKE])["is_members_end"].median()
    for fraction, y in lines(ax, "median:").items():
        assert np.allclose(y, medians[float(fraction)].to_numpy())
    assert ax.get_xlabel() == "strike.rate_per_week"


@pytest.mark.slow
def test_heatmap_cells_are_the_medians_of_the_grid(grid, tmp_path):
    drawn = figures.dilemma_heatmap(grid, tmp_path)
    image = next(
        im for ax in drawn.fig.axes for im in ax.get_images() if im.get_gid() == "heatmap:escalation_peak"
    )
    expected = grid.ok.groupby([DRAWDOWN, STRIKE])["escalation_peak"].median().unstack().to_numpy()
    assert np.allclose(image.get_array(), expected)


@pytest.mark.slow
def test_dilemma_over_a_parameter_and_scenarios(tmp_path):
    """The dilemma preset's layout: one swept fraction, the scenario as the second axis."""
    names = ("militia_drawdown", "militia_drawdown+us_withdrawal")
    runs = [(s, seed, {DRAWDOWN: f}) for s in names for f in (0.0, 0.5, 1.0) for seed in range(2)]
    sweep = load_sweep(make_sweep(tmp_path / "sweep", runs, "dilemma"))
    drawn = figures.dilemma_heatmap(sweep, tmp_path)
    image = next(
        im for ax in drawn.fig.axes for im in ax.get_images() if im.get_gid() == "heatmap:is_members_end"
    )
    expected = sweep.ok.groupby(["scenario", DRAWDOWN])["is_members_end"].median().unstack().to_numpy()
    assert np.allclose(image.get_array(), expected)
    assert [t.get_text() for t in drawn.fig.axes[0].get_yticklabels()] == list(names)


@pytest.mark.slow
def test_dilemma_needs_swept_parameters(scenarios, tmp_path):
    sweep, path, _ = scenarios
    with pytest.raises(figures.NothingToDrawError):
        figures.dilemma(sweep, tmp_path)
    assert "dilemma: not drawn (needs a swept parameter; this sweep has none)" in path.read_text()


@pytest.mark.slow
def test_maps_show_the_runs_of_each_condition(scenarios):
    sweep, _, drawn = scenarios
    ax = next(a for a in drawn["map_control"].fig.axes if a.get_title().startswith("strike"))
    image = next(im for im in ax.get_images() if im.get_gid() == "control:strike")
    runs = [
        np.load(sweep.root / d / "maps.npz")["control"]
        for d in sweep.ok.loc[sweep.ok["scenario"] == "strike", "run_dir"]
    ]
    assert np.array_equal(
        image.get_array().filled(99).T, np.where(maps.modal_control(runs) >= 8, 99, maps.modal_control(runs))
    )
    strike_ax = next(a for a in drawn["map_strikes"].fig.axes if a.get_title().startswith("strike"))
    points = next(c for c in strike_ax.collections if c.get_gid() == "strikes:strike").get_offsets()
    expected = sweep.strikes[sweep.strikes["scenario"] == "strike"]
    assert np.allclose(np.sort(points[:, 0]), np.sort(expected["lon"]))


@pytest.mark.slow
def test_report_lists_every_figure_and_the_table(scenarios):
    _, path, drawn = scenarios
    text = path.read_text()
    for number, d in enumerate(drawn.values(), start=1):
        assert f"![{d.title}](figures/{d.path.name})" in text
        assert f"*Figure {number}.* {d.caption}" in text
    assert "| strike | is_members_end | 1 |" in text
    assert "\n### Comparison of conditions\n" in text
    assert "days: 20" in text and "bordersim 0.1.0" in text
    assert len(FIGURES) == len(drawn) + 2  # the two dilemma figures need swept parameters


@pytest.mark.slow
def test_partial_sweep_says_what_is_missing(tmp_path):
    runs = [(s, seed, {}) for s in ("baseline", "strike") for seed in range(2)]
    root = make_sweep(tmp_path / "sweep", runs, "partial")
    table = pd.read_parquet(root / "collected/runs.parquet")
    table.loc[3, ["status", "error"]] = ["failed", "ConfigError: days: bad value"]
    table.to_parquet(root / "collected/runs.parquet")
    for name in (
        "comparison.md",
        "collected/daily.parquet",
        "collected/strikes.parquet",
        "runs/r000/summary.json",
    ):
        (root / name).unlink()
    for run_dir in (root / "runs").iterdir():
        (run_dir / "maps.npz").unlink()
    (root / "sweep.json").write_text(json.dumps({"experiment": "partial", "n_runs_expected": 6}))
    path, drawn = build_report(load_sweep(root), tmp_path / "out")
    text = path.read_text()
    assert "run r003 (strike, seed 1) failed: ConfigError: days: bad value" in text
    assert "2 of 6 expected runs are absent" in text
    assert "1 finished runs have no summary.json" in text
    assert "comparison.md is missing" in text
    assert "collected/daily.parquet is missing" in text
    assert (
        "time series: not drawn" in text
        and "control maps: not drawn (no run directory holds a maps.npz)" in text
    )
    assert "1-2 seeds per condition" in text
    assert "no finished runs for scenario" not in text
    assert {d.path.stem for d in drawn} == {"outcome_distributions", "outcome_ecdfs", "map_zone"}


@pytest.mark.slow
def test_cli_writes_the_report_and_rejects_a_bad_directory(scenarios, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([str(tmp_path / "nowhere")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit):
        cli.main([str(tmp_path / "empty")])
    assert "collected/runs.parquet" in capsys.readouterr().err

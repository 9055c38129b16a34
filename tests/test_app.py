"""The interactive page's parts, in process: the controls build the model they describe, the view
exposes every family and cell layer, the map and charts draw the model as it stands, and the
Solara components react to the overlay choice and to steps."""

from __future__ import annotations

import re
from datetime import date

import ipyvuetify as v
import ipywidgets as w
import numpy as np
import pytest
import solara
from mesa.visualization import Slider
from mesa.visualization.utils import force_update

from bordersim import compose_config, resolve
from bordersim.app import controls, figures, page, view
from bordersim.app.controls import AppModel
from bordersim.errors import ConfigError

DAYS = 5


@pytest.fixture(scope="module")
def stepped() -> AppModel:
    """The page's default model after a few days."""
    model = AppModel(scenario=page.DEFAULT_SCENARIO)
    for _ in range(DAYS):
        model.step()
    return model


@pytest.fixture
def fresh_overlay():
    """The overlay choice starts at its default and is put back afterwards."""
    page.overlay.set(page.DEFAULT_OVERLAY)
    yield page.overlay
    page.overlay.set(page.DEFAULT_OVERLAY)


# -- controls ----------------------------------------------------------------------------
def test_overrides_set_the_parameters_of_the_chosen_scenarios_only():
    out = controls.overrides(
        "strike + reopening", 3, strike_rate=2.5, reopening_date="2019-10-15", drawdown_fraction=0.2
    )
    assert out == [
        "seed=3",
        "scenario=[strike,reopening]",
        "scenario.strike.rate_per_week=2.5",
        "scenario.reopening.date='2019-10-15'",
    ]
    cfg = resolve(compose_config(out)).data
    assert cfg["seed"] == 3
    assert cfg["scenario"]["strike"]["rate_per_week"] == 2.5
    assert cfg["scenario"]["reopening"]["date"] == "2019-10-15"
    assert "militia_drawdown" not in cfg["scenario"]


def test_a_parameter_left_unset_keeps_the_shipped_default():
    cfg = resolve(compose_config(controls.overrides("strike", "7", strike_rate=None))).data
    assert cfg["seed"] == 7
    assert cfg["scenario"]["strike"]["rate_per_week"] == controls.defaults()["strike_rate"]


@pytest.mark.parametrize(
    ("scenario", "seed", "params", "key"),
    [
        ("reopening", 0, {"reopening_date": "30/09/2019"}, "reopening_date"),
        ("baseline", "seven", {}, "seed"),
        ("baseline", -1, {}, "seed"),
        ("invasion", 0, {}, "scenario"),
        ("baseline", 0, {"curfew": 1}, "curfew"),
    ],
)
def test_a_bad_control_is_named_in_the_error(scenario, seed, params, key):
    with pytest.raises(ConfigError) as err:
        controls.overrides(scenario, seed, **params)
    assert err.value.key == key


def test_every_scenario_choice_builds_a_model():
    for choice in controls.SCENARIOS:
        assert AppModel(scenario=choice).scenario_choice == choice


def test_the_reopening_date_control_opens_the_crossing_on_that_date():
    model = AppModel(scenario="reopening", reopening_date="2019-06-04")
    for _ in range(6):
        model.step()
    daily = view.daily(model).set_index("date")["crossing_open"]
    assert daily[:"2019-06-03"].eq(0).all()
    assert daily["2019-06-04":].eq(1).all()


def test_the_strike_rate_control_sets_how_often_sites_are_struck():
    def sites_struck(rate: float) -> float:
        model = AppModel(scenario="strike", seed=1, strike_rate=rate, strike_effectiveness=0.5)
        for _ in range(120):
            model.step()
        return float(view.daily(model)["strikes"].sum())

    assert sites_struck(7.0) > sites_struck(0.0)


def test_the_model_stops_running_after_the_configured_days():
    model = AppModel()
    days = view.run_length(model)
    for _ in range(days - 1):
        model.step()
    assert model.running
    model.step()
    assert not model.running
    assert len(view.daily(model)) == days


def test_the_page_controls_start_at_the_shipped_defaults_and_rebuild_the_model():
    params = page.model_params()
    values = {name: p.value if isinstance(p, Slider) else p["value"] for name, p in params.items()}
    defaults = controls.defaults()
    assert values["strike_rate"] == defaults["strike_rate"]
    assert values["reopening_date"] == str(defaults["reopening_date"])
    assert set(values) == {"scenario", "seed", *controls.PARAMETERS}
    model = AppModel(**values)  # what SolaraViz's Reset does with the controls
    assert model.scenario_choice == page.DEFAULT_SCENARIO


# -- view ----------------------------------------------------------------------------------
def test_the_view_shows_every_family_at_grid_cells_with_its_strength(stepped):
    shape = view.geography(stepped).shape
    units = view.units(stepped)
    assert set(units) == set(view.FAMILIES)
    for family, u in units.items():
        assert u.i.size > 0, family
        assert ((u.i >= 0) & (u.i < shape[0]) & (u.j >= 0) & (u.j < shape[1])).all(), family
        assert (u.strength >= 0).all() and u.strength.sum() > 0, family


def test_every_overlay_is_a_layer_of_the_grid(stepped):
    shape = view.geography(stepped).shape
    for name in view.OVERLAYS:
        assert view.overlay(stepped, name).shape == shape, name
    control = view.overlay(stepped, "control")
    assert set(np.unique(control)) <= set(view.CONTROL_CODES)
    grievance = view.overlay(stepped, "grievance")
    assert np.isnan(grievance).any() and (np.nan_to_num(grievance) <= 1.0).all()
    with pytest.raises(KeyError, match="one of control"):
        view.overlay(stepped, "rainfall")


# -- figures -------------------------------------------------------------------------------
def test_the_map_draws_each_overlay_differently(stepped):
    images = {name: figures.png(figures.map_figure(stepped, name), dpi=40) for name in view.OVERLAYS}
    assert len(set(images.values())) == len(view.OVERLAYS)
    with pytest.raises(KeyError):
        figures.map_figure(stepped, "rainfall")


def test_map_markers_grow_with_strength(stepped):
    fig = figures.map_figure(stepped, "control")
    ax = fig.axes[0]
    militia = view.units(stepped)["militia_irgc"].strength
    sizes = next(c.get_sizes() for c in ax.collections if len(c.get_sizes()) == militia.size)
    assert np.array_equal(np.argsort(sizes, kind="stable"), np.argsort(militia, kind="stable"))


def test_the_map_changes_as_the_model_steps():
    model = AppModel(scenario=page.DEFAULT_SCENARIO)
    before = figures.png(figures.map_figure(model, "control"), dpi=40)
    for _ in range(DAYS):
        model.step()
    assert figures.png(figures.map_figure(model, "control"), dpi=40) != before


def test_the_charts_have_a_point_per_day_for_every_metric(stepped):
    chart = figures.svg(figures.charts_figure(stepped))
    assert chart.startswith("<svg") and 'width="100%"' in chart
    for series in figures.CHARTS.values():
        for column in series:
            group = re.search(rf'<g id="series-{column}">(.*?)</g>\s*</g>', chart, re.S)
            assert group, column
            assert group.group(1).count("<use ") == DAYS, column


# -- components ------------------------------------------------------------------------------
def test_the_overlay_buttons_switch_the_map_layer(stepped, fresh_overlay):
    _, rc = solara.render(page.MapView(stepped), handle_error=False)
    toggle = rc.find(v.BtnToggle).widget
    labels = [b.children[0] for b in toggle.children]
    assert labels == [label for label, _ in view.OVERLAYS.values()]
    before = bytes(rc.find(w.Image).widget.value)
    toggle.v_model = labels.index("Grievance")
    assert fresh_overlay.value == "grievance"
    assert bytes(rc.find(w.Image).widget.value) != before


def test_the_date_advances_with_each_step():
    model = AppModel()
    _, rc = solara.render(page.DateView(model), handle_error=False)

    def shown() -> str:
        return rc.find(v.Html, class_="bordersim-date").widget.children[0]

    assert shown().startswith(f"{view.start_date(model):%d %B %Y} · day 0 of")
    for _ in range(3):
        model.step()
    force_update()
    assert "day 3 of" in shown()
    assert shown().startswith(f"{view.current_date(model):%d %B %Y}")
    assert view.current_date(model) > date(2019, 6, 1)

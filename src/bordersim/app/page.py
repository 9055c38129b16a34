"""The Solara page: Mesa's SolaraViz with the zone's map, the date and live charts.

Serve it with ``bordersim-app`` or ``solara run bordersim.app.page``. The sidebar holds
Mesa's Reset / run (▶) / Step buttons and the controls (scenario, seed, scenario
parameters); Reset rebuilds the model from them. The main view shows the current date, the
map with a selectable cell layer and the charts of the key daily metrics.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from bordersim.app import controls, figures, view
from bordersim.app.controls import AppModel

DEFAULT_SCENARIO = "strike + reopening"
DEFAULT_OVERLAY = "control"
#: The layer the map overlays (one per browser session).
overlay = solara.reactive(DEFAULT_OVERLAY)


def model_params() -> dict[str, Any]:
    """SolaraViz's controls: scenario choice, seed and each scenario's main parameters
    (initially the shipped defaults); the scenario a parameter belongs to is in its label."""
    d = controls.defaults()
    return {
        "scenario": {"type": "Select", "value": DEFAULT_SCENARIO, "values": list(controls.SCENARIOS),
                     "label": "Scenario"},
        "seed": {"type": "InputText", "value": "0", "label": "Seed"},
        "strike_rate": Slider("Strike waves per week (strike)", d["strike_rate"], 0.0, 7.0, 0.25),
        "strike_effectiveness": Slider(
            "Strike effectiveness (strike)", d["strike_effectiveness"], 0.0, 1.0, 0.05
        ),
        "reopening_date": {"type": "InputText", "value": str(d["reopening_date"]),
                           "label": "Reopening date (reopening)"},
        "reopening_capacity": Slider(
            "Crossing capacity, trucks/day (reopening)", int(d["reopening_capacity"]), 0, 500, 10
        ),
        "withdrawal_date": {"type": "InputText", "value": str(d["withdrawal_date"]),
                            "label": "US withdrawal date (us_withdrawal)"},
        "drawdown_fraction": Slider(
            "Drawdown fraction (militia_drawdown)", d["drawdown_fraction"], 0.0, 1.0, 0.05
        ),
    }  # fmt: skip


@solara.component
def DateView(model: AppModel) -> None:
    """The date of the day last simulated and how far the run has got."""
    update_counter.get()
    day = view.current_date(model)
    solara.Text(
        f"{day:%d %B %Y} · day {view.days_done(model)} of {view.run_length(model)} · {model.scenario_choice}",
        classes=["bordersim-date"],
        style={"font-size": "1.3em", "font-weight": "bold"},
    )


@solara.component
def MapView(model: AppModel) -> None:
    """The map of the zone with the chosen cell layer, redrawn after every step."""
    update_counter.get()
    image = solara.use_memo(
        lambda: figures.png(figures.map_figure(model, overlay.value)), [model, model.steps, overlay.value]
    )
    with solara.Column(classes=["bordersim-map"]):
        DateView(model)
        by_label = {label: name for name, (label, _) in view.OVERLAYS.items()}
        solara.ToggleButtonsSingle(
            value=view.OVERLAYS[overlay.value][0],
            values=list(by_label),
            on_value=lambda label: overlay.set(by_label[label]),
            classes=["bordersim-overlay"],
        )
        solara.Image(image, width="100%")


@solara.component
def ChartsView(model: AppModel) -> None:
    """The key daily metrics so far, as an inline SVG (one ``series-<metric>`` line each)."""
    update_counter.get()
    chart = solara.use_memo(lambda: figures.svg(figures.charts_figure(model)), [model, model.steps])
    solara.HTML(tag="div", unsafe_innerHTML=chart, classes=["bordersim-charts"], style="width: 100%")


model = AppModel(scenario=DEFAULT_SCENARIO)
page = SolaraViz(
    model,
    components=[(MapView, 0), (ChartsView, 0)],
    model_params=model_params(),
    name="bordersim · the Qa'im-Bukamal border zone",
)

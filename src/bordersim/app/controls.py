"""The page's controls turned into a model, through bordersim's public API only.

A control is a scenario choice, a seed or one scenario parameter (strike rate and
effectiveness, reopening date and capacity, withdrawal date, drawdown fraction). Parameters
of scenarios that are not chosen are ignored. Defaults are read from the shipped scenario
configs, so the page starts where a command-line run starts.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from omegaconf import OmegaConf

from bordersim.config import compose_config, resolve
from bordersim.errors import ConfigError
from bordersim.model import BorderModel

#: Scenario choices offered by the page: label -> the scenarios composed.
SCENARIOS: dict[str, tuple[str, ...]] = {
    "baseline": ("baseline",),
    "strike": ("strike",),
    "reopening": ("reopening",),
    "us_withdrawal": ("us_withdrawal",),
    "militia_drawdown": ("militia_drawdown",),
    "strike + reopening": ("strike", "reopening"),
    "strike + us_withdrawal": ("strike", "us_withdrawal"),
    "history_2019_2020": ("history_2019_2020",),
}
#: Scenario parameters the page sets: control name -> (scenario, key in its config).
PARAMETERS: dict[str, tuple[str, str]] = {
    "strike_rate": ("strike", "rate_per_week"),
    "strike_effectiveness": ("strike", "effectiveness"),
    "reopening_date": ("reopening", "date"),
    "reopening_capacity": ("reopening", "capacity_trucks_per_day"),
    "withdrawal_date": ("us_withdrawal", "date"),
    "drawdown_fraction": ("militia_drawdown", "fraction"),
}
DATES = ("reopening_date", "withdrawal_date")


@cache
def defaults() -> dict[str, Any]:
    """The shipped value of every scenario parameter the page sets."""
    chosen = sorted({scenario for scenario, _ in PARAMETERS.values()})
    cfg = compose_config([f"scenario=[{','.join(chosen)}]"])
    scenario: Any = OmegaConf.to_container(cfg.scenario, resolve=True)
    return {name: scenario[s][key] for name, (s, key) in PARAMETERS.items()}


def overrides(scenario: str, seed: int, **parameters: Any) -> list[str]:
    """Config overrides for a scenario choice, a seed and scenario parameters (a parameter left
    out or ``None`` keeps its shipped default; those of scenarios not chosen are dropped)."""
    if scenario not in SCENARIOS:
        raise ConfigError("scenario", f"unknown choice {scenario!r}", ", ".join(SCENARIOS))
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise ConfigError(unknown[0], "unknown control", ", ".join(PARAMETERS))
    chosen = SCENARIOS[scenario]
    out = [f"seed={_seed(seed)}", f"scenario=[{','.join(chosen)}]"]
    for name, value in parameters.items():
        owner, key = PARAMETERS[name]
        if value is None or owner not in chosen:
            continue
        value = _date(name, value) if name in DATES else value
        out.append(f"scenario.{owner}.{key}={value}")
    return out


def _seed(seed: Any) -> int:
    try:
        value = int(str(seed).strip())
    except ValueError:
        raise ConfigError("seed", f"{seed!r} is not a whole number", "an integer >= 0") from None
    if value < 0:
        raise ConfigError("seed", f"{value} is negative", "an integer >= 0")
    return value


def _date(name: str, value: Any) -> str:
    try:
        return f"'{date.fromisoformat(str(value).strip()).isoformat()}'"
    except ValueError:
        raise ConfigError(name, f"{value!r} is not a date", "YYYY-MM-DD") from None


class AppModel(BorderModel):
    """The border-zone model built from the page's controls (keyword arguments, as SolaraViz
    rebuilds it on Reset), spun up so the page opens on the calendar's first day. It stops
    running after the configured number of days."""

    def __init__(
        self,
        scenario: str = "baseline",
        seed: int = 0,
        strike_rate: float | None = None,
        strike_effectiveness: float | None = None,
        reopening_date: str | None = None,
        reopening_capacity: int | None = None,
        withdrawal_date: str | None = None,
        drawdown_fraction: float | None = None,
    ) -> None:
        controls = {
            "strike_rate": strike_rate,
            "strike_effectiveness": strike_effectiveness,
            "reopening_date": reopening_date,
            "reopening_capacity": reopening_capacity,
            "withdrawal_date": withdrawal_date,
            "drawdown_fraction": drawdown_fraction,
        }
        cfg = resolve(compose_config(overrides(scenario, seed, **controls)))
        super().__init__(cfg)
        self.scenario_choice = scenario
        self.days_to_run = cfg.days
        self.run_for(self.spin_up)

    def step(self) -> None:
        """One day; the model stops running once the configured days are done."""
        super().step()
        self.running = self.day + 1 < self.days_to_run

"""Scenario events (MODEL.md 1, 6): interventions as dated data, fired by Mesa's event list.

A scenario (``configs/scenario/*.yaml``) is a list of events ``{at, do, args}``: ``at`` is a
calendar date (``"2019-09-30"``) or a day offset from the start, ``do`` names an action of
:data:`ACTIONS` and ``args`` are its parameters. Selected scenarios compose: their events
are merged and each is scheduled with ``Model.schedule_event`` at dawn of its day (half a
step before that day's schedule), so the rest of the model never asks which scenario runs.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from bordersim import config
from bordersim.errors import ConfigError
from bordersim.events.strikes import TARGET_KINDS, AirCampaign
from bordersim.params import RENAMED, Alignment, CrossingSettings, RunConfig, StrikeActor

if TYPE_CHECKING:
    from bordersim.model import BorderModel

ACTIONS: dict[str, Callable[..., None]] = {}
#: Actions that can happen once in a run: two scenarios both doing one contradict each other.
ONCE = ("open_crossing", "us_withdrawal")


def action(fn: Callable[..., None]) -> Callable[..., None]:
    ACTIONS[fn.__name__] = fn
    return fn


@action
def open_crossing(model: BorderModel, **settings: float) -> None:
    """The official crossing opens to trade and people with the given settings."""
    model.crossing.open_to_trade(**settings)


@action
def start_air_campaign(
    model: BorderModel,
    actor: str,
    rate_per_week: float,
    sites_per_wave: int,
    effectiveness: float,
    collateral_radius_km: float,
    civilian_harm_prob: float,
    target_mix: dict,
    end: int | str | None = None,
) -> None:
    """An air campaign begins: waves at a rate until ``end`` (a date or day, or never)."""
    end_day = None if end is None else model.day_of(end, "scenario event args.end")
    model.air.campaigns.append(
        AirCampaign(actor, rate_per_week, int(sites_per_wave), effectiveness, collateral_radius_km,
                    civilian_harm_prob, dict(target_mix), start_day=model.dawn_day, end_day=end_day)
    )  # fmt: skip


@action
def strike_wave(
    model: BorderModel,
    actor: str,
    sites: list,
    effectiveness: float,
    collateral_radius_km: float | None = None,
    civilian_harm_prob: float | None = None,
    units: str = "",
) -> None:
    """A dated wave on named sites (e.g. the 'Imam Ali' compound), optionally on one group;
    accuracy not given is that of ``params.strikes``."""
    s = model.params.strikes
    radius = s.collateral_radius_km if collateral_radius_km is None else collateral_radius_km
    harm = s.civilian_harm_prob if civilian_harm_prob is None else civilian_harm_prob
    c = AirCampaign(actor, 0.0, len(sites), effectiveness, radius, harm, {})
    model.air.queue_wave(c, list(sites), units)


@action
def us_withdrawal(model: BorderModel, keep_air_power: bool = True) -> None:
    """US ground forces leave: ISR cover and tribal patronage end; air power may remain."""
    model.us.withdraw(keep_air_power)


@action
def militia_drawdown(model: BorderModel, fraction: float, alignment: str = "irgc") -> None:
    """Militias of one alignment pull out a fraction of their fighters, funds and materiel for
    good: their establishment shrinks with them."""
    for m in model.militias:
        if m.alignment == alignment:
            m.fighters *= 1.0 - fraction
            m.funds *= 1.0 - fraction
            m.materiel *= 1.0 - fraction
            m.establishment *= 1.0 - fraction


@action
def cohesion_shock(model: BorderModel, drop: float, alignment: str = "irgc") -> None:
    """Coordination weakens (e.g. the killing of Soleimani and al-Muhandis)."""
    for m in model.militias:
        if m.alignment == alignment:
            m.cohesion *= 1.0 - drop


@action
def set_param(model: BorderModel, key: str, value: Any) -> None:
    """Change one parameter (dotted key under ``params``, e.g. ``security.p_raid``) from this
    day on, checked like the defaults; settings read only when the model is built (e.g.
    influence radii) keep their first value (docs/ODD.md, section 9)."""
    *path, last = _field_names(key)
    node: Any = model.params
    for part in path:
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    setattr(node, last, config.checked_parameter(key, value))


def collect_events(scenarios: dict[str, dict]) -> list[dict]:
    """Events of all selected scenarios, checked for contradictions and unknown actions."""
    names = list(scenarios)
    events = []
    for name, spec in scenarios.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"scenario.{name}", "must be a mapping", "see configs/scenario/")
        clash = sorted(set(spec.get("excludes", [])) & set(names))
        if clash:
            raise ConfigError(
                "scenario", f"'{name}' cannot be combined with {clash}",
                f"combinations without {clash} (selected: {names})",
            )  # fmt: skip
        for k, ev in enumerate(spec.get("events") or []):
            events.append(_checked_event(ev, f"scenario.{name}.events[{k}]") | {"scenario": name})
    for once in ONCE:
        users = [e["scenario"] for e in events if e["do"] == once]
        if len(users) > 1:
            raise ConfigError(
                "scenario", f"'{once}' would happen {len(users)} times (from {users})",
                "at most one selected scenario doing it",
            )  # fmt: skip
    return events


def _checked_event(ev: Any, key: str) -> dict:
    if not isinstance(ev, dict) or "at" not in ev or "do" not in ev:
        raise ConfigError(key, "an event needs 'at' and 'do'", "{at: date or day, do: action, args: {...}}")
    if ev["do"] not in ACTIONS:
        raise ConfigError(f"{key}.do", f"unknown action '{ev['do']}'", ", ".join(sorted(ACTIONS)))
    args = dict(ev.get("args") or {})
    sig = inspect.signature(ACTIONS[ev["do"]])
    params = list(sig.parameters.values())[1:]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
    known = {p.name for p in params if p.kind is not p.VAR_KEYWORD}
    unknown = sorted(set(args) - known)
    if unknown and not takes_any:
        raise ConfigError(f"{key}.args.{unknown[0]}", "unknown argument", ", ".join(sorted(known)))
    missing = [
        p.name for p in params if p.default is p.empty and p.kind is not p.VAR_KEYWORD and p.name not in args
    ]
    if missing:
        raise ConfigError(
            f"{key}.args.{missing[0]}", "is missing", f"arguments of {ev['do']}: {sorted(known)}"
        )
    mix = args.get("target_mix")
    if mix is not None and (not isinstance(mix, dict) or set(mix) - set(TARGET_KINDS)):
        raise ConfigError(f"{key}.args.target_mix", f"unknown target kinds in {mix}", str(TARGET_KINDS))
    if ev["do"] == "set_param" and "key" in args:
        try:
            config.checked_parameter(str(args["key"]), args.get("value"))
        except ConfigError as err:
            raise ConfigError(f"{key}.args", f"{err.key}: {err.problem}", err.allowed) from None
    if ev["do"] == "open_crossing":
        allowed = sorted(f.name for f in dataclasses.fields(CrossingSettings))
        if unknown := sorted(set(args) - set(allowed)):
            raise ConfigError(f"{key}.args.{unknown[0]}", "unknown argument", ", ".join(allowed))
    kinds = {p.name: p.annotation for p in params} | {name: "float" for name in args if name not in known}
    for name, value in args.items():
        _checked_arg(value, f"{key}.args.{name}", str(kinds[name]))
    return {"at": ev["at"], "do": ev["do"], "args": args}


#: Event arguments that are shares in [0, 1] beyond the naming rule of the parameters.
SHARE_ARGS = {"fraction", "drop", "customs_detection"}
ARG_CHOICES = {"alignment": typing.get_args(Alignment), "actor": typing.get_args(StrikeActor)}


def _field_names(key: str) -> list[str]:
    """Field names along a dotted parameter key (the YAML key ``is`` is the field ``is_``)."""
    return [RENAMED.get(part, part) for part in key.split(".")]


def _checked_arg(value: Any, key: str, kind: str) -> None:
    """Types and ranges of an event argument, from the action's annotations."""
    name = key.rsplit(".", 1)[-1]
    if name in ARG_CHOICES and value not in ARG_CHOICES[name]:
        raise ConfigError(key, f"{value!r} is not allowed", " | ".join(ARG_CHOICES[name]))
    if kind in ("float", "int"):
        share = config.is_share(name) or name in SHARE_ARGS
        config._number(value, key, 0.0, 1.0 if share else float("inf"))
    elif kind in ("float | None", "int | None") and value is not None:
        config._number(value, key, 0.0, 1.0 if config.is_share(name) else float("inf"))
    elif kind == "bool" and not isinstance(value, bool):
        raise ConfigError(key, f"{value!r} is not true/false", "true or false")
    elif kind == "dict":
        for k, v in value.items():
            config._number(v, f"{key}.{k}")
    elif kind == "list" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(key, f"{value!r} is not a list of names", "[place, ...]")


def calendar(run: RunConfig) -> list[tuple[int, dict]]:
    """The events of the selected scenarios with their days; ConfigError if one is unknown,
    contradicts another or falls outside the run."""
    out = []
    for ev in collect_events(run.scenario):
        where = f"scenario.{ev['scenario']} event '{ev['do']}'"
        day = day_of(ev["at"], run.start_date, run.days, f"{where} at")
        if ev["args"].get("end") is not None:
            day_of(ev["args"]["end"], run.start_date, run.days, f"{where} args.end")
        out.append((day, ev))
    return out


def schedule(model: BorderModel) -> list[partial]:
    """Schedule every event at dawn of its calendar day, after the spin-up; return the
    callbacks (Mesa holds them weakly)."""
    callbacks = []
    for day, ev in calendar(model.config):
        fire = partial(_fire, model, ev)
        model.schedule_event(fire, at=model.spin_up + day + 0.5)
        callbacks.append(fire)
    return callbacks


def _fire(model: BorderModel, ev: dict) -> None:
    ACTIONS[ev["do"]](model, **ev["args"])
    model.fired_events.append({"day": model.dawn_day, "scenario": ev["scenario"], "do": ev["do"]})


def day_of(at: Any, start: date, days: int, key: str) -> int:
    """Day index of a date string or day offset; ConfigError if outside the run."""
    if isinstance(at, bool):
        raise ConfigError(key, f"{at!r} is not a date or a day", "YYYY-MM-DD or an integer day")
    if isinstance(at, int):
        day = at
    else:
        try:
            day = (date.fromisoformat(str(at)) - start).days
        except ValueError:
            raise ConfigError(key, f"{at!r} is not a date or a day", "YYYY-MM-DD or an integer day") from None
    if not 0 <= day < days:
        raise ConfigError(key, f"{at} falls outside the run", f"days 0..{days - 1} ({start} + {days} days)")
    return day

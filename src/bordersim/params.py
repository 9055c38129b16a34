"""Typed inputs of a run: the behavioural parameters, the order of battle and the run keys.

Each dataclass mirrors one node of the configs (``configs/params/default.yaml``,
``configs/forces/*.yaml``, ``configs/config.yaml``); the defaults and their sources live in
those files, never here. :func:`build` turns a checked plain mapping into these classes, so
the simulation reads ``params.security.p_raid`` (a name an editor and a type checker know)
instead of ``params["security"]["p_raid"]``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any, Literal

from bordersim.errors import ConfigError

Alignment = Literal["irgc", "najaf"]
Side = Literal["iraq", "syria", "sdf"]
Sector = Literal["iraq", "shamiyya", "jazira"]  # geography.SECTORS
Patron = Literal["us", "state", "sdf", "none"]
StrikeActor = Literal["us", "israel", "unattributed"]
ArrestFunction = Literal["exponential", "floor", "round"]


# -- behavioural parameters (configs/params/default.yaml) -------------------------------
@dataclass
class PerGroup:
    """A number for each actor group (``world.influence.GROUPS``)."""

    state_iraq: float
    state_syria: float
    sdf: float
    militia_irgc: float
    militia_najaf: float
    tribal: float
    is_: float


@dataclass
class GroupRadii(PerGroup):
    """Spread of each actor group's presence [km]."""


@dataclass
class InfluenceParams:
    radius_km: GroupRadii
    control_margin: float
    min_presence: float
    border_strip_km: float
    dispersed_presence_share: float
    is_contests_held_ground: bool


@dataclass
class HardshipWeights:
    livelihood: float
    unemployment: float
    friction: float
    extortion: float


@dataclass
class Legitimacy(PerGroup):
    """Legitimacy of the controlling group in Sunni eyes (and of a contested cell's)."""

    contested: float


@dataclass
class Work:
    """Work besides farming, as shares of the labour force or as jobs."""

    public_pay_share: float
    commerce_share: float
    quarry_jobs: float


@dataclass
class PopulationParams:
    initial_displaced_share: float
    farmland_dependence_share: float
    work: Work
    livelihood_radius_km: float
    grievance_rate: float
    hardship_weight: HardshipWeights
    friction_scale: float
    protection_legitimacy: float
    bennett_anger: float
    kin_per_harmed: float
    harm_radius_km: float
    legitimacy: Legitimacy
    epstein_threshold: float
    epstein_k: float
    arrest_function: ArrestFunction
    p_join: float
    recruit_radius_km: float
    p_displace: float
    p_leave: float
    p_return: float
    housing_damaged_share: float
    damaged_home_return_share: float
    blocked_return_share: float
    violence_decay: float
    violence_radius_km: float
    violence_per_clash: float
    violence_per_strike: float


@dataclass
class Good:
    """A kind of cargo: its value, the cross-border margin and its share of crews."""

    value: float
    margin_share: float
    mix_share: float


@dataclass
class CrossingSettings:
    """The official crossing when open to trade (the reopening scenario sets some)."""

    capacity_trucks_per_day: float
    value_per_truck: float
    fee_per_truck: float
    customs_detection: float
    militia_capture_share: float
    jobs_per_truck: float
    capture_radius_km: float


@dataclass
class RecruitPool:
    """Where a unit's recruits come from: the monthly wage that keeps a man from it in the
    ranks, and how many men it offers the units of the zone each month."""

    pay_per_month: float
    recruits_per_month: float


@dataclass
class EconomyParams:
    haul_days: float
    checkpoint_tax_per_trip: float
    informal_tax_share: float
    travel_cost_per_km: float
    bribe_share: float
    goods: dict[str, Good]
    monopoly_good: str
    kin_warning_share: float
    logit_scale: float
    risk_alpha: float
    risk_beta: float
    risk_decay: float
    hearsay_weight: float
    exposure_per_km: float
    detect_scale: float
    militia_protection_share: float
    recruit_pools: dict[str, RecruitPool]
    pmf_registered_share: float
    parent_salary_share: float
    recruit_cost: float
    reserve_days: float
    desertion_rate_per_day: float
    materiel_per_fighter: float
    militia_crew_profit_share: float
    checkpoint_reach_km: float
    holder_reach_km: float
    crossing: CrossingSettings
    labour_force_share: float
    job_radius_km: float
    jobs_adjust_days: float


@dataclass
class HuntingGrounds:
    """The sectors each kind of force hunts IS cells in: state forces by side, militias by
    alignment (MODEL.md 7.4, 7.5)."""

    iraq: list[Sector]
    syria: list[Sector]
    sdf: list[Sector]
    irgc: list[Sector]
    najaf: list[Sector]


@dataclass
class SecurityParams:
    raid_radius_km: float
    p_raid: float
    clear_radius_km: float
    p_clear: float
    clear_min_fighters: float
    hunt_commitment_per_member: float
    hunt_force_share: float
    hunting_grounds: HuntingGrounds
    checkpoint_fighters_share: float
    lanchester_rate: float
    clash_rounds: int
    break_off_loss_share: float
    desert_defender_factor: float
    urban_defender_factor: float
    civilians_per_clash_prob: float
    civilians_harmed_per_casualty: float
    civilians_killed_share: float
    extra_border_detection: float
    reinforcement_rate: float
    crossing_monitoring_growth: float
    strike_memory_decay: float
    strike_memory_per_hit: float
    disperse_threshold: float
    dispersal_radius_km: float
    dispersal_tries: int
    dispersed_checkpoint_share: float
    cohesion_recovery: float
    military_zone_min_fighters: float
    policing_radius_km: float
    policing_full_fighters: float
    extortion_stopped_share: float


@dataclass
class TribeParams:
    patronage_per_fighter_day: float
    extortion_income_per_fighter_day: float
    extortion_full_fighters: float
    state_patronage_after_days: float
    allegiance_rate: float
    initial_allegiance_without_patron: float
    unaligned_presence_share: float
    defend_radius_km: float
    helper_commitment_per_attacker: float


@dataclass
class InfiltrationWeights:
    """How cells cross: with a smuggler crew, through a corrupt post, or alone at night."""

    smuggler: float
    corrupt_post: float
    alone: float


@dataclass
class IslamicStateParams:
    badia_inflow_members_per_month: float
    badia_leave_rate: float
    p_consider_crossing: float
    capture_cost: float
    crossing_cost_per_km: float
    crossing_logit_scale: float
    crossing_memory_decay: float
    crossing_prior_risk: float
    crossing_prior_weight: float
    arrival_spread_km: float
    hideout_spread_km: float
    p_infiltrate: float
    p_attack: float
    p_recruit: float
    p_extort: float
    attack_min_members: int
    attack_radius_km: float
    operational_radius_km: float
    attack_min_exchange: float
    attack_rounds: int
    ambush_return_fire_share: float
    p_evade_hunt: float
    move_radius_km: float
    move_candidates: int
    recruit_pool_scale: float
    split_members: int
    split_spread_km: float
    upkeep_per_member_day: float
    p_desert_when_broke: float
    extortion_per_cell_day: float
    smuggler_fee_per_member: float
    p_leave_zone: float
    night_crossing_detection_share: float
    p_capture_on_failure: float
    infiltration_method_weight: InfiltrationWeights


@dataclass
class USParams:
    isr_radius_km: float
    p_isr: float
    air_power: bool


@dataclass
class IRGCLogisticsParams:
    convoys_per_week: float
    escort_fighters: float
    ambush_scale: float
    materiel_per_convoy: float
    cargo_loss_escort_share: float
    cargo_loss_materiel_share: float


@dataclass
class TargetKinds:
    """A number per strike target kind."""

    base: float
    depot: float
    convoy: float
    checkpoint: float


@dataclass
class SiteValues:
    """Worth of a site as a strike target, besides a base (weighed by its fighters)."""

    depot: float
    convoy: float
    checkpoint: float


@dataclass
class StrikeParams:
    background_rate_per_week: float
    background_sites_per_wave: int
    effectiveness: float
    materiel_share: float
    depot_materiel_factor: float
    collateral_radius_km: float
    civilian_harm_prob: float
    harmed_per_resident_share: float
    dispersed_visibility_share: float
    fighters_at_site: TargetKinds
    site_value: SiteValues
    target_mix_weight: TargetKinds
    retaliation_base_prob: float
    retaliation_per_escalation: float
    us_absent_retaliation_share: float
    counter_strike_prob: float
    escalation_decay: float


@dataclass
class Params:
    """Every behavioural parameter of the model, by submodel."""

    influence: InfluenceParams
    population: PopulationParams
    economy: EconomyParams
    security: SecurityParams
    tribes: TribeParams
    islamic_state: IslamicStateParams
    us: USParams
    irgc_logistics: IRGCLogisticsParams
    strikes: StrikeParams


# -- order of battle (configs/forces/*.yaml) ---------------------------------------------
@dataclass
class MilitiaSpec:
    name: str
    alignment: Alignment
    fighters: float
    base: str
    recruits_from: str
    funds: float = 0.0
    checkpoints: list[str] = field(default_factory=list)
    holds_military_zone: bool = False
    stops_tribal_extortion: bool = False
    escorts_convoys: bool = False
    state_payroll: bool = False
    source: str = ""


@dataclass
class StateForceSpec:
    name: str
    side: Side
    service: str
    fighters: float
    base: str
    detection: float
    corruption: float
    firepower: float = 1.0
    source: str = ""


@dataclass
class TribeSpec:
    name: str
    home: str
    fighters: float
    recruits_from: str
    patron: Patron = "none"
    funds: float = 0.0
    kin_across_border: float = 0.0
    source: str = ""


@dataclass
class SmugglerSpec:
    crews: float
    militia_run_share: float
    cash: float
    staging: list[str]


@dataclass
class QuarryTrafficSpec:
    """Trucks hauling from the quarries on one road, and the monthly toll each pays to
    the militia holding a checkpoint on it."""

    road: str
    trucks: float
    toll_per_truck_month: float
    source: str = ""


@dataclass
class IslamicStateSpec:
    cells: float
    badia_members: float
    members_min: int
    members_max: int
    cash: float
    hideouts: list[str]


@dataclass
class USSpec:
    base: str
    present: bool = True


@dataclass
class IRGCLogisticsSpec:
    route: list[str]


@dataclass
class Forces:
    """The order of battle: every unit with its base, strength and affiliation."""

    name: str
    militias: list[MilitiaSpec]
    state_forces: list[StateForceSpec]
    tribes: list[TribeSpec]
    smugglers: SmugglerSpec
    islamic_state: IslamicStateSpec
    us: USSpec
    irgc_logistics: IRGCLogisticsSpec
    quarry_traffic: QuarryTrafficSpec | None = None

    def __post_init__(self) -> None:
        """Units are told apart by name (a daily column per unit): no name twice."""
        names = [u.name for u in self.militias] + [u.name for u in self.state_forces]
        names += [u.name for u in self.tribes]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ConfigError("forces", f"unit name {twice[0]!r} is used twice", "a distinct name per unit")


# -- one run ------------------------------------------------------------------------------
@dataclass
class RunConfig:
    """A resolved, checked run: its keys typed, and ``data``, the plain mapping it came from
    (what ``summary.json`` records)."""

    seed: int
    days: int
    spin_up_days: int
    start_date: date
    cell_km: float
    agent_scale: float
    write_spatial: bool
    geography: dict[str, Any]
    forces: Forces
    params: Params
    scenario: dict[str, dict[str, Any]]
    data: dict[str, Any]


# -- building typed inputs from checked mappings ------------------------------------------
#: YAML keys that are Python keywords get a trailing underscore as field names.
RENAMED = {"is": "is_"}


def build[T](cls: type[T], data: Any, key: str) -> T:
    """An instance of the dataclass ``cls`` from a mapping; ConfigError naming the key of
    any missing, unknown or mistyped value."""
    spec = fields(cls)  # type: ignore[arg-type]
    known = {f.name for f in spec}
    if not isinstance(data, dict):
        raise ConfigError(key, f"expected a mapping, got {data!r}", f"keys: {sorted(known)}")
    hints = typing.get_type_hints(cls)
    names = {RENAMED.get(str(k), str(k)): str(k) for k in data}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ConfigError(f"{key}.{names[unknown[0]]}", "unknown key", ", ".join(sorted(known)))
    values = {}
    for f in spec:
        yaml_key = next((k for k, v in RENAMED.items() if v == f.name), f.name)
        if yaml_key not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{key}.{yaml_key}", "is missing", f"keys: {sorted(known)}")
            continue
        values[f.name] = convert(hints[f.name], data[yaml_key], f"{key}.{yaml_key}")
    return cls(**values)


def convert(kind: Any, value: Any, key: str) -> Any:
    """A value checked and converted to the type ``kind`` (ConfigError naming ``key``)."""
    origin = typing.get_origin(kind)
    if is_dataclass(kind):
        return build(kind, value, key)  # type: ignore[arg-type]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(key, f"expected a mapping, got {value!r}", "a YAML mapping")
        _, item = typing.get_args(kind)
        return {k: convert(item, v, f"{key}.{k}") for k, v in value.items()}
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(key, f"expected a list, got {value!r}", "a YAML list")
        (item,) = typing.get_args(kind)
        return [convert(item, v, f"{key}[{n}]") for n, v in enumerate(value)]
    if origin is Literal:
        allowed = typing.get_args(kind)
        if value not in allowed:
            raise ConfigError(key, f"{value!r} is not allowed", " | ".join(allowed))
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        arm = next(a for a in typing.get_args(kind) if a is not type(None))
        return convert(arm, value, key)
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"{value!r} is not true/false", "true or false")
        return value
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(key, f"{value!r} is not a number", "a number")
        if kind is int and value != int(value):
            raise ConfigError(key, f"{value!r} is not a whole number", "a whole number")
        return kind(value)
    if kind is str:
        return str(value)
    return value


def parameter_kind(key: str) -> Any:
    """The type of the parameter at a dotted key of ``params`` (YAML names, e.g.
    ``influence.radius_km.is``); ConfigError if there is none."""
    kind: Any = Params
    for part in key.split("."):
        if typing.get_origin(kind) is dict:
            kind = typing.get_args(kind)[1]  # a named item of a mapping, e.g. a kind of goods
            continue
        hints = typing.get_type_hints(kind) if is_dataclass(kind) else {}
        if RENAMED.get(part, part) not in hints:
            raise ConfigError(
                f"params.{key}", "unknown parameter", "a dotted key of configs/params/default.yaml"
            )
        kind = hints[RENAMED.get(part, part)]
    if is_dataclass(kind) or typing.get_origin(kind) is dict:
        raise ConfigError(f"params.{key}", "names a group of parameters", "the key of one parameter")
    return kind

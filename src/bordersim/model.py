"""The border-zone model: a Mesa model whose ``step`` is the daily schedule of MODEL.md 3."""

from __future__ import annotations

import copy
import gc
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import numpy as np
from mesa import Model
from mesa.discrete_space import OrthogonalMooreGrid
from omegaconf import DictConfig
from scipy.ndimage import distance_transform_edt

from bordersim import config
from bordersim.actors import orbat
from bordersim.actors.base import ForceUnit
from bordersim.actors.militia import Militia, fighters_by_alignment
from bordersim.actors.outside import IRGCLogistics, USPresence
from bordersim.actors.smuggler import SmugglingDay
from bordersim.actors.state import StateForce
from bordersim.actors.tribe import Tribe
from bordersim.encounters import Cell, Encounters
from bordersim.events import scenarios
from bordersim.events.strikes import AirWar
from bordersim.metrics import DailyRecorder, new_tally, unit_column
from bordersim.params import RunConfig
from bordersim.streams import RandomStreams
from bordersim.world.economy import Crossing, QuarryRoad, RouteNetwork, settle_finances
from bordersim.world.geography import ROUTE_KINDS, TERRAIN, rasterise
from bordersim.world.influence import MILITIA_GROUPS, STATE_GROUPS, G, InfluenceField, stamp_layers
from bordersim.world.population import Population

logging.getLogger("MESA").setLevel(logging.WARNING)


class ZoneGrid(OrthogonalMooreGrid):
    """The zone's cells, where agents stand. Agents move by the model's own rules over the
    cell layers, never through Mesa's neighbourhoods, so the cells are left unconnected:
    connecting them is most of the cost of building a grid."""

    def _connect_cells(self) -> None:
        return None


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the model is built: the grid's ten
    thousand cells and the agents are all kept, yet each few hundred of them set off a
    collection that scans everything made so far (about a third of the build time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class BorderModel(Model):
    """The Qa'im-Bukamal border zone: geography, five agent families, outside actors, scenarios.

    Build it from a resolved :class:`~bordersim.params.RunConfig` (see
    :func:`bordersim.config.resolve`), from a plain or composed config (resolved here), or
    from ``None`` for the shipped defaults; keyword arguments override top-level keys.
    """

    def __init__(
        self, cfg: RunConfig | DictConfig | Mapping[str, Any] | None = None, **overrides: Any
    ) -> None:
        run = config.resolve(cfg if cfg is not None else config.compose_config())
        if overrides:
            run = config.resolve({**run.data, **overrides})
        with cyclic_gc_paused():
            self._build(run)

    def _build(self, run: RunConfig) -> None:
        """The zone, its agents and outside actors, scenario events and recorders."""
        super().__init__(rng=run.seed)
        self.streams = RandomStreams(run.seed)
        self.config = run
        self.params = copy.deepcopy(run.params)  # the model's own: scenario events may change them
        self.forces = run.forces
        self.start_date, self.days, self.agent_scale = run.start_date, run.days, run.agent_scale
        self.spin_up = run.spin_up_days
        self.geo = rasterise(run.geography, run.cell_km)
        self.grid = ZoneGrid(self.geo.shape, torus=False, capacity=None, random=self.random)
        self.today = new_tally()
        self.fired_events: list[dict[str, Any]] = []
        self.population = Population(self.geo, self.grid, self.params)
        self.influence = InfluenceField(self.geo.shape, self.geo.transform.cell_km, self.params.influence)
        self.us = USPresence(self.geo, self.forces.us, self.params.us)
        self.militias = orbat.build_militias(self)
        self.state_forces = orbat.build_state_forces(self)
        self.tribes = orbat.build_tribes(self)
        self.smugglers = orbat.build_smugglers(self, self.militias)
        self.islamic_state = orbat.build_islamic_state(self)
        self.encounters = Encounters(
            self.geo, self.population, self.islamic_state, self.params, self.streams.encounters, self.today
        )
        self.routes = RouteNetwork(self.geo, self.militias, self.params.economy)
        self.crossing = Crossing(self.geo, self.params)
        self.quarry = QuarryRoad(self.geo, self.militias, self.forces.quarry_traffic, self.params.economy)
        self.irgc = IRGCLogistics(self.geo, self.forces.irgc_logistics)
        self.air = AirWar.from_params(self.params.strikes)
        self._events = scenarios.schedule(self)
        self.recorder = DailyRecorder(self.days, self.start_date, [u.name for u in self.force_units])
        self.is_activity = np.zeros(self.geo.shape)
        self.route_trips = np.zeros(len(self.geo.routes))
        self.border_strip = self._border_strip()
        self.strip_cells = np.flatnonzero(self.border_strip)  # where each daily share is measured
        self.road_cells = np.flatnonzero(self.geo.road >= 0)
        self.desert_cells = np.flatnonzero(self.geo.terrain == TERRAIN["desert"])
        self.farmland_cells = max(int((self.geo.terrain == TERRAIN["farmland"]).sum()), 1)
        self.military_zone_cells = int(self.geo.military_zone.sum())
        self.route_kind_masks = [self.routes.kind == k for k in range(len(ROUTE_KINDS))]
        self.runs: SmugglingDay | None = None
        self.security = np.zeros(self.geo.shape)
        self.detection = np.zeros(self.geo.shape)
        self.corruption = np.zeros(self.geo.shape)
        self.militia_watch = np.zeros(self.geo.shape)
        self._missed: tuple[tuple[bool, float, float], np.ndarray, np.ndarray] | None = None
        self._watch: tuple[tuple[Any, ...], np.ndarray, np.ndarray] | None = None
        self._policing_reach: dict[tuple[Cell, tuple[Cell, ...], float], np.ndarray] = {}
        self.refresh_security()

    # -- the daily schedule (MODEL.md 3) ------------------------------------------------
    def step(self) -> None:
        """One day. Scenario events due today have already fired at dawn (phase 1)."""
        self.streams.start_day(self.day)
        self.today.clear()
        self.air.strike_day(self)  # 2. strikes
        self.refresh_security()  # 3. influence, control, detection
        self.update_population()  # 4. grievance, displacement, recruit pool
        self.agents_act()  # 5-6. agents act; encounters resolve as they meet
        settle_finances(self.militias, self.tribes, self.params.economy, self.today)  # 7. incomes, pay
        self.record()  # 8. the day's metrics

    def agents_act(self) -> None:
        """Smugglers and convoys move, IS cells act, then militias, state forces, tribes;
        legal trade and quarry trucks pay their fees and tolls."""
        route_day = self.routes.day(
            self.detection, self.corruption, self.influence.control, self.crossing.open
        )
        self.runs = self.smugglers.run_day(route_day)
        self.irgc.move_convoys(self)
        self.islamic_state.act(self.runs)
        self.agents_by_type[Militia].shuffle_do("step")
        self.agents_by_type[StateForce].shuffle_do("step")
        self.agents_by_type[Tribe].shuffle_do("step")
        trucks, value = self.crossing.trade_day(self.streams.trade, self.militias, self.today)
        self.today["legal_trade_trucks"], self.today["legal_trade_value"] = trucks, value
        self.quarry.toll_day(self.today)

    def run(self) -> None:
        """Spin up, then run the configured number of recorded days."""
        self.run_for(self.spin_up + self.days)

    # -- calendar ----------------------------------------------------------------------
    @property
    def day(self) -> int:
        """Calendar day being simulated: 0 on ``start_date``, negative during the spin-up."""
        return max(int(self.steps) - 1, 0) - self.spin_up

    @property
    def dawn_day(self) -> int:
        """Calendar day whose dawn it is between two steps (when scenario events fire)."""
        return int(self.steps) - self.spin_up

    @property
    def date(self) -> date:
        return self.start_date + timedelta(days=self.day)

    def day_of(self, at: int | str, key: str) -> int:
        return scenarios.day_of(at, self.start_date, self.days, key)

    # -- the world layers ----------------------------------------------------------------
    @property
    def force_units(self) -> list[ForceUnit]:
        """The units that act as one: militias, state forces, tribes."""
        return [*self.militias, *self.state_forces, *self.tribes]

    def refresh_security(self) -> None:
        """Phase 3: presence and control of every group, detection and corruption maps."""
        units = self.force_units
        at = np.array([u.ij for u in units]).reshape(-1, 2)
        is_i, is_j, is_members = self.islamic_state.deposit()
        self.influence.update(
            np.concatenate([[u.group for u in units], np.full(is_i.size, G["is"])]),
            np.concatenate([at[:, 0], is_i]),
            np.concatenate([at[:, 1], is_j]),
            np.concatenate([[u.presence() for u in units], is_members]),
        )
        self.security = self.influence.security()
        self.detection, self.corruption = self.state_watch()
        militia = self.influence.presence[list(MILITIA_GROUPS)].sum(axis=0)
        self.militia_watch = 1.0 - np.exp(-militia / self.params.economy.detect_scale)
        self.is_activity += self.influence.presence[G["is"]]

    def state_watch(self) -> tuple[np.ndarray, np.ndarray]:
        """Detection 1 - (1 - p_state)(1 - p_isr * cover)(1 - extra on the border) and the
        corruption of who watches; ``security.extra_border_detection`` is a policy lever.
        Kept (read-only) while the state units, US presence and the extra watch are unchanged:
        state units are reinforced back to strength and rarely move."""
        units = tuple((u.ij, u.detection * u.fighters, u.corruption) for u in self.state_forces)
        key = (units, self.us.present, self.us.p_isr, self.params.security.extra_border_detection)
        if self._watch is None or self._watch[0] != key:
            detection, corruption = self._state_watch(units)
            detection.flags.writeable = corruption.flags.writeable = False
            self._watch = (key, detection, corruption)
        return self._watch[1], self._watch[2]

    def _state_watch(
        self, units: tuple[tuple[tuple[int, int], float, float], ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        shape = self.geo.shape
        i, j = np.array([ij for ij, _, _ in units]).T
        eyes = np.array([watchers for _, watchers, _ in units])
        bribable = eyes * np.array([corruption for _, _, corruption in units])
        sigma = self.params.influence.radius_km.state_iraq / self.geo.transform.cell_km
        layer = np.repeat([0, 1], i.size)
        watch, bent = stamp_layers(
            shape, layer, np.r_[i, i], np.r_[j, j], np.r_[eyes, bribable], (sigma, sigma)
        )
        corruption = np.divide(bent, watch, out=np.zeros(shape), where=watch > 1e-9)
        p_state = 1.0 - np.exp(-watch / self.params.economy.detect_scale)
        isr_misses, border_misses = self._missed_by_others()
        return 1.0 - (1.0 - p_state) * isr_misses * border_misses, corruption

    def _missed_by_others(self) -> tuple[np.ndarray, np.ndarray]:
        """1 - p_isr * cover and 1 - the extra border watch, per cell: the chances that ISR
        and the extra watch miss, kept until US presence or the extra watch changes."""
        extra = self.params.security.extra_border_detection
        key = (self.us.present, self.us.p_isr, extra)
        if self._missed is None or self._missed[0] != key:
            isr_misses = 1.0 - self.us.isr()
            border_misses = 1.0 - np.where(self.geo.segment >= 0, extra, 0.0)
            isr_misses.flags.writeable = border_misses.flags.writeable = False
            self._missed = (key, isr_misses, border_misses)
        return self._missed[1], self._missed[2]

    def update_population(self) -> None:
        """Phase 4: the population layers under today's control, farmland, jobs and extortion."""
        labour_share = self.params.economy.labour_force_share
        crossing_jobs = self.crossing.job_share(self.population.residents, labour_share)
        self.population.update(
            self.closed_farmland(),
            crossing_jobs,
            self.extortion_layer(),
            self.extortion_stopped(),
            self.influence,
            self.security,
        )

    def closed_farmland(self) -> np.ndarray:
        """Military-zone farmland kept closed by the unit holding it (Masharii, [paper]) while
        its presence is what a closed zone needs; weakened or dispersed below it, the unit lets
        the farmers in (after drone attacks KH promised them access [paper, fn 40])."""
        return self.geo.military_zone if self.military_zone_held() else np.zeros(self.geo.shape, dtype=bool)

    def military_zone_held(self) -> bool:
        need = self.params.security.military_zone_min_fighters
        return any(m.holds_military_zone and m.presence() >= need for m in self.militias)

    def extortion_layer(self) -> np.ndarray:
        """Tribal extortion of shopkeepers per cell before policing: each tribe's extorting
        fighters in its home town (full at ``tribes.extortion_full_fighters``)."""
        full = self.params.tribes.extortion_full_fighters
        out = np.zeros(self.geo.shape)
        for t in self.tribes:
            out.ravel()[t.home_cells] += t.extorting_fighters / full
        return np.clip(out, 0.0, 1.0)

    def extortion_stopped(self) -> dict[int, np.ndarray]:
        """Share of tribal extortion each policing group stops per cell: within
        ``security.policing_radius_km`` of the base and checkpoints of a unit that arrests
        extorting tribesmen (Liwa al-Tafuf [paper, fn 35]), ``extortion_stopped_share`` times
        its presence over what policing needs (``policing_full_fighters``, at most 1)."""
        sec = self.params.security
        out: dict[int, np.ndarray] = {}
        for m in self.militias:
            if m.stops_tribal_extortion:
                layer = out.setdefault(m.group, np.zeros(self.geo.shape)).ravel()
                stopped = sec.extortion_stopped_share * min(1.0, m.presence() / sec.policing_full_fighters)
                reach = self.policing_reach(m.home, tuple(m.checkpoints), sec.policing_radius_km)
                layer[reach] = np.maximum(layer[reach], stopped)
        return out

    def policing_reach(self, home: Cell, checkpoints: tuple[Cell, ...], radius_km: float) -> np.ndarray:
        """Flat indices of the cells within ``radius_km`` of a base or its checkpoints (kept)."""
        key = (home, checkpoints, radius_km)
        if key not in self._policing_reach:
            disks = [self.geo.disk(ij, radius_km) for ij in (home, *checkpoints)]
            flat = [np.ravel_multi_index(d, self.geo.shape) for d in disks]
            self._policing_reach[key] = np.unique(np.concatenate(flat))
        return self._policing_reach[key]

    # -- observation -------------------------------------------------------------------
    def record(self) -> None:
        """Phase 8: the day's flows and the stocks at the end of the day; nothing is recorded
        during the spin-up, and the maps' running sums start with the calendar."""
        if self.day < 0:
            if self.day == -1:
                self.is_activity[:] = 0.0
            return
        t, inf = self.today, self.influence
        runs = self.runs
        assert runs is not None, "record() runs after the agents have acted"
        by_align = fighters_by_alignment(self.militias)
        for kind, on_kind in zip(ROUTE_KINDS, self.route_kind_masks, strict=True):
            t[f"smuggling_trips_{kind}"] = float(runs.trips[on_kind].sum())
            t[f"smuggling_value_{kind}"] = float(runs.value[on_kind].sum())
        t["interdictions"] += float(runs.interdictions.sum())
        t["bribes"] += float(runs.bribes.sum())
        self.route_trips += runs.trips
        t["smuggling_trips"] = float(runs.trips.sum())
        t["smuggling_trips_militia_run"] = float(self.smugglers.table.militia_run[runs.runners].sum())
        t["smuggling_value"] = float(runs.value.sum())
        closed = self.military_zone_cells if self.military_zone_held() else 0
        t.update(
            is_members=self.islamic_state.members,
            is_cells=int(self.islamic_state.table.alive.sum()),
            is_badia_members=self.islamic_state.crossings.badia,
            militia_fighters=by_align["irgc"] + by_align["najaf"],
            militia_fighters_irgc=by_align["irgc"],
            militia_fighters_najaf=by_align["najaf"],
            militia_materiel=sum(m.materiel for m in self.militias),
            state_fighters=sum(u.fighters for u in self.state_forces),
            tribal_fighters=sum(u.fighters for u in self.tribes),
            escalation=self.air.escalation,
            state_control_share=inf.share(STATE_GROUPS, self.strip_cells),
            militia_control_share=inf.share(MILITIA_GROUPS, self.road_cells),
            is_control_share=inf.share(G["is"], self.desert_cells),
            displaced_share=self.population.displaced_share(),
            mean_grievance=self.population.mean_grievance(),
            disaffection_with_irgc=self.population.disaffection_near(G["militia_irgc"], inf.presence),
            disaffection_with_najaf=self.population.disaffection_near(G["militia_najaf"], inf.presence),
            farmland_access=1.0 - closed / self.farmland_cells,
            employment=self.population.employed(),
            us_present=float(self.us.present),
            crossing_open=float(self.crossing.open),
            tribes_extorting=float(sum(tr.extorting_fighters / max(tr.fighters, 1.0) for tr in self.tribes)),
            border_detection=float(self.detection.ravel()[self.strip_cells].mean()),
        )
        t.update({unit_column(u.name): u.fighters for u in self.force_units})
        self.recorder.record(self.day, t)

    def _border_strip(self) -> np.ndarray:
        """Cells within ``border_strip_km`` of the border (where sovereignty is measured)."""
        km = distance_transform_edt(~self.geo.border) * self.geo.transform.cell_km
        return km <= self.params.influence.border_strip_km

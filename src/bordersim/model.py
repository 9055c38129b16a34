"""The border-zone model: a Mesa model whose ``step`` is the daily schedule of MODEL.md 3."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import numpy as np
from mesa import Model
from mesa.discrete_space import OrthogonalMooreGrid
from scipy.ndimage import distance_transform_edt

from bordersim import config
from bordersim import encounters as clashes
from bordersim.events import scenarios
from bordersim.actors.militia import Militia, fighters_by_alignment
from bordersim.actors.smuggler import run_day
from bordersim.actors.state import StateForce
from bordersim.actors.tribe import Tribe
from bordersim.world.economy import Crossing, RouteNetwork, settle_finances
from bordersim.world.geography import ROUTE_KINDS, TERRAIN, rasterise
from bordersim.world.influence import MILITIA_GROUPS, STATE_GROUPS, G, InfluenceField, spread_points
from bordersim.metrics import DailyRecorder, new_day
from bordersim.actors.orbat import build_forces
from bordersim.actors.outside import IRGCLogistics, USPresence
from bordersim.world.population import Population
from bordersim.events.strikes import AirWar

logging.getLogger("MESA").setLevel(logging.WARNING)
VIOLENCE_RADIUS_KM = 2.0


class BorderModel(Model):
    """The Qa'im-Bukamal border zone: geography, five agent families, outside actors, scenarios.

    Build it from a resolved config (see :func:`bordersim.config.resolve`) or from
    ``None`` for the shipped defaults; keyword arguments override top-level keys.
    """

    def __init__(self, cfg: dict | None = None, **overrides: Any) -> None:
        cfg = config.resolve(cfg if cfg is not None else config.compose_config())
        cfg = config.resolve({**cfg, **overrides}) if overrides else cfg
        super().__init__(rng=int(cfg["seed"]))
        self.config, self.params, self.forces = cfg, cfg["params"], cfg["forces"]
        self.start_date = date.fromisoformat(str(cfg["start_date"]))
        self.days, self.agent_scale = int(cfg["days"]), float(cfg["agent_scale"])
        self.geo = rasterise(cfg["geography"], float(cfg["cell_km"]))
        self.grid = OrthogonalMooreGrid(self.geo.shape, torus=False, capacity=None, random=self.random)
        self._disks: dict[float, np.ndarray] = {}
        self.today = new_day()
        self.fired_events: list[dict] = []
        self.population = Population(self)
        self.influence = InfluenceField(self.geo.shape, self.geo.transform.cell_km, self.params["influence"])
        self.us = USPresence(self.geo, self.forces, self.params, self.disk)
        build_forces(self)
        self.routes = RouteNetwork(self.geo, self.militias, self.params)
        self.crossing = Crossing(self.geo, self.params)
        self.irgc = IRGCLogistics(self.geo, self.forces, self.params)
        self.air = AirWar.from_params(self.params)
        self._events = scenarios.schedule(self, cfg["scenario"])
        self.recorder = DailyRecorder(self.days, self.start_date)
        self.is_activity = np.zeros(self.geo.shape)
        self.route_trips = np.zeros(len(self.geo.routes))
        self.border_strip = self._border_strip()
        self.refresh_security()

    # -- the daily schedule (MODEL.md 3) ------------------------------------------------
    def step(self) -> None:
        """One day. Scenario events due today have already fired at dawn (phase 1)."""
        self.today = new_day()
        self.air.strike_day(self)  # 2. strikes
        self.refresh_security()  # 3. influence, control, detection
        self.population.update()  # 4. grievance, displacement, recruit pool
        self.agents_act()  # 5-6. agents act; encounters resolve as they meet
        settle_finances(self)  # 7. incomes, pay, recruitment
        self.record()  # 8. the day's metrics

    def agents_act(self) -> None:
        """Smugglers and convoys move, IS cells act, then militias, state forces, tribes."""
        route_day = self.routes.day(
            self.detection, self.corruption, self.influence.control, self.crossing.open
        )
        self.runs = run_day(self, route_day)
        self.irgc.move_convoys(self)
        self.islamic_state.act(self.runs)
        self.agents_by_type[Militia].shuffle_do("step")
        self.agents_by_type[StateForce].shuffle_do("step")
        self.agents_by_type[Tribe].shuffle_do("step")
        self.today["legal_trade_trucks"], self.today["legal_trade_value"] = self.crossing.trade_day(self)

    def run(self) -> None:
        """Run the configured number of days."""
        self.run_for(self.days)

    # -- calendar ----------------------------------------------------------------------
    @property
    def day(self) -> int:
        """Index of the day being simulated (0 on the first day)."""
        return max(int(self.steps) - 1, 0)

    @property
    def date(self) -> date:
        return self.start_date + timedelta(days=self.day)

    def day_of(self, at: Any, key: str) -> int:
        return scenarios.day_of(at, self.start_date, self.days, key)

    # -- shared spatial services ---------------------------------------------------------
    def refresh_security(self) -> None:
        """Phase 3: presence and control of every group, detection and corruption maps."""
        units = [*self.militias, *self.state_forces, *self.tribes]
        is_i, is_j, is_members = self.islamic_state.deposit()
        self.influence.update(
            np.r_[[u.group for u in units], np.full(is_i.size, G["is"])],
            np.r_[[u.cell.coordinate[0] for u in units], is_i],
            np.r_[[u.cell.coordinate[1] for u in units], is_j],
            np.r_[[u.presence() for u in units], is_members],
        )
        self.security = self.influence.security()
        self.detection, self.corruption = self.state_watch()
        militia = self.influence.presence[list(MILITIA_GROUPS)].sum(axis=0)
        self.militia_watch = 1.0 - np.exp(-militia / self.params["economy"]["detect_scale"])
        self.is_activity += self.influence.presence[G["is"]]

    def state_watch(self) -> tuple[np.ndarray, np.ndarray]:
        """Detection 1 - (1 - p_state)(1 - p_isr * cover) and the corruption of who watches."""
        shape, econ = self.geo.shape, self.params["economy"]
        i, j = np.array([u.cell.coordinate for u in self.state_forces]).T
        eyes = np.array([u.detection * u.fighters for u in self.state_forces])
        bribable = eyes * np.array([u.corruption for u in self.state_forces])
        radius, cell_km = self.params["influence"]["radius_km"]["state_iraq"], self.geo.transform.cell_km
        watch = spread_points(shape, i, j, eyes, radius, cell_km)
        bent = spread_points(shape, i, j, bribable, radius, cell_km)
        corruption = np.divide(bent, watch, out=np.zeros(shape), where=watch > 1e-9)
        p_state = 1.0 - np.exp(-watch / econ["detect_scale"])
        return 1.0 - (1.0 - p_state) * (1.0 - self.us.isr()), corruption

    def detection_at(self, ij: tuple[int, int]) -> float:
        return float(self.detection[ij])

    def disk(self, ij: tuple[int, int], radius_km: float) -> tuple[np.ndarray, np.ndarray]:
        """Index arrays of the cells within ``radius_km`` of ``ij``."""
        if radius_km not in self._disks:
            r = radius_km / self.geo.transform.cell_km
            k = int(np.ceil(r))
            di, dj = np.mgrid[-k : k + 1, -k : k + 1]
            inside = di**2 + dj**2 <= r**2
            self._disks[radius_km] = np.stack([di[inside], dj[inside]])
        off = self._disks[radius_km]
        i, j = off[0] + ij[0], off[1] + ij[1]
        keep = self.geo.transform.contains(i, j)
        return i[keep], j[keep]

    def jitter(self, ij: tuple[int, int], radius_km: float, same_country: bool = False) -> tuple[int, int]:
        """A random land cell near ``ij`` (in the same country if asked)."""
        i, j = self.disk(ij, radius_km)
        ok = self.geo.terrain[i, j] != TERRAIN["river"]
        if same_country:
            ok &= self.geo.country[i, j] == self.geo.country[ij]
        if not ok.any():
            return ij
        k = int(self.rng.choice(np.flatnonzero(ok)))
        return int(i[k]), int(j[k])

    def record_violence(self, ij: tuple[int, int], intensity: float) -> None:
        self.population.violence[self.disk(ij, VIOLENCE_RADIUS_KM)] += intensity

    def closed_farmland(self) -> np.ndarray:
        """Military-zone farmland kept closed by a unit holding it (Masharii, [paper])."""
        held = any(m.holds_military_zone and m.fighters >= 10 for m in self.militias)
        return self.geo.military_zone if held else np.zeros(self.geo.shape, dtype=bool)

    def extortion_layer(self) -> np.ndarray:
        out = np.zeros(self.geo.shape)
        for t in self.tribes:
            if t.extorting:
                out.ravel()[t.home_cells] = 1.0
        return out

    # -- encounters ----------------------------------------------------------------------
    def fight(self, attacker: float, defender: float, ij: tuple[int, int], sec: dict) -> tuple[int, int]:
        """Resolve a clash at ``ij``; record casualties, violence and civilian harm."""
        factor = clashes.terrain_factor(int(self.geo.terrain[ij]), sec)
        lost, killed = clashes.engage(attacker, defender, sec["lanchester_rate"], factor, self.rng)
        self.today["clash_casualties"] += lost + killed
        self.record_violence(ij, 0.5)
        if self.population.residents[ij] > 1 and self.rng.random() < sec["civilians_per_clash_prob"]:
            harmed = int(self.rng.poisson(0.5 * (lost + killed)))
            self.population.harm[ij] += harmed
            self.today["civilian_harm"] += harmed
        return lost, killed

    def islamic_state_attack(self, cell: Any) -> None:
        """An IS cell attacks the weakest unit in reach; tribes within their defence radius
        join the defence in proportion to their allegiance."""
        p, sec = self.params["islamic_state"], self.params["security"]
        r = p["attack_radius_km"] / self.geo.transform.cell_km
        ij = cell.ij
        targets = [
            u for u in (*self.militias, *self.state_forces, *self.tribes)
            if u.fighters >= 1 and np.hypot(u.cell.coordinate[0] - ij[0], u.cell.coordinate[1] - ij[1]) <= r
        ]  # fmt: skip
        if not targets:
            return
        target = min(targets, key=lambda u: u.fighters)
        at = target.cell.coordinate
        reach = self.params["tribes"]["defend_radius_km"] / self.geo.transform.cell_km
        helpers = [
            t
            for t in self.tribes
            if t is not target
            and np.hypot(at[0] - t.cell.coordinate[0], at[1] - t.cell.coordinate[1]) <= reach
        ]
        sides = [(target, min(target.fighters, 4 * cell.members))]
        sides += [(t, min(t.fighters, 2 * cell.members) * t.allegiance) for t in helpers]
        defence = sum(n for _, n in sides)
        lost, killed = self.fight(cell.members, defence, at, sec)
        self.today["is_attacks"] += 1
        for unit, n in sides:
            unit.lose(killed * n / defence)
        cell.lose(lost)

    # -- observation -------------------------------------------------------------------
    def record(self) -> None:
        t, geo, inf = self.today, self.geo, self.influence
        by_align = fighters_by_alignment(self.militias)
        for name in ("trips", "value", "interdictions", "bribes"):
            per_route = self.runs[name]
            for k, kind in enumerate(ROUTE_KINDS):
                if name in ("trips", "value"):
                    t[f"smuggling_{name}_{kind}"] = float(per_route[self.routes.kind == k].sum())
            if name in ("interdictions", "bribes"):
                t[name] += float(per_route.sum())
        self.route_trips += self.runs["trips"]
        t["smuggling_trips"] = float(self.runs["trips"].sum())
        t["smuggling_value"] = float(self.runs["value"].sum())
        strip = self.border_strip
        t.update(
            is_members=self.islamic_state.members,
            is_cells=int(self.islamic_state.table.alive.sum()),
            militia_fighters=by_align["irgc"] + by_align["najaf"],
            militia_fighters_irgc=by_align["irgc"],
            militia_fighters_najaf=by_align["najaf"],
            state_fighters=sum(u.fighters for u in self.state_forces),
            tribal_fighters=sum(u.fighters for u in self.tribes),
            escalation=self.air.escalation,
            state_control_share=inf.share(STATE_GROUPS, strip),
            militia_control_share=inf.share(MILITIA_GROUPS, geo.road >= 0),
            is_control_share=inf.share(G["is"], geo.terrain == TERRAIN["desert"]),
            displaced_share=self.population.displaced_share(),
            mean_grievance=self.population.mean_grievance(),
            farmland_access=1.0
            - self.closed_farmland().sum() / max((geo.terrain == TERRAIN["farmland"]).sum(), 1),
            employment=self.crossing.jobs,
            us_present=float(self.us.present),
            crossing_open=float(self.crossing.open),
            tribes_extorting=float(sum(tr.extorting for tr in self.tribes)),
            border_detection=float(self.detection[strip].mean()),
        )
        self.recorder.record(self.day, t)

    def _border_strip(self) -> np.ndarray:
        """Cells within ``border_strip_km`` of the border (where sovereignty is measured)."""
        km = distance_transform_edt(~self.geo.border) * self.geo.transform.cell_km
        return km <= self.params["influence"]["border_strip_km"]

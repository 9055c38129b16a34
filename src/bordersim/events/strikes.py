"""Strikes (MODEL.md 7.6): air campaigns against IRGC-aligned militia targets, their
losses, civilian harm (Bennett), dispersal, retaliation and the escalation index.

A campaign has an actor, a rate of waves (or dated waves from the scenario calendar), sites
per wave, effectiveness (share of the fighters at a site killed, and of its materiel
destroyed) and accuracy (collateral radius and the chance civilians are harmed). Targets are
drawn by visibility and value, weighted by the target mix. Each strike may draw militia
retaliation against US positions, which may draw a US counter-strike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bordersim.actors.militia import Militia, nearest
from bordersim.actors.outside import Convoy
from bordersim.params import StrikeParams, TargetKinds

if TYPE_CHECKING:
    from bordersim.model import BorderModel

TARGET_KINDS = tuple(f.name for f in dataclasses.fields(TargetKinds))


@dataclass
class AirCampaign:
    """A campaign of strike waves: who strikes, how often and how well."""

    actor: str
    rate_per_week: float
    sites_per_wave: int
    effectiveness: float
    collateral_radius_km: float
    civilian_harm_prob: float
    target_mix: dict[str, float]
    start_day: int | None = None  # None: from the first day of the spin-up
    end_day: int | None = None

    def active(self, day: int) -> bool:
        started = self.start_day is None or day >= self.start_day
        return started and (self.end_day is None or day < self.end_day)


@dataclass
class Target:
    """A site a wave may strike: its kind, the unit (or convoy) there, its cell and weight."""

    kind: str
    unit: Militia | Convoy
    ij: tuple[int, int]
    weight: float


@dataclass
class AirWar:
    """All campaigns over the zone, with the escalation they drive."""

    campaigns: list[AirCampaign]
    escalation: float = 0.0
    log: list[dict] = field(default_factory=list)
    pending_counter: int = 0
    queued: list[tuple[AirCampaign, list[str], str]] = field(default_factory=list)

    @classmethod
    def from_params(cls, s: StrikeParams) -> AirWar:
        background = AirCampaign(
            actor="unattributed",
            rate_per_week=s.background_rate_per_week,
            sites_per_wave=s.background_sites_per_wave,
            effectiveness=s.effectiveness,
            collateral_radius_km=s.collateral_radius_km,
            civilian_harm_prob=s.civilian_harm_prob,
            target_mix=dataclasses.asdict(s.target_mix_weight),
        )
        return cls(campaigns=[background])

    def queue_wave(self, c: AirCampaign, places: list[str], units: str = "") -> None:
        """A dated wave on named places, flown in today's strike phase."""
        self.queued.append((c, places, units))

    def strike_day(self, model: BorderModel) -> None:
        """Fly today's dated waves, waves of every active campaign and any counter-strike owed."""
        for c, places, units in self.queued:
            self.wave(model, c, places=places, units=units)
        self.queued = []
        for c in self.campaigns:
            grounded = c.actor == "us" and not model.us.air_power
            if c.active(model.day) and c.rate_per_week > 0 and not grounded:
                for _ in range(model.streams.strikes.poisson(c.rate_per_week / 7.0)):
                    self.wave(model, c)
        owed, self.pending_counter = self.pending_counter, 0
        if owed and model.us.air_power:
            counter = self.campaigns[0]
            self.wave(model, AirCampaign(**{**counter.__dict__, "actor": "us"}), n_sites=owed)
        s = model.params.strikes
        self.escalation = (
            s.escalation_decay * self.escalation + model.today["strikes"] + model.today["retaliations"]
        )

    def wave(
        self,
        model: BorderModel,
        c: AirCampaign,
        n_sites: int | None = None,
        places: list[str] | None = None,
        units: str = "",
    ) -> None:
        """One wave: pick sites (or strike the named places) and resolve each strike."""
        if places:
            targets = self.targets_at(model, places, units)
        else:
            targets = self.pick_targets(model, c, n_sites or c.sites_per_wave)
        for target in targets:
            self.hit(model, c, target)

    def candidates(self, model: BorderModel, mix: dict[str, float]) -> list[Target]:
        """Every site an air campaign could strike, weighted by the campaign's target mix,
        the site's worth and how visible it is."""
        s = model.params.strikes
        worth = s.site_value
        out = []
        for m in model.militias:
            if m.alignment != "irgc" or m.fighters < 1:
                continue
            seen = s.dispersed_visibility_share if m.dispersed else 1.0
            out.append(Target("base", m, m.ij, mix.get("base", 0) * seen * m.fighters))
            for cp in m.checkpoints:
                weight = mix.get("checkpoint", 0) * m.checkpoint_staffing * worth.checkpoint
                out.append(Target("checkpoint", m, cp, weight))
        for name, info in model.geo.place_info.items():
            owner = (
                nearest(model.militias, model.geo.places[name], "irgc")
                if info.get("kind") == "depot"
                else None
            )
            if owner is not None and owner.fighters >= 1:
                out.append(Target("depot", owner, model.geo.places[name], mix.get("depot", 0) * worth.depot))
        for convoy in model.irgc.in_transit:
            out.append(Target("convoy", convoy, convoy.ij, mix.get("convoy", 0) * worth.convoy))
        return [t for t in out if t.weight > 0]

    def pick_targets(self, model: BorderModel, c: AirCampaign, n: int) -> list[Target]:
        pool = self.candidates(model, c.target_mix)
        if not pool:
            return []
        w = np.array([t.weight for t in pool])
        k = min(n, len(pool))
        picks = model.streams.strikes.choice(len(pool), size=k, replace=False, p=w / w.sum())
        return [pool[i] for i in picks]

    def targets_at(self, model: BorderModel, places: list[str], units: str = "") -> list[Target]:
        """Named sites of a dated wave: the IRGC-aligned unit (whose name contains ``units``)
        nearest each place."""
        out = []
        pool = [m for m in model.militias if units in m.name]
        for name in places:
            ij = model.geo.cell_of(name, "scenario strike_wave sites")
            unit = nearest(pool, ij, "irgc")
            kind = "depot" if model.geo.place_info.get(name, {}).get("kind") == "depot" else "base"
            if unit is not None:
                out.append(Target(kind, unit, ij, 1.0))
        return out

    def hit(self, model: BorderModel, c: AirCampaign, target: Target) -> None:
        """Resolve one strike: losses, civilian harm, dispersal, retaliation."""
        s = model.params.strikes
        exposed = getattr(s.fighters_at_site, target.kind)
        materiel = (
            c.effectiveness * s.materiel_share * (s.depot_materiel_factor if target.kind == "depot" else 1.0)
        )
        killed = model.encounters.air_strike(target.unit, exposed, c.effectiveness, materiel)
        harmed = self.civilian_harm(model, c, target.ij)
        if isinstance(target.unit, Militia):
            target.unit.struck()
        model.population.add_violence(target.ij, model.params.population.violence_per_strike)
        model.today["strikes"] += 1
        model.today["strike_casualties"] += killed
        if model.day >= 0:  # the log covers the recorded calendar
            self.log_strike(model, c, target, killed, harmed)
        self.retaliate(model)

    def log_strike(
        self, model: BorderModel, c: AirCampaign, target: Target, killed: int, harmed: int
    ) -> None:
        lat, lon = model.geo.transform.to_latlon(*target.ij)
        self.log.append(
            {
                "day": model.day,
                "date": str(model.date),
                "actor": c.actor,
                "target": target.kind,
                "unit": target.unit.name,
                "lat": float(lat),
                "lon": float(lon),
                "killed": killed,
                "civilians_harmed": harmed,
            }
        )

    def civilian_harm(self, model: BorderModel, c: AirCampaign, ij: tuple[int, int]) -> int:
        """Civilians harmed by a strike (Bennett): a share of the residents in its radius."""
        if model.streams.strikes.random() >= c.civilian_harm_prob:
            return 0
        near = model.geo.disk(ij, c.collateral_radius_km)
        residents = model.population.residents[near].sum()
        share = model.params.strikes.harmed_per_resident_share
        harmed = int(model.streams.strikes.binomial(int(residents), share))
        model.encounters.harm_civilians(ij, harmed)
        return harmed

    def retaliate(self, model: BorderModel) -> None:
        """Militias may answer a strike against US positions; the US may strike back."""
        s = model.params.strikes
        p = s.retaliation_base_prob + s.retaliation_per_escalation * self.escalation
        if not model.us.present:
            p *= s.us_absent_retaliation_share
        if model.streams.strikes.random() < min(p, 1.0):
            model.today["retaliations"] += 1
            if model.streams.strikes.random() < s.counter_strike_prob:
                self.pending_counter += 1

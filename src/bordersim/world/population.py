"""Population (MODEL.md 7.2): residents, displacement, grievance and IS recruitment,
vectorised over the cell layers.

Hardship per cell combines lost livelihood (farmland closed by a militia military zone),
unemployment, sectarian friction with IRGC-aligned militias (weaker for the Najaf-aligned
Tafuf) and extortion; grievance relaxes toward it, and civilian harm adds anger by Bennett's
rule anger += a * harmed * (1 - anger). Residents become eligible IS recruits by Epstein's
rule G - R*P > T with G = grievance * (1 - legitimacy of the controlling group), risk
aversion R ~ U(0, 1) across residents and P = 1 - exp(-k * security / (IS presence + 1)).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer

from bordersim.params import RENAMED, Params, PopulationParams
from bordersim.world.geography import TERRAIN, Geography
from bordersim.world.influence import GROUPS, G, InfluenceField, spread, spread_points

LAYERS = (
    "residents",
    "displaced",
    "grievance",
    "livelihood",
    "unemployment",
    "extortion",
    "harm",
    "violence",
)


def arrest_probability(ratio: np.ndarray, k: float, form: str) -> np.ndarray:
    """Epstein's estimated arrest probability from the security-to-IS ratio."""
    if form == "floor":
        ratio = np.floor(ratio)
    elif form == "round":
        ratio = np.round(ratio)
    return 1.0 - np.exp(-k * ratio)


def eligible_share(grievance: np.ndarray, arrest: np.ndarray, threshold: float) -> np.ndarray:
    """Share of residents with G - R*P > T when R ~ U(0, 1): P(R < (G - T) / P)."""
    excess = grievance - threshold
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(arrest > 0, excess / arrest, np.where(excess > 0, 1.0, 0.0))
    return np.clip(share, 0.0, 1.0)


def bennett_anger(grievance: np.ndarray, harmed_share: np.ndarray, a: float) -> np.ndarray:
    """Bennett (2008): anger += a * harmed * (1 - anger)."""
    return grievance + a * np.clip(harmed_share, 0.0, 1.0) * (1.0 - grievance)


class Population:
    """Cell layers of the people of the zone (Mesa PropertyLayers on the model's grid)."""

    def __init__(self, geo: Geography, grid: OrthogonalMooreGrid, params: Params) -> None:
        self.geo = geo
        self.params = params  # read daily: a scenario may change them
        p = params.population
        for name in LAYERS:
            grid.add_property_layer(PropertyLayer(name, geo.shape, 0.0, float))
        self.layer = {name: grid._mesa_property_layers[name].data for name in LAYERS}
        prewar = geo.town_population
        self.layer["displaced"][:] = prewar * p.initial_displaced_share
        self.layer["residents"][:] = prewar - self.layer["displaced"]
        self.layer["livelihood"][:] = 1.0
        self.layer["unemployment"][:] = p.initial_unemployment_share
        self.layer["grievance"][:] = self.hardship(np.zeros(geo.shape))
        legitimacy = dataclasses.asdict(p.legitimacy)
        self.legitimacy = np.array(
            [legitimacy[RENAMED.get(g, g)] for g in GROUPS] + [p.legitimacy.contested] * 2
        )
        self.recruit_pool = np.zeros(geo.shape)
        self.arrest = np.zeros(geo.shape)
        self._closed: np.ndarray | None = None
        farmland = (geo.terrain == TERRAIN["farmland"]).astype(float)
        self.livelihood_reach = spread(farmland, p.livelihood_radius_km, geo.transform.cell_km)

    @property
    def residents(self) -> np.ndarray:
        return self.layer["residents"]

    @property
    def displaced(self) -> np.ndarray:
        return self.layer["displaced"]

    @property
    def grievance(self) -> np.ndarray:
        return self.layer["grievance"]

    @property
    def harm(self) -> np.ndarray:
        """Civilians harmed today per cell (read and cleared by the daily update)."""
        return self.layer["harm"]

    @property
    def violence(self) -> np.ndarray:
        """Remembered violence per cell (drives displacement)."""
        return self.layer["violence"]

    def add_violence(self, ij: tuple[int, int], intensity: float) -> None:
        """A clash or strike at ``ij`` adds violence to the cells in reach."""
        self.layer["violence"][self.geo.disk(ij, self.params.population.violence_radius_km)] += intensity

    def hardship(self, friction: np.ndarray) -> np.ndarray:
        w = self.params.population.hardship_weight
        h = (
            w.livelihood * (1.0 - self.layer["livelihood"])
            + w.unemployment * self.layer["unemployment"]
            + w.friction * friction
            + w.extortion * self.layer["extortion"]
        )
        return np.clip(h, 0.0, 1.0)

    def update(
        self,
        closed_farmland: np.ndarray,
        unemployment: np.ndarray,
        extortion: np.ndarray,
        influence: InfluenceField,
        security: np.ndarray,
    ) -> None:
        """One day: livelihood, unemployment, friction, grievance, displacement, recruits."""
        p = self.params.population
        cell_km = self.geo.transform.cell_km
        if self._closed is None or not np.array_equal(closed_farmland, self._closed):
            self.layer["livelihood"][:] = self.livelihood(closed_farmland)
            self._closed = closed_farmland
        self.layer["unemployment"][:] = unemployment
        self.layer["extortion"][:] = extortion
        friction = self.friction(influence.presence, p)
        g = self.layer["grievance"]
        g += p.grievance_rate * (self.hardship(friction) - g)
        hi, hj = np.nonzero(self.layer["harm"])
        harm = spread_points(self.geo.shape, hi, hj, self.layer["harm"][hi, hj], p.harm_radius_km, cell_km)
        people = self.layer["residents"] + 1.0
        g[:] = bennett_anger(g, harm / people, p.bennett_anger)
        self.layer["harm"][:] = 0.0
        self.displace_and_return(p)
        self.update_recruit_pool(p, influence, security)

    def livelihood(self, closed: np.ndarray) -> np.ndarray:
        """Share of livelihood left: farmland closed in reach cuts the farming share."""
        p = self.params.population
        cut = spread(closed.astype(float), p.livelihood_radius_km, self.geo.transform.cell_km)
        closed_share = np.divide(
            cut, self.livelihood_reach, out=np.zeros_like(cut), where=self.livelihood_reach > 1e-9
        )
        return 1.0 - p.farmland_dependence_share * np.clip(closed_share, 0.0, 1.0)

    def friction(self, presence: np.ndarray, p: PopulationParams) -> np.ndarray:
        """Sectarian friction from Shia militia presence in this Sunni area (P7)."""
        shia = presence[G["militia_irgc"]] + p.najaf_friction_share * presence[G["militia_najaf"]]
        return np.clip(shia / p.friction_scale, 0.0, 1.0)

    def displace_and_return(self, p: PopulationParams) -> None:
        v = self.layer["violence"]
        res, dis = self.layer["residents"], self.layer["displaced"]
        leaving = res * np.clip(p.p_displace * v, 0.0, 1.0)
        safe = self.layer["livelihood"] * (1.0 - np.clip(v, 0.0, 1.0))
        returning = dis * p.p_return * safe
        res += returning - leaving
        dis += leaving - returning
        v *= p.violence_decay

    def update_recruit_pool(
        self, p: PopulationParams, influence: InfluenceField, security: np.ndarray
    ) -> None:
        """Eligible residents within a recruiting cell's reach (Epstein's rule); eligibility
        is worked out only where people live (elsewhere nobody is eligible)."""
        ratio = security / (influence.presence[G["is"]] + 1.0)
        self.arrest = arrest_probability(ratio, p.epstein_k, p.arrest_function)
        lived = np.flatnonzero(self.layer["residents"])
        felt = self.layer["grievance"].flat[lived] * (1.0 - self.legitimacy[influence.control.flat[lived]])
        share = eligible_share(felt, self.arrest.flat[lived], p.epstein_threshold)
        eligible = np.zeros(self.geo.shape)
        eligible.flat[lived] = self.layer["residents"].flat[lived] * share
        cell_km = self.geo.transform.cell_km
        sigma = p.recruit_radius_km / cell_km
        self.recruit_pool = spread(eligible, p.recruit_radius_km, cell_km) * (2 * np.pi * sigma**2)

    def displaced_share(self) -> float:
        total = self.layer["residents"].sum() + self.layer["displaced"].sum()
        return float(self.layer["displaced"].sum() / total) if total > 0 else 0.0

    def disaffection_near(self, group: int, presence: np.ndarray) -> float:
        """Disaffection with a group among the residents who live with it: grievance times
        (1 - the group's legitimacy) (Epstein's G), weighted by residents times the group's
        presence (P7); NaN when the group lives among nobody."""
        weight = self.layer["residents"] * presence[group]
        if weight.sum() <= 0.0:
            return float("nan")
        return float((self.layer["grievance"] * weight).sum() / weight.sum() * (1.0 - self.legitimacy[group]))

    def mean_grievance(self) -> float:
        res = self.layer["residents"]
        return float((self.layer["grievance"] * res).sum() / max(res.sum(), 1.0))

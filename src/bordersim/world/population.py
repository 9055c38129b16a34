"""Population (MODEL.md 7.2): residents, work, displacement and return, grievance and IS
recruitment, vectorised over the cell layers.

Hardship per cell combines lost livelihood (farmland closed by a militia military zone),
unemployment (the labour force not farming open land, on public pay, in commerce, at the
quarries or at the crossing), sectarian friction with Shia militias and tribal extortion;
grievance relaxes toward it. Civilian harm angers the harmed people's kin and neighbours in
reach by Bennett's rule anger += a * (1 - anger) for each angered resident. Residents leave
with violence and hardship and return when safe, with work and a home to return to, unless
barred for perceived IS affiliation. Residents become eligible IS recruits by Epstein's rule
G - R*P > T with G = grievance * (1 - legitimacy of the controlling group), risk aversion
R ~ U(0, 1) across residents and P = 1 - exp(-k * security / (IS presence + 1)).

People move between the residents and the displaced of a cell, never between cells, so the
peopled cells (the towns: a few hundred of the grid's ten thousand) are fixed when the model is
built; the daily update and the people's daily metrics work on them alone (``Population.lived``),
and the layers keep their first values where nobody lives.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer
from scipy.ndimage import correlate1d

from bordersim.params import RENAMED, Params, PopulationParams
from bordersim.world.geography import IRAQ, TERRAIN, Geography
from bordersim.world.influence import GROUPS, G, InfluenceField, gaussian_weights, kernel_by_offset, spread

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

#: The whole grid, as the ``cells`` argument of the per-cell rules (else flat indices of cells).
ALL = slice(None)
Cells = slice | np.ndarray


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
        self._open: tuple[float, np.ndarray, np.ndarray] | None = None  # radius, closed, open share
        prewar = geo.town_population
        self.lived = np.flatnonzero(prewar > 0)
        self.lived_i, lived_j = np.unravel_index(self.lived, geo.shape)
        self.lived_columns, self.lived_column = np.unique(lived_j, return_inverse=True)
        self.layer["displaced"][:] = prewar * p.initial_displaced_share
        self.layer["residents"][:] = prewar - self.layer["displaced"]
        farmland = (geo.terrain == TERRAIN["farmland"]).astype(float)
        self.livelihood_reach = spread(farmland, p.livelihood_radius_km, geo.transform.cell_km)
        self.quarry_towns = (geo.country == IRAQ) & (prewar > 0)
        self.layer["livelihood"][:] = 1.0
        nothing_closed = np.zeros(geo.shape, dtype=bool)
        self.layer["unemployment"][:] = self.unemployment(nothing_closed, np.zeros(geo.shape))
        self.layer["grievance"][:] = self.hardship(np.zeros(geo.shape))
        legitimacy = dataclasses.asdict(p.legitimacy)
        self.legitimacy = np.array(
            [legitimacy[RENAMED.get(g, g)] for g in GROUPS] + [p.legitimacy.contested] * 2
        )
        self.eligible = np.zeros(self.lived.size)  # eligible recruits per peopled cell
        self.recruit_sigma = p.recruit_radius_km / geo.transform.cell_km
        self.eligible_down = np.zeros((geo.shape[0], self.lived_columns.size))
        self.security, self.is_presence = np.zeros(geo.shape), np.zeros(geo.shape)  # today's
        self.protected: dict[int, np.ndarray] = {}  # extortion each group stops, per cell
        self._closed: np.ndarray | None = None

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

    def at(self, layer: np.ndarray | str, cells: Cells = ALL) -> np.ndarray:
        """A layer (or a population layer by name) on ``cells``: the grid itself for ``ALL``,
        else its values at the flat indices."""
        grid = self.layer[layer] if isinstance(layer, str) else layer
        return grid if isinstance(cells, slice) else grid.ravel()[cells]

    def hardship(self, friction: np.ndarray, cells: Cells = ALL) -> np.ndarray:
        """Hardship on ``cells`` from lost livelihood, unemployment, ``friction`` and extortion."""
        w = self.params.population.hardship_weight
        h = (
            w.livelihood * (1.0 - self.at("livelihood", cells))
            + w.unemployment * self.at("unemployment", cells)
            + w.friction * friction
            + w.extortion * self.at("extortion", cells)
        )
        return np.clip(h, 0.0, 1.0)

    def update(
        self,
        closed_farmland: np.ndarray,
        crossing_jobs: np.ndarray,
        extortion: np.ndarray,
        protected: dict[int, np.ndarray],
        influence: InfluenceField,
        security: np.ndarray,
    ) -> None:
        """One day: livelihood, work, friction, grievance, anger, displacement, recruits.
        ``crossing_jobs`` is the share of each cell's labour force the crossing employs;
        ``extortion`` the tribal extortion of shopkeepers before policing, ``protected`` the
        share of it each policing group stops per cell."""
        p, cells = self.params.population, self.lived
        if self._closed is None or not np.array_equal(closed_farmland, self._closed):
            self.layer["livelihood"][:] = self.livelihood(closed_farmland)
            self._closed = closed_farmland
        self.put("unemployment", cells, self.unemployment(closed_farmland, crossing_jobs, cells))
        self.protected = protected
        stopped = np.maximum.reduce([*(self.at(s, cells) for s in protected.values()), np.zeros(cells.size)])
        self.put("extortion", cells, self.at(extortion, cells) * (1.0 - stopped))
        hardship = self.hardship(self.friction(influence.presence, p, cells), cells)
        g = self.at("grievance", cells)
        g += p.grievance_rate * (hardship - g)
        self.put("grievance", cells, bennett_anger(g, self.angered_share(cells), p.bennett_anger))
        self.layer["harm"][:] = 0.0
        self.displace_and_return(p, hardship, cells)
        self.update_recruit_pool(p, influence, security)

    def put(self, name: str, cells: Cells, values: np.ndarray) -> None:
        """Write a population layer's values on ``cells`` (as :meth:`at` reads them)."""
        self.layer[name].flat[cells] = values

    def angered_share(self, cells: Cells = ALL) -> np.ndarray:
        """Share of the residents of ``cells`` angered by the harm since the last update: each
        harmed civilian angers ``kin_per_harmed`` kin and neighbours, spread evenly over the
        residents within ``harm_radius_km`` of the incident; where nobody lives, nobody is."""
        p = self.params.population
        res, harm = self.layer["residents"], self.layer["harm"]
        share = np.zeros(self.geo.shape)
        for flat in np.flatnonzero(harm).tolist():  # the harmed cells, in grid order
            ij = divmod(flat, self.geo.shape[1])
            reach = self.geo.disk(ij, p.harm_radius_km)
            people = res[reach].sum()
            if people > 0:
                share[reach] += min(1.0, harm[ij] * p.kin_per_harmed / people)
        return np.where(self.at(res, cells) > 0, np.clip(self.at(share, cells), 0.0, 1.0), 0.0)

    def farmland_open_share(self, closed: np.ndarray) -> np.ndarray:
        """Share of the farmland in a town's reach that is open to its farmers (kept until the
        closed farmland or the reach changes; read-only)."""
        radius = self.params.population.livelihood_radius_km
        if self._open is not None and self._open[0] == radius and np.array_equal(closed, self._open[1]):
            return self._open[2]
        cut = spread(closed.astype(float), radius, self.geo.transform.cell_km)
        closed_share = np.divide(
            cut, self.livelihood_reach, out=np.zeros_like(cut), where=self.livelihood_reach > 1e-9
        )
        share = 1.0 - np.clip(closed_share, 0.0, 1.0)
        share.flags.writeable = False
        self._open = (radius, closed.copy(), share)
        return share

    def livelihood(self, closed: np.ndarray) -> np.ndarray:
        """Share of livelihood left: farmland closed in reach cuts the farming share."""
        farming = self.params.population.farmland_dependence_share
        return 1.0 - farming * (1.0 - self.farmland_open_share(closed))

    def employment(self, closed: np.ndarray, crossing_jobs: np.ndarray, cells: Cells = ALL) -> np.ndarray:
        """Share of the labour force of ``cells`` at work: farming the open farmland in reach,
        public pay, commerce, the Akashat quarries (their jobs shared over the labour force of
        the Iraqi towns) and the crossing (``crossing_jobs``, a grid layer)."""
        p = self.params.population
        labour = self.params.economy.labour_force_share * self.at("residents", cells)
        quarry_towns = self.at(self.quarry_towns, cells)
        quarry_labour = labour[quarry_towns].sum()
        quarry = min(1.0, p.work.quarry_jobs / quarry_labour) if quarry_labour > 0 else 0.0
        work = (
            p.farmland_dependence_share * self.at(self.farmland_open_share(closed), cells)
            + p.work.public_pay_share
            + p.work.commerce_share
            + np.where(quarry_towns, quarry, 0.0)
            + self.at(crossing_jobs, cells)
        )
        return np.clip(work, 0.0, 1.0)

    def unemployment(self, closed: np.ndarray, crossing_jobs: np.ndarray, cells: Cells = ALL) -> np.ndarray:
        return 1.0 - self.employment(closed, crossing_jobs, cells)

    def employed(self) -> float:
        """People at work in the zone."""
        labour = self.params.economy.labour_force_share * self.at("residents", self.lived)
        return float((labour * (1.0 - self.at("unemployment", self.lived))).sum())

    def friction(self, presence: np.ndarray, p: PopulationParams, cells: Cells = ALL) -> np.ndarray:
        """Sectarian friction on ``cells`` from Shia militia presence in this Sunni area, the
        same for IRGC- and Najaf-aligned units (P7 comes from what the units do, not from who
        they are)."""
        shia = self.at(presence[G["militia_irgc"]], cells) + self.at(presence[G["militia_najaf"]], cells)
        return np.clip(shia / p.friction_scale, 0.0, 1.0)

    def displace_and_return(self, p: PopulationParams, hardship: np.ndarray, cells: Cells = ALL) -> None:
        """Residents of ``cells`` leave with violence nearby and with ``hardship``; the
        displaced return when it is safe, with work and a home to return to, unless barred for
        perceived IS affiliation. Remembered violence fades everywhere."""
        res, dis = self.at("residents", cells), self.at("displaced", cells)
        leaving = res * np.clip(p.p_displace * self.at("violence", cells) + p.p_leave * hardship, 0.0, 1.0)
        returning = dis * np.clip(p.p_return * self.return_prospects(p, cells), 0.0, 1.0)
        self.put("residents", cells, res + (returning - leaving))
        self.put("displaced", cells, dis + (leaving - returning))
        self.layer["violence"][:] *= p.violence_decay

    def return_prospects(self, p: PopulationParams, cells: Cells = ALL) -> np.ndarray:
        """How far the barriers to return leave the way home open on ``cells``: safety (no
        remembered violence), work, a home (damaged homes are returned to less) and clearance."""
        safety = 1.0 - np.clip(self.at("violence", cells), 0.0, 1.0)
        work = 1.0 - self.at("unemployment", cells)
        home = 1.0 - p.housing_damaged_share * (1.0 - p.damaged_home_return_share)
        return safety * work * home * (1.0 - p.blocked_return_share)

    def update_recruit_pool(
        self, p: PopulationParams, influence: InfluenceField, security: np.ndarray
    ) -> None:
        """Eligible residents of every peopled cell (Epstein's rule) under today's security;
        elsewhere nobody is eligible. IS cells read the pool in their reach where they stand
        or look (:meth:`recruit_pool_at`), and the arrest risk where they strike (:meth:`arrest_at`)."""
        self.security, self.is_presence = security, influence.presence[G["is"]]
        lived = self.lived
        felt = self.at("grievance", lived) * (
            1.0 - self.controller_legitimacy(self.at(influence.control, lived), lived)
        )
        share = eligible_share(felt, self.arrest_at(lived), p.epstein_threshold)
        self.eligible = self.at("residents", lived) * share
        self.recruit_sigma = p.recruit_radius_km / self.geo.transform.cell_km
        by_column = np.zeros((self.geo.shape[0], self.lived_columns.size))
        by_column[self.lived_i, self.lived_column] = self.eligible
        self.eligible_down = correlate1d(
            by_column, gaussian_weights(self.recruit_sigma), axis=0, mode="constant"
        )

    def arrest_at(self, cells: np.ndarray) -> np.ndarray:
        """Epstein's estimated arrest probability on ``cells`` (flat indices) from today's
        security over the IS presence there."""
        p = self.params.population
        ratio = self.security.flat[cells] / (self.is_presence.flat[cells] + 1.0)
        return arrest_probability(ratio, p.epstein_k, p.arrest_function)

    def recruit_pool_at(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Eligible residents within a recruiting cell's reach of the cells ``(i, j)``: the
        eligible layer spread by the recruiting kernel (``recruit_radius_km``, as ``spread``
        does), times 2 pi sigma^2 so that one eligible resident on the cell itself counts about
        one. The first pass (down the few columns where people live) is made daily; the second
        only where the pool is read."""
        i, j = np.asarray(i), np.asarray(j)
        weight, centre = kernel_by_offset(self.recruit_sigma, max(self.geo.shape))
        across = weight[j.ravel()[:, None] - self.lived_columns[None, :] + centre]
        pool = (self.eligible_down[i.ravel()] * across).sum(axis=1) * (2 * np.pi * self.recruit_sigma**2)
        return pool.reshape(i.shape)

    def displaced_share(self) -> float:
        residents, displaced = self.at("residents", self.lived).sum(), self.at("displaced", self.lived).sum()
        total = residents + displaced
        return float(displaced / total) if total > 0 else 0.0

    def legitimacy_of(self, group: int, cells: Cells = ALL) -> np.ndarray:
        """A group's legitimacy in Sunni eyes on ``cells``: its standing, plus what it earns
        where it protects shopkeepers from extortion (``protection_legitimacy`` times the share
        it stops): residents accepted Tafuf, who arrested tribal blackmailers [paper, fn 35]."""
        stopped = self.at(self.protected[group], cells) if group in self.protected else 0.0
        earned = self.params.population.protection_legitimacy * stopped
        ones = np.ones(self.geo.shape if isinstance(cells, slice) else cells.size)
        return np.clip(self.legitimacy[group] + earned, 0.0, 1.0) * ones

    def controller_legitimacy(self, control: np.ndarray, cells: Cells = ALL) -> np.ndarray:
        """Legitimacy of the group controlling each of ``cells`` (``control``, their
        controllers; contested cells: ``contested``)."""
        out = self.legitimacy[control]
        for group in self.protected:
            mine = control == group
            out[mine] = self.legitimacy_of(group, cells)[mine]
        return out

    def disaffection_near(self, group: int, presence: np.ndarray) -> float:
        """Disaffection with a group among the residents who live with it: grievance times
        (1 - the group's legitimacy there) (Epstein's G), weighted by residents times the
        group's presence (P7); NaN when the group lives among nobody."""
        cells = self.lived
        weight = self.at("residents", cells) * self.at(presence[group], cells)
        total = weight.sum()
        if total <= 0.0:
            return float("nan")
        felt = self.at("grievance", cells) * (1.0 - self.legitimacy_of(group, cells))
        return float((felt * weight).sum() / total)

    def mean_grievance(self) -> float:
        residents = self.at("residents", self.lived)
        return float((self.at("grievance", self.lived) * residents).sum() / max(residents.sum(), 1.0))

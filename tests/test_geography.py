"""Geography (MODEL.md 2, Space): the geography file rasterised into a georeferenced grid.

The default file must put the sourced places on the right side of the border and of the
Euphrates, keep the Masharii military zone on farmland, and map cells to lat/lon and back;
a second file of the same shape must work without code changes.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

import bordersim
from bordersim.errors import ConfigError
from bordersim.world.geography import IRAQ, SECTORS, SYRIA, TERRAIN, rasterise


@pytest.fixture(scope="module")
def geo(default_config):
    return rasterise(default_config["geography"], default_config["cell_km"])


def test_cell_to_latlon_and_back_returns_the_same_cell(geo):
    rng = np.random.default_rng(0)
    i = rng.integers(0, geo.shape[0], 500)
    j = rng.integers(0, geo.shape[1], 500)
    lat, lon = geo.transform.to_latlon(i, j)
    back_i, back_j = geo.transform.to_cell(lat, lon)
    np.testing.assert_array_equal(back_i, i)
    np.testing.assert_array_equal(back_j, j)


def test_latlon_to_cell_and_back_lands_within_half_a_cell(geo):
    t = geo.transform
    lat, lon = 34.4523, 40.9185  # Abu Kamal
    i, j = t.to_cell(lat, lon)
    clat, clon = t.to_latlon(i, j)
    assert abs(clat - lat) * t.km_per_deg_lat <= t.cell_km / 2 + 1e-9
    assert abs(clon - lon) * t.km_per_deg_lon <= t.cell_km / 2 + 1e-9


def test_grid_index_grows_east_and_north(geo):
    lat0, lon0 = geo.transform.to_latlon(10, 10)
    lat_e, lon_e = geo.transform.to_latlon(11, 10)
    lat_n, lon_n = geo.transform.to_latlon(10, 11)
    assert lon_e > lon0 and lat_e == lat0
    assert lat_n > lat0 and lon_n == lon0


def test_grid_covers_the_extent_at_the_configured_cell_size(default_config):
    fine = rasterise(default_config["geography"], 0.5)
    coarse = rasterise(default_config["geography"], 1.0)
    # 0.5 deg lon x 91.9 km and 0.5 deg lat x 110.9 km: about 46 x 55 km
    assert fine.shape == (92, 111)
    assert coarse.shape == (46, 56)


@pytest.mark.parametrize(
    ("place", "country"),
    [
        ("abu_kamal", SYRIA),
        ("baghuz", SYRIA),
        ("as_susah", SYRIA),
        ("husaybah", IRAQ),
        ("karabla", IRAQ),
        ("al_qaim", IRAQ),
        ("rummana", IRAQ),
    ],
)
def test_places_land_on_their_country(geo, place, country):
    assert geo.country[geo.places[place]] == country


def test_the_euphrates_parts_the_regimes_shamiyya_from_the_sdfs_jazira_in_syria_only(geo):
    sector = {name: SECTORS[geo.sector[ij]] for name, ij in geo.places.items()}
    assert sector["abu_kamal"] == sector["badia_hideout"] == "shamiyya"
    assert sector["baghuz"] == sector["as_susah"] == "jazira"
    assert sector["husaybah"] == sector["rummana"] == "iraq"  # both banks in Iraq are Iraq's
    assert set(np.unique(geo.sector[geo.country == IRAQ])) == {SECTORS.index("iraq")}


def test_a_place_declared_on_the_wrong_bank_is_refused_naming_the_place(default_config):
    spec = copy.deepcopy(default_config["geography"])
    spec["places"]["baghuz"]["bank"] = "shamiyya"
    with pytest.raises(
        ConfigError, match="declared 'shamiyya' but lies on the jazira side of the river line"
    ) as err:
        rasterise(spec, 0.5)
    assert err.value.key == "geography.places.baghuz.bank"


@pytest.mark.parametrize("banks", [{"left": "jazira"}, {"left": "jazira", "right": "jazira"}])
def test_syria_banks_must_name_each_bank_once(default_config, banks):
    spec = copy.deepcopy(default_config["geography"])
    spec["river"]["syria_banks"] = banks
    with pytest.raises(ConfigError) as err:
        rasterise(spec, 0.5)
    assert err.value.key == "geography.river.syria_banks"


def test_border_passes_between_abu_kamal_and_husaybah(geo):
    (ai, aj), (hi, hj) = geo.places["abu_kamal"], geo.places["husaybah"]
    i = np.linspace(ai, hi, 50).round().astype(int)
    j = np.linspace(aj, hj, 50).round().astype(int)
    assert geo.border[i, j].any()


def test_masharii_military_zone_is_farmland_south_of_husaybah_and_karabla(geo):
    zone = geo.military_zone
    assert zone.sum() > 20
    assert (geo.terrain[zone] == TERRAIN["farmland"]).all()
    assert (geo.country[zone] == IRAQ).all()
    zone_j = np.nonzero(zone)[1]
    assert zone_j.max() <= max(geo.places["husaybah"][1], geo.places["karabla"][1])


def test_farmland_is_a_strip_along_the_river_and_most_of_the_zone_is_desert(geo):
    shares = {name: float((geo.terrain == code).mean()) for name, code in TERRAIN.items()}
    assert shares["desert"] > 0.5
    assert 0.05 < shares["farmland"] < 0.35
    assert shares["river"] > 0


def test_towns_are_urban_and_hold_their_prewar_population(geo):
    for town in ("abu_kamal", "husaybah", "karabla", "al_qaim", "baghuz"):
        assert geo.terrain[geo.places[town]] == TERRAIN["urban"]
    info = geo.raw["places"]
    total = sum(p.get("population", 0) for p in info.values() if p.get("kind") == "town")
    assert geo.town_population.sum() == pytest.approx(total)


def test_routes_run_from_syria_into_iraq_on_named_kinds(geo):
    assert {r.kind for r in geo.routes} == {"official", "informal", "farmland", "desert"}
    for route in geo.routes:
        countries = set(geo.country[route.cells[:, 0], route.cells[:, 1]].tolist())
        assert countries == {IRAQ, SYRIA}, route.name
        assert route.length_km > 5


def test_unknown_place_name_is_refused_with_the_known_names(geo):
    with pytest.raises(ConfigError, match="unknown place 'nowhere'") as err:
        geo.cell_of("nowhere", "forces.militias[0].base")
    assert err.value.key == "forces.militias[0].base"
    assert "abu_kamal" in err.value.allowed


def test_place_outside_the_grid_is_refused_naming_the_place(default_config):
    spec = copy.deepcopy(default_config["geography"])
    spec["places"]["husaybah"]["lat"] = 40.0
    with pytest.raises(ConfigError, match="outside the grid") as err:
        rasterise(spec, 0.5)
    assert err.value.key == "geography.places.husaybah"


def test_river_line_with_one_point_is_refused(default_config):
    spec = copy.deepcopy(default_config["geography"])
    spec["river"]["line"] = [[34.5, 40.9]]
    with pytest.raises(ConfigError) as err:
        rasterise(spec, 0.5)
    assert err.value.key == "geography.river.line"


# -- a second geography file ---------------------------------------------------------------
def test_second_geography_file_rasterises_with_its_own_places(tmp_path: Path, tiny_geography: dict):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_geography))
    geo = rasterise(yaml.safe_load(path.read_text()), 0.5)
    assert geo.name == "tiny_segment"
    assert geo.shape == (23, 23)
    assert geo.country[geo.places["west_town"]] == SYRIA
    assert geo.country[geo.places["east_town"]] == IRAQ
    assert geo.military_zone.any() and (geo.terrain[geo.military_zone] == TERRAIN["farmland"]).all()
    assert [r.name for r in geo.routes] == ["official", "desert"]


def test_second_segment_runs_through_the_config_search_path(tiny_segment: Path):
    cfg = bordersim.compose_config(
        [
            f"hydra.searchpath=[file://{tiny_segment}]",
            "geography=tiny",
            "forces=tiny",
            "days=60",  # its crews trip little at first: none in 3-12 of 40 seeds in 20 days; all trip in 60
            "seed=3",
            "spin_up_days=0",
        ]
    )
    result = bordersim.run(cfg)
    assert result.model.geo.name == "tiny_segment"
    assert len(result.daily) == 60
    assert result.daily["militia_fighters"].iloc[0] == pytest.approx(150, rel=0.05)
    assert result.daily["smuggling_trips"].sum() > 0


@pytest.mark.parametrize("cell_km", [0.25, 0.5, 1.0])
def test_every_place_keeps_its_country_at_any_cell_size(default_config, cell_km):
    geo = rasterise(default_config["geography"], cell_km)
    info = default_config["geography"]["places"]
    for name, ij in geo.places.items():
        assert geo.country[ij] == (SYRIA if info[name]["country"] == "syria" else IRAQ), name

"""Maps on the georeferenced grid: the zone itself, and per condition the end-of-run control,
IS activity, smuggling flows by route, and strike locations with civilian harm.

The geography is rasterised from the config stored in a run's ``summary.json`` and drawn with
lat/lon axes (arrays are indexed ``[i east, j north]``, hence the transposes). Per-run layers
come from each run directory's ``maps.npz``; strikes from ``collected/strikes.parquet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from bordersim.errors import ConfigError
from bordersim.report.figures import shown_conditions, with_conditions
from bordersim.report.style import Drawn, NothingToDrawError, finish, new_figure
from bordersim.report.sweep import Sweep
from bordersim.world.geography import COUNTRIES, TERRAIN, Geography, rasterise
from bordersim.world.influence import GROUPS

TERRAIN_COLOURS = {
    "desert": "#F3EBD9",
    "farmland": "#CFE5B8",
    "urban": "#B9B2AA",
    "river": "#6FA8DC",
    "wadi": "#E4D3B0",
}
CONTROL_COLOURS = {
    "state_iraq": "#0072B2",
    "state_syria": "#56B4E9",
    "sdf": "#F0E442",
    "militia_irgc": "#D55E00",
    "militia_najaf": "#E69F00",
    "tribal": "#009E73",
    "is": "#000000",
    "contested": "#999999",
}
ROUTE_COLOURS = {"official": "#0072B2", "informal": "#D55E00", "farmland": "#009E73", "desert": "#CC79A7"}
#: Place kinds named on the small per-condition panels (all places are named on the zone map).
LABELLED_KINDS = ("town", "crossing")


def geography(sweep: Sweep) -> Geography:
    """The sweep's grid, rasterised from the geography in a finished run's summary."""
    summary = sweep.representative_summary()
    if summary is None or "geography" not in summary.get("config", {}):
        raise NothingToDrawError("no run directory with a summary.json holding the geography")
    try:
        return rasterise(summary["config"]["geography"], float(summary["config"]["cell_km"]))
    except ConfigError as err:
        raise NothingToDrawError(f"the geography in the runs' config cannot be rasterised: {err}") from None


def extent(geo: Geography) -> tuple[float, float, float, float]:
    t = geo.transform
    return (t.lon_min, t.lon_max, t.lat_min, t.lat_max)


def base_map(ax: Axes, geo: Geography, kinds: tuple[str, ...] = LABELLED_KINDS) -> None:
    """Terrain, river, border, roads and place names, with lat/lon axes at true scale."""
    codes = sorted(TERRAIN, key=lambda name: TERRAIN[name])
    cmap = ListedColormap([TERRAIN_COLOURS[c] for c in codes])
    ax.imshow(
        geo.terrain.T,
        origin="lower",
        extent=extent(geo),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(codes) - 0.5,
        interpolation="nearest",
    )
    for area in geo.raw.get("areas", []):
        if area.get("kind") == "military_zone":
            poly = np.asarray(area["polygon"], dtype=float)[:, ::-1]
            ax.add_patch(Polygon(poly, fc="none", ec="#6B4E16", hatch="////", lw=0.6, zorder=1.7))
    for road in geo.raw.get("roads", []):
        line = np.asarray(road["line"], dtype=float)
        ax.plot(line[:, 1], line[:, 0], color="#7F7F7F", lw=0.8, zorder=2)
    river = np.asarray(geo.raw["river"]["line"], dtype=float)
    ax.plot(river[:, 1], river[:, 0], color="#1F5FA8", lw=1.6, zorder=3)
    border = np.asarray(geo.raw["border"]["line"], dtype=float)
    ax.plot(border[:, 1], border[:, 0], color="#222222", lw=1.4, ls=(0, (5, 2, 1, 2)), zorder=4)
    ax.set_xlim(extent(geo)[:2])
    ax.set_ylim(extent(geo)[2:])
    ax.set_aspect(geo.transform.km_per_deg_lat / geo.transform.km_per_deg_lon)
    _country_names(ax, geo)
    places = [
        (n, float(i["lat"]), float(i["lon"])) for n, i in geo.place_info.items() if i.get("kind") in kinds
    ]
    _place_names(ax, places)
    ax.set_xlabel("longitude [°E]")
    ax.set_ylabel("latitude [°N]")
    ax.tick_params(labelsize=7)


def _country_names(ax: Axes, geo: Geography) -> None:
    """Each country's name, faint, at the centre of its cells."""
    for code, name in enumerate(COUNTRIES):
        i, j = np.nonzero(geo.country == code)
        if i.size:
            lat, lon = geo.transform.to_latlon(np.median(i), np.median(j))
            ax.text(
                float(lon),
                float(lat),
                name.upper(),
                fontsize=11,
                color="#8C7B5A",
                alpha=0.8,
                ha="center",
                va="center",
                fontweight="bold",
                zorder=1.8,
            )


#: Offsets (points) and alignment tried in turn for a place name, until it overlaps nothing.
LABEL_SPOTS = [
    ((4, 2), "left", "bottom"),
    ((4, -2), "left", "top"),
    ((-4, 2), "right", "bottom"),
    ((-4, -2), "right", "top"),
    ((0, 5), "center", "bottom"),
    ((0, -5), "center", "top"),
]


def _place_names(ax: Axes, places: list[tuple[str, float, float]]) -> None:
    """Dot and name of each place (names are moved apart by :func:`finish_map`)."""
    for name, lat, lon in places:
        ax.plot(lon, lat, "o", ms=3, color="#333333", zorder=6)
        ax.annotate(
            name.replace("_", " ").title(),
            (lon, lat),
            xytext=LABEL_SPOTS[0][0],
            textcoords="offset points",
            ha=LABEL_SPOTS[0][1],
            va=LABEL_SPOTS[0][2],
            fontsize=6.5,
            zorder=7,
            gid="place",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6},
        )


def declutter(fig) -> None:
    """Move each place name round its dot to the first spot where it overlaps no other name."""
    fig.draw_without_rendering()  # settle the layout so the boxes are measured at their final size
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        taken: list[Any] = []
        for text in (t for t in ax.texts if t.get_gid() == "place"):
            for offset, ha, va in LABEL_SPOTS:
                text.xyann = offset
                text.set_horizontalalignment(ha)
                text.set_verticalalignment(va)
                box = text.get_window_extent(renderer)
                if not any(box.overlaps(other) for other in taken):
                    break
            taken.append(box)


def finish_map(fig, path: Path, title: str, caption: str) -> Drawn:
    """Declutter the place names, then add title and caption and save."""
    declutter(fig)
    return finish(fig, path, title, caption)


def route_line(geo: Geography, spec: dict) -> np.ndarray:
    """A route's waypoints as [lat, lon] rows (named places and gateways looked up)."""
    named = {**geo.raw.get("gateways", {}), **geo.raw.get("places", {})}
    points = [(named[v]["lat"], named[v]["lon"]) if isinstance(v, str) else v for v in spec.get("via", [])]
    return np.asarray(points, dtype=float)


def base_legend() -> list:
    """Legend handles of the base map."""
    return [
        *[Patch(color=c, label=k) for k, c in TERRAIN_COLOURS.items()],
        Patch(fc="none", ec="#6B4E16", hatch="////", label="militia military zone"),
        Line2D([], [], color="#1F5FA8", lw=1.6, label="Euphrates"),
        Line2D([], [], color="#222222", lw=1.4, ls=(0, (5, 2, 1, 2)), label="Iraq-Syria border"),
        Line2D([], [], color="#7F7F7F", lw=0.8, label="road"),
    ]


def zone_map(sweep: Sweep, out: Path) -> Drawn:
    """The border zone: terrain, river, border, roads, every place, and the smuggling routes."""
    geo = geography(sweep)
    fig = new_figure(9, 9)
    ax = fig.subplots()
    base_map(ax, geo, kinds=("town", "crossing", "base", "depot", "checkpoint", "hideout", "farmland"))
    handles = base_legend()
    for spec in geo.raw.get("routes", []):
        line = route_line(geo, spec)
        ax.plot(
            line[:, 1], line[:, 0], color=ROUTE_COLOURS[spec["kind"]], lw=1.2, alpha=0.8, ls="--", zorder=5
        )
    handles += [Line2D([], [], color=c, ls="--", label=f"{k} route") for k, c in ROUTE_COLOURS.items()]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    caption = sweep.caption(f"Geography '{geo.name}' at {geo.transform.cell_km:g} km cells.")
    return finish_map(fig, out / "map_zone", "The Qa'im-Bukamal border zone", caption)


def run_maps(sweep: Sweep, conditions: list[str]) -> dict[str, list[dict[str, np.ndarray]]]:
    """maps.npz of each finished run, grouped by condition (runs without one are skipped)."""
    ok = with_conditions(sweep, sweep.ok)
    found: dict[str, list[dict[str, np.ndarray]]] = {}
    for cond in conditions:
        for run_dir in ok.loc[ok["condition"] == cond, "run_dir"]:
            path = sweep.root / str(run_dir) / "maps.npz"
            if path.is_file():
                with np.load(path) as data:
                    found.setdefault(cond, []).append({k: data[k] for k in data.files})
    if not found:
        raise NothingToDrawError("no run directory holds a maps.npz")
    return found


def _layout(n: int) -> tuple[int, int]:
    """(rows, cols) for n map panels: one row up to 3, else a near-square grid."""
    cols = n if n <= 3 else int(np.ceil(np.sqrt(n)))
    return -(-n // cols), cols


def _condition_panels(fig, n: int) -> list[Axes]:
    rows, cols = _layout(n)
    axes = list(np.atleast_1d(fig.subplots(rows, cols)).ravel())
    for ax in axes[n:]:
        ax.remove()
    return axes[:n]


def _panel_figure(n: int):
    rows, cols = _layout(n)
    return new_figure(4.6 * cols + 1.6, 5.0 * rows + 0.9)


def modal_control(grids: list[np.ndarray]) -> np.ndarray:
    """The most frequent controller of each cell over runs (ties: lowest index)."""
    stack = np.stack(grids).astype(int)
    counts = (stack[..., None] == np.arange(len(GROUPS) + 2)).sum(axis=0)
    return counts.argmax(axis=-1)


def control_maps(sweep: Sweep, out: Path) -> Drawn:
    """Who controls each cell at the end of the run (most frequent over seeds), per condition."""
    geo = geography(sweep)
    maps = run_maps(sweep, shown_conditions(sweep.conditions))
    fig = _panel_figure(len(maps))
    cmap = ListedColormap(list(CONTROL_COLOURS.values()))
    for ax, (cond, runs) in zip(_condition_panels(fig, len(maps)), maps.items(), strict=True):
        base_map(ax, geo)
        control = modal_control([r["control"] for r in runs])
        shown = np.ma.masked_greater_equal(control, len(CONTROL_COLOURS))
        ax.imshow(
            shown.T,
            origin="lower",
            extent=extent(geo),
            cmap=cmap,
            vmin=-0.5,
            vmax=len(CONTROL_COLOURS) - 0.5,
            alpha=0.6,
            interpolation="nearest",
            zorder=1.5,
            gid=f"control:{cond}",
        )
        ax.set_title(f"{cond} ({len(runs)} runs)", fontsize=9)
    handles = [Patch(color=c, alpha=0.6, label=k.replace("_", " ")) for k, c in CONTROL_COLOURS.items()]
    fig.legend(
        handles=handles + [Patch(fc="none", ec="#999999", label="nobody (uncoloured)")],
        loc="outside right",
        fontsize=8,
        title="controller",
    )
    caption = sweep.caption("Colour: the group controlling the cell at the end in most runs.")
    return finish_map(fig, out / "map_control", "Control at the end of the run", caption)


def is_activity_maps(sweep: Sweep, out: Path) -> Drawn:
    """Mean daily IS presence per cell over seeds, one shared colour scale for all panels."""
    geo = geography(sweep)
    maps = run_maps(sweep, shown_conditions(sweep.conditions))
    means = {c: np.mean([r["is_activity"] for r in runs], axis=0) for c, runs in maps.items()}
    top = max(float(np.percentile(m[m > 0], 99)) if (m > 0).any() else 0.0 for m in means.values()) or 1.0
    floor = 0.02 * top
    fig = _panel_figure(len(means))
    axes = _condition_panels(fig, len(means))
    for ax, (cond, mean) in zip(axes, means.items(), strict=True):
        base_map(ax, geo)
        image = ax.imshow(
            np.ma.masked_less_equal(mean, floor).T,
            origin="lower",
            extent=extent(geo),
            cmap="inferno_r",
            vmin=0,
            vmax=top,
            alpha=0.85,
            interpolation="nearest",
            zorder=1.5,
            gid=f"is_activity:{cond}",
        )
        ax.set_title(f"{cond} ({len(maps[cond])} runs)", fontsize=9)
    fig.colorbar(image, ax=axes, label="mean daily IS presence [members per cell]", shrink=0.8, extend="max")
    caption = sweep.caption(
        "Colour scale shared by all panels, capped at the 99th percentile; uncoloured: below 2% of the cap."
    )
    return finish_map(fig, out / "map_is_activity", "IS activity density", caption)


def smuggling_maps(sweep: Sweep, out: Path) -> Drawn:
    """Smuggling runs per route (mean over seeds): line width by volume, colour by route kind."""
    geo = geography(sweep)
    maps = run_maps(sweep, shown_conditions(sweep.conditions))
    trips = {c: np.mean([r["route_trips"] for r in runs], axis=0) for c, runs in maps.items()}
    top = max(float(t.max()) for t in trips.values()) or 1.0
    fig = _panel_figure(len(trips))
    for ax, (cond, mean) in zip(_condition_panels(fig, len(trips)), trips.items(), strict=True):
        base_map(ax, geo)
        for spec, n in zip(geo.raw.get("routes", []), mean, strict=True):
            line = route_line(geo, spec)
            ax.plot(
                line[:, 1],
                line[:, 0],
                color=ROUTE_COLOURS[spec["kind"]],
                lw=0.5 + 7 * n / top,
                alpha=0.8,
                solid_capstyle="round",
                zorder=5,
                gid=f"route:{cond}:{spec.get('name')}",
            )
        ax.set_title(f"{cond}: {mean.sum():,.0f} runs", fontsize=9)
    widths = [
        Line2D([], [], color="#555555", lw=0.5 + 7 * f, label=f"{f * top:,.0f} runs") for f in (0.1, 0.5, 1.0)
    ]
    kinds = [Line2D([], [], color=c, lw=3, label=k) for k, c in ROUTE_COLOURS.items()]
    fig.legend(handles=kinds + widths, loc="outside right", fontsize=8, title="route kind / volume")
    caption = sweep.caption(
        "Width: smuggling runs per route over the whole run, mean over seeds, same scale in all panels."
    )
    return finish_map(fig, out / "map_smuggling", "Smuggling flows by route", caption)


def strikes_by_condition(sweep: Sweep, conditions: list[str]) -> dict[str, pd.DataFrame]:
    """Strikes of the finished runs, pooled over seeds, per condition."""
    if sweep.strikes.empty:
        raise NothingToDrawError("collected/strikes.parquet is missing or holds no strikes")
    ok = with_conditions(sweep, sweep.ok)[["run_id", "condition"]]
    strikes = sweep.strikes.merge(ok, on="run_id")
    return {c: strikes[strikes["condition"] == c] for c in conditions}


def strike_maps(sweep: Sweep, out: Path) -> Drawn:
    """Where strikes fell (size by people killed) and where they harmed civilians, per condition."""
    geo = geography(sweep)
    per = strikes_by_condition(sweep, shown_conditions(sweep.conditions))
    n_runs = with_conditions(sweep, sweep.ok)["condition"].value_counts()
    fig = _panel_figure(len(per))
    for ax, (cond, s) in zip(_condition_panels(fig, len(per)), per.items(), strict=True):
        base_map(ax, geo)
        ax.scatter(
            s["lon"],
            s["lat"],
            s=6 + 3 * s["killed"],
            marker="X",
            color="#D55E00",
            alpha=0.5,
            lw=0,
            zorder=8,
            gid=f"strikes:{cond}",
        )
        harmed = s[s["civilians_harmed"] > 0]
        ax.scatter(
            harmed["lon"],
            harmed["lat"],
            s=10 + 4 * harmed["civilians_harmed"],
            facecolor="none",
            edgecolor="#7B2D8E",
            lw=1.2,
            zorder=9,
            gid=f"harm:{cond}",
        )
        ax.set_title(
            f"{cond}: {len(s)} strikes, {s['civilians_harmed'].sum():,.0f} civilians harmed\n"
            f"(pooled over {n_runs.get(cond, 0)} runs)",
            fontsize=9,
        )
    handles = [
        Line2D([], [], ls="", marker="X", color="#D55E00", ms=8, label="strike (size: killed)"),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            mfc="none",
            mec="#7B2D8E",
            ms=9,
            label="civilians harmed (size: people)",
        ),
    ]
    fig.legend(handles=handles, loc="outside right", fontsize=8)
    caption = sweep.caption("Strikes of all seeds pooled; sites struck repeatedly overlap.")
    return finish_map(fig, out / "map_strikes", "Strike locations and civilian harm", caption)

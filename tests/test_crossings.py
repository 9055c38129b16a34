"""IS crossings (MODEL.md 7.7, actors/crossings.py): groups decide whether and where to cross
by the risk the network has learnt on each border segment, and detection deters them.

The unit tests drive one day's crossings by hand on a model without spin-up; the
dose-response test compares paired seeds after the spin-up.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import bordersim
from bordersim.actors.crossings import Attempts
from bordersim.actors.smuggler import SmugglingDay

ALONE_ONLY = {
    "params.islamic_state.infiltration_method_weight.smuggler": 0.0,
    "params.islamic_state.infiltration_method_weight.corrupt_post": 0.0,
    "params.islamic_state.night_crossing_detection_share": 1.0,
}


def nobody_ran(model) -> SmugglingDay:
    n = len(model.geo.routes)
    none = np.array([], dtype=int)
    return SmugglingDay(*(np.zeros(n) for _ in range(4)), none, none, none.astype(bool))


def syrian_cells(model) -> np.ndarray:
    t = model.islamic_state.table
    return t.rows[model.geo.country[t.i[t.rows], t.j[t.rows]] == 1]


def watched(model, detection: float) -> None:
    """State, ISR and militia watch set by hand for today (cameras see nothing)."""
    model.detection = np.full(model.geo.shape, detection)
    model.militia_watch[:] = 0.0


def attempt_all(model, segment: int, runs: SmugglingDay | None = None) -> None:
    """Every IS cell in Syria tries the given segment today."""
    rows = syrian_cells(model)
    family = model.islamic_state
    attempts = Attempts(rows, np.full(rows.size, segment))
    family.crossings.cross(family, attempts, runs or nobody_ran(model), model.params.islamic_state)


def test_groups_crossing_alone_are_stopped_more_where_detection_is_high(make_model):
    def crossed(detection: float) -> tuple[float, float]:
        model = make_model(ALONE_ONLY)
        watched(model, detection)
        attempt_all(model, segment=0)
        return model.today["is_infiltrations"], model.today["is_captured"]

    free_in, free_caught = crossed(0.0)
    watched_in, watched_caught = crossed(0.9)
    assert free_in > 0 and free_caught == 0
    assert watched_in < 0.5 * free_in
    assert watched_caught > 0


def test_groups_that_cross_land_in_iraq_on_their_segment(make_model):
    model = make_model(ALONE_ONLY)
    watched(model, 0.0)
    rows = syrian_cells(model)
    attempt_all(model, segment=2)
    t, geo = model.islamic_state.table, model.geo
    landed = np.ravel_multi_index((t.i[rows], t.j[rows]), geo.shape)
    assert set(landed) <= set(model.islamic_state.crossings.entries[2])
    assert (geo.country[t.i[rows], t.j[rows]] == 0).all()  # Iraq


def test_the_network_learns_the_risk_of_a_segment_from_failed_crossings(make_model):
    model = make_model(ALONE_ONLY)
    crossings = model.islamic_state.crossings
    prior = crossings.learnt_risk().copy()
    assert np.allclose(prior, prior[0])  # every segment starts at the NarcoLogic prior
    watched(model, 1.0)
    attempt_all(model, segment=1)
    risk = crossings.learnt_risk()
    assert risk[1] > prior[1]
    assert np.allclose(np.delete(risk, 1), np.delete(prior, 1))


def test_groups_avoid_a_segment_the_network_has_learnt_is_watched(make_model):
    model = make_model()
    crossings, p = model.islamic_state.crossings, model.params.islamic_state
    gate = np.full(4000, crossings.gate[0]), np.full(4000, crossings.gate[1])
    before = np.bincount(crossings.choose(*gate, p) + 1, minlength=5)
    crossings.seen_attempts[0] += 50.0
    crossings.seen_failures[0] += 50.0  # the nearest segment: every recent attempt there failed
    after = np.bincount(crossings.choose(*gate, p) + 1, minlength=5)
    assert after[1] < 0.5 * before[1]
    assert after[0] > before[0]  # more groups stay in the Badia


def test_a_group_riding_with_a_crew_crosses_where_the_nearest_running_crew_enters_iraq(make_model):
    model = make_model(
        {
            "params.islamic_state.infiltration_method_weight.smuggler": 1.0,
            "params.islamic_state.infiltration_method_weight.corrupt_post": 0.0,
            "params.islamic_state.infiltration_method_weight.alone": 0.0,
        }
    )
    crews = model.smugglers.table
    independent = crews.rows[~crews.militia_run[crews.rows]]
    route = 2
    n = len(model.geo.routes)
    runs = SmugglingDay(*(np.zeros(n) for _ in range(4)), independent, np.full(independent.size, route),
                        np.zeros(independent.size, dtype=bool))  # fmt: skip
    rows = syrian_cells(model)
    attempt_all(model, segment=0, runs=runs)
    t = model.islamic_state.table
    entry = model.routes.iraq_entry[route]
    assert all((int(t.i[r]), int(t.j[r])) == entry for r in rows)
    assert crews.cash[independent].sum() > model.forces.smugglers.cash * independent.size  # fees paid


def test_us_isr_watches_its_border_segments_until_the_us_leaves(make_model):
    model = make_model()
    crossings = model.islamic_state.crossings
    watched = model.geo.watched_by["us_isr"]
    with_us, _ = crossings.watch()
    model.us.withdraw()
    model.refresh_security()
    without, _ = crossings.watch()
    assert (without[watched] < with_us[watched]).all()
    assert np.allclose(without[~watched], with_us[~watched], atol=0.02)


def test_badia_groups_leave_the_stock_when_they_set_out(make_model):
    model = make_model({"params.islamic_state.p_consider_crossing": 0.05})
    crossings, p = model.islamic_state.crossings, model.params.islamic_state
    stock = crossings.badia
    attempts = crossings.badia_day(model.islamic_state, p)
    t = model.islamic_state.table
    gone = int(t.members[attempts.rows].sum())
    grown = p.badia_inflow_members_per_month / 30.0
    assert attempts.rows.size > 0
    assert crossings.badia == pytest.approx((stock + grown) * (1 - p.badia_leave_rate) - gone)


# -- effects over paired seeds (365 days after the spin-up) ---------------------------------
CONDITIONS = {
    "baseline": (["scenario=[baseline]"], 6),
    "more detection": (["scenario=[baseline]", "params.security.extra_border_detection=0.2"], 6),
    "us_withdrawal": (["scenario=[us_withdrawal]", "scenario.us_withdrawal.date=5"], 6),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, list[tuple[dict, np.ndarray]]]:
    """Per condition and seed: the run's outcomes and its crossing attempts by segment."""
    out = {}
    for name, (overrides, seeds) in CONDITIONS.items():
        cfg = bordersim.config.plain(bordersim.compose_config([*overrides, "write_spatial=false"]))
        results = [bordersim.run({**cfg, "seed": seed}) for seed in range(seeds)]
        out[name] = [
            (r.summary["outcomes"], r.model.islamic_state.crossings.attempts_by_segment) for r in results
        ]
    return out


def interval(diff: list[float]) -> tuple[float, float]:
    d = np.array(diff)
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    return float(d.mean() - half), float(d.mean() + half)


@pytest.mark.slow
def test_more_detection_along_the_border_lowers_successful_crossings(runs):
    """Dose-response: detection raised by 0.2 on every border cell (docs/ODD.md 8.2)."""
    pairs = zip(runs["more detection"], runs["baseline"], strict=False)
    diff = [o["is_infiltrations_total"] - b["is_infiltrations_total"] for (o, _), (b, _) in pairs]
    assert interval(diff)[1] < 0, diff


@pytest.mark.slow
@pytest.mark.xfail(
    reason="since the economy change the watched stretches' share of attempts rises in 4 of these 6 "
    "paired seeds (mean +2.7 points, 95% CI -1.0..+6.4), short of showing it (docs/ODD.md 8.2). "
    "Strict, so this fails once the model shows the claim at these seeds",
    strict=True,
)
def test_us_withdrawal_shifts_crossings_to_the_stretches_isr_watched(make_model, runs):
    """The mechanism behind the withdrawal claim: groups come back to the stretches ISR covered.
    (That it raises the total is not shown: docs/ODD.md 8.2.)"""
    watched = make_model().geo.watched_by["us_isr"]

    def share(attempts: np.ndarray) -> float:
        return float(attempts[watched].sum() / attempts.sum())

    pairs = zip(runs["us_withdrawal"], runs["baseline"], strict=False)
    diff = [share(w) - share(b) for (_, w), (_, b) in pairs]
    assert interval(diff)[0] > 0, diff

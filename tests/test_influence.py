"""Influence and control (MODEL.md 7.1): presence spread from units, control by the
strongest group with a margin."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from bordersim.world.influence import (
    CONTESTED,
    GROUPS,
    NOBODY,
    G,
    compute_control,
    spread,
    spread_points,
    stamp_layers,
)


def presence_of(**cells):
    out = np.zeros((len(GROUPS), 1, len(next(iter(cells.values())))))
    for group, values in cells.items():
        out[G[group], 0] = values
    return out


def test_control_goes_to_the_stronger_group():
    p = presence_of(state_iraq=[3.0, 10.0], militia_irgc=[10.0, 3.0])
    control = compute_control(p, margin=1.5, min_presence=0.02)
    assert control[0, 0] == G["militia_irgc"]
    assert control[0, 1] == G["state_iraq"]


def test_a_lead_within_the_margin_leaves_the_cell_contested():
    p = presence_of(state_iraq=[10.0, 10.0], militia_irgc=[8.0, 5.0])
    control = compute_control(p, margin=1.5, min_presence=0.02)
    assert control[0, 0] == CONTESTED
    assert control[0, 1] == G["state_iraq"]


def test_too_little_presence_means_nobody_controls():
    p = presence_of(tribal=[0.01, 0.5])
    control = compute_control(p, margin=1.5, min_presence=0.02)
    assert control[0, 0] == NOBODY
    assert control[0, 1] == G["tribal"]


def test_ties_go_to_the_first_group_and_count_as_runner_up():
    p = presence_of(state_iraq=[5.0, 1.0], militia_irgc=[5.0, 1.0], tribal=[0.0, 2.0])
    control = compute_control(p, margin=1.0, min_presence=0.02)
    assert control[0, 0] == G["state_iraq"]  # an equal runner-up: the lead of 1x meets margin 1
    assert control[0, 1] == G["tribal"]
    assert compute_control(p, margin=1.5, min_presence=0.02)[0, 0] == CONTESTED


def test_spreading_a_sparse_layer_is_exactly_the_whole_grid_filter():
    rng = np.random.default_rng(3)
    layer = np.zeros((60, 70))
    layer[rng.integers(0, 60, 25), rng.integers(0, 70, 25)] = rng.random(25) * 100
    assert np.array_equal(spread(layer, 3.0, 0.5), gaussian_filter(layer, 6.0, mode="constant", truncate=3.0))
    assert not spread(np.zeros((5, 5)), 3.0, 0.5).any()


def test_stamping_several_layers_at_once_equals_stamping_each():
    shape = (40, 30)
    layer, i, j = np.array([1, 0, 1, 1]), np.array([3, 20, 20, 39]), np.array([4, 15, 15, 29])
    amount = np.array([7.0, 3.0, 2.5, 1.0])
    stack = stamp_layers(shape, layer, i, j, amount, (4.0, 6.0))
    for g, sigma in enumerate((4.0, 6.0)):
        mine = layer == g
        assert np.array_equal(stack[g], spread_points(shape, i[mine], j[mine], amount[mine], sigma, 1.0))


def test_point_deposits_spread_like_a_filtered_layer():
    shape = (60, 50)
    i, j, amount = np.array([5, 30, 58]), np.array([5, 25, 49]), np.array([100.0, 50.0, 10.0])
    layer = np.zeros(shape)
    layer[i, j] = amount
    np.testing.assert_allclose(
        spread_points(shape, i, j, amount, 3.0, 0.5), spread(layer, 3.0, 0.5), atol=1e-9
    )


def test_presence_peaks_at_the_unit_and_falls_with_distance():
    out = spread_points((81, 81), np.array([40]), np.array([40]), np.array([100.0]), 3.0, 0.5)
    assert abs(out.sum() - 100.0) < 1e-6  # away from the edges nothing is lost
    profile = out[40, 40:]
    assert (np.diff(profile[:15]) < 0).all()


def test_dispersed_militia_shows_less_presence_at_its_cell(make_model):
    model = make_model()
    unit = model.militias[0]
    garrisoned = unit.presence()
    unit.disperse()
    assert unit.presence() < garrisoned


def test_control_map_gives_militias_the_roads_they_hold(model):
    # militias hold roads and checkpoints [paper]: some road cells are militia-controlled
    road = model.geo.road >= 0
    held = np.isin(model.influence.control[road], [G["militia_irgc"], G["militia_najaf"]])
    assert held.mean() > 0.05


def test_hiding_is_cells_never_contest_a_held_cell_but_take_the_empty_desert():
    p = presence_of(state_iraq=[3.0, 0.0])
    p[G["is"], 0] = [30.0, 1.0]
    literal = compute_control(p, margin=1.5, min_presence=0.02)
    hiding = compute_control(p, margin=1.5, min_presence=0.02, hiding=G["is"])
    assert literal[0, 0] == G["is"]  # read literally, ten times the state's presence takes the cell
    assert hiding[0, 0] == G["state_iraq"]  # hiding cells leave the state's post to the state
    assert hiding[0, 1] == G["is"]  # and lead where nobody else is

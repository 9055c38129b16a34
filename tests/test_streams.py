"""The model's random streams: each random process draws from its own stream, which starts
every day from a point fixed by the seed, the stream and the day (common random numbers)."""

from __future__ import annotations

import numpy as np

from bordersim.streams import STREAMS, RandomStreams


def test_a_stream_starts_each_day_from_the_same_point_whatever_was_drawn_before():
    first, second = RandomStreams(7), RandomStreams(7)
    first.start_day(5)
    day5 = first.badia.random(3)
    second.start_day(4)
    second.badia.random(1000)  # a busier day before
    second.start_day(5)
    assert np.array_equal(second.badia.random(3), day5)
    second.start_day(6)
    assert not np.array_equal(second.badia.random(3), day5), "another day, other draws"
    other_seed = RandomStreams(8)
    other_seed.start_day(5)
    assert not np.array_equal(other_seed.badia.random(3), day5), "another seed, other draws"


def test_the_streams_of_a_seed_are_distinct():
    streams = RandomStreams(7)
    streams.start_day(0)
    firsts = {name: getattr(streams, name).random() for name in STREAMS}
    assert len(set(firsts.values())) == len(STREAMS)


def test_a_process_that_draws_more_leaves_the_draws_of_the_others_alone(make_model, monkeypatch):
    """Strikes that draw more on a day (as under the strike scenario) do not change which
    IS cells mean to attack, recruit or hide that day."""
    quiet, busy = make_model(seed=3), make_model(seed=3)
    for m in (quiet, busy):
        m.run_for(4)
    strike_day = busy.air.strike_day

    def busier(model):
        strike_day(model)
        model.streams.strikes.random(1000)
        model.streams.encounters.random(1000)

    monkeypatch.setattr(busy.air, "strike_day", busier)
    modes = {}
    for name, m in (("quiet", quiet), ("busy", busy)):
        choose = m.islamic_state.choose_modes
        monkeypatch.setattr(
            m.islamic_state, "choose_modes", lambda rows, p, c=choose, n=name: modes.setdefault(n, c(rows, p))
        )
        m.step()
    assert modes["quiet"].size > 20
    assert np.array_equal(modes["quiet"], modes["busy"])

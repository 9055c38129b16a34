"""Random streams: one generator per random process of the model, so that the runs of a seed
under different scenarios share their draws (common random numbers).

With one generator for everything, a scenario that changes how often any process draws (a
militia that stops hunting, a strike that harms civilians) shifts every later draw of every
other process: the paired runs of a seed then differ by noise as much as by the scenario.
Here each process draws from its own stream, and each stream starts every day from a state
fixed by the seed, the stream and the day, so a difference in one process or on one day does
not reach the others' draws. This is the synchronisation that common random numbers need:
one stream per source of randomness (Law 2015, *Simulation Modeling and Analysis*, 5th ed.,
ch. 11 on variance-reduction techniques).
Building the model keeps Mesa's own ``model.rng``.
"""

from __future__ import annotations

import numpy as np

STREAMS = (
    "badia",  # groups setting out from the Syrian Badia: how many, how large, where they gather
    "islamic_state",  # IS cells' modes, moves, recruits, desertion, departures and splits
    "crossings",  # where groups try to cross, how, whether they get through
    "encounters",  # clashes, hunts and the civilians they harm
    "militias",  # dispersal after strikes
    "smuggling",  # crews' routes, detection and bribes
    "trade",  # trucks through the open crossing
    "convoys",  # IRGC convoys and their ambushes
    "strikes",  # air strikes, their harm, retaliation
)


class RandomStreams:
    """The model's named generators (``streams.badia``, ``streams.encounters`` ...).

    Each stream is a counter-based generator (Philox, Salmon et al. 2011, "Parallel random
    numbers: as easy as 1, 2, 3") keyed by the seed and the stream; :meth:`start_day` sets its
    counter to the start of the day's block (2^128 draws long), so a stream's draws on day ``d``
    depend only on the seed, the stream and ``d``, and the blocks of different days or streams
    are independent by design (unlike blocks cut from one linear sequence at fixed distances).
    """

    def __init__(self, seed: int) -> None:
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self._bits = {
            name: np.random.Philox(key=child.generate_state(2, np.uint64))
            for name, child in zip(STREAMS, children, strict=True)
        }
        self._fresh = {name: bits.state for name, bits in self._bits.items()}
        for name, bits in self._bits.items():
            setattr(self, name, np.random.Generator(bits))

    def start_day(self, day: int) -> None:
        """Put every stream at the start of day ``day``'s block (any integer, spin-up days too)."""
        counter = np.array([0, 0, day % (1 << 64), 0], dtype=np.uint64)
        for name, bits in self._bits.items():
            fresh = self._fresh[name]
            bits.state = {**fresh, "state": {"counter": counter, "key": fresh["state"]["key"]}}

    badia: np.random.Generator
    islamic_state: np.random.Generator
    crossings: np.random.Generator
    encounters: np.random.Generator
    militias: np.random.Generator
    smuggling: np.random.Generator
    trade: np.random.Generator
    convoys: np.random.Generator
    strikes: np.random.Generator

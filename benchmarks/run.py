"""Benchmark: the default one-year run at 1x, 2x and 4x the default number of agents, and
Mesa's own Wolf-Sheep example at a comparable agent count, timed in one process.

Prints seconds per simulated day and agent-steps per second for each, and the ratio of
bordersim's agent-steps per second to Wolf-Sheep's. Run with ``make bench`` or
``.venv/bin/python benchmarks/run.py [--repeats N]``. Figures are ratios measured in one
run on one machine; the test suite holds no timing thresholds.
"""

from __future__ import annotations

import argparse
import logging
import time

from mesa.examples.advanced.wolf_sheep.agents import Sheep, Wolf
from mesa.examples.advanced.wolf_sheep.model import WolfSheep, WolfSheepScenario

import bordersim
from bordersim.model import BorderModel

logging.getLogger("MESA").setLevel(logging.WARNING)


def time_bordersim(scale: float, repeats: int) -> dict:
    """Best of ``repeats`` default one-year runs at ``agent_scale=scale``."""
    cfg = bordersim.resolve(bordersim.compose_config([f"agent_scale={scale}"]))
    best = None
    for _ in range(repeats):
        model = BorderModel(cfg)
        agent_steps = 0
        start = time.perf_counter()
        for _ in range(model.days):
            agent_steps += len(model.agents)
            model.step()
        seconds = time.perf_counter() - start
        if best is None or seconds < best["seconds"]:
            best = {"seconds": seconds, "days": model.days, "agent_steps": agent_steps}
    return best


def time_wolf_sheep(agents: int, steps: int, repeats: int) -> dict:
    """Best of ``repeats`` Wolf-Sheep runs starting with ``agents`` animals (2/3 sheep)."""
    best = None
    for seed in range(repeats):
        scenario = WolfSheepScenario(
            initial_sheep=2 * agents // 3, initial_wolves=agents // 3, width=50, height=50, rng=seed
        )
        model = WolfSheep(scenario)
        agent_steps = 0
        start = time.perf_counter()
        for _ in range(steps):
            agent_steps += len(model.agents_by_type[Sheep]) + len(model.agents_by_type.get(Wolf, []))
            model.step()
        seconds = time.perf_counter() - start
        if best is None or seconds / agent_steps < best["seconds"] / best["agent_steps"]:
            best = {"seconds": seconds, "days": steps, "agent_steps": agent_steps}
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for scale in (1, 2, 4):
        r = time_bordersim(scale, args.repeats)
        rows.append((f"bordersim x{scale}", r))
    base_agents = rows[0][1]["agent_steps"] / rows[0][1]["days"]
    rows.append(("Mesa Wolf-Sheep", time_wolf_sheep(int(base_agents), 100, args.repeats)))
    print(f"{'model':<18} {'agents/day':>10} {'s/day':>9} {'run s':>7} {'agent-steps/s':>14}")
    for name, r in rows:
        rate = r["agent_steps"] / r["seconds"]
        print(
            f"{name:<18} {r['agent_steps'] / r['days']:>10.0f} {r['seconds'] / r['days'] * 1e3:>7.2f}ms "
            f"{r['seconds']:>7.2f} {rate:>14,.0f}"
        )
    rates = {name: r["agent_steps"] / r["seconds"] for name, r in rows}
    ws = rates["Mesa Wolf-Sheep"]
    for name in ("bordersim x1", "bordersim x2", "bordersim x4"):
        print(f"{name} / Wolf-Sheep agent-steps per second: {rates[name] / ws:.1f}x")
    t1, t4 = rows[0][1]["seconds"], rows[2][1]["seconds"]
    a1, a4 = rows[0][1]["agent_steps"], rows[2][1]["agent_steps"]
    print(f"cost growth from x1 to x4: {t4 / t1:.2f}x time for {a4 / a1:.2f}x agent-steps")


if __name__ == "__main__":
    main()

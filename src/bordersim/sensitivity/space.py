"""The parameter space of a sensitivity study: every parameter the defaults mark as an estimate.

``configs/params/default.yaml`` gives each parameter a comment naming its source or saying
"estimate". :func:`estimates` reads the file line by line and keeps every numeric leaf whose
own comment says so, or, without a comment of its own, whose enclosing mapping's comment does
(``goods: # ... estimates`` covers every kind of goods). Each estimate gets a range around its
default (``relative`` share either side), clipped to what :func:`bordersim.config.checked_parameter`
allows: shares stay in [0, 1], divisors stay > 0, whole numbers are rounded when applied. A daily
persistence (``*_decay``) is varied through its daily loss ``1 - decay``, so its half-life
changes by the same share as any other estimate instead of collapsing to a day.
Factors are groups of estimates that act together (the study's ``groups``: dotted-key patterns
to a group name); an estimate no pattern matches is its own factor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from bordersim import config
from bordersim.errors import ConfigError
from bordersim.params import parameter_kind

KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][\w]*):(?P<value>[^#]*)(?:#(?P<comment>.*))?$")
FLOW_ITEM = re.compile(r"(\w+)\s*:")
MARK = "estimate"
#: The factor that moves nothing but the runs' seeds: its effect is the noise floor of the study.
NOISE = "noise (seed only)"


@dataclass(frozen=True)
class Estimate:
    """One parameter marked as an estimate: dotted key under ``params``, default, range, type."""

    key: str
    default: float
    low: float
    high: float
    whole: bool

    def value(self, x: float) -> int | float:
        """The value a run gets for design value ``x`` (rounded for whole numbers)."""
        return int(round(x)) if self.whole else float(x)


def marked_keys(text: str) -> list[str]:
    """Dotted keys of the leaves of a params YAML text whose comment marks them as estimates."""
    stack: list[tuple[int, str, bool]] = []  # (indent, key, marked) of the enclosing mappings
    keys = []
    for line in text.splitlines():
        found = KEY_LINE.match(line)
        if not found:
            continue
        indent, key = len(found["indent"]), found["key"]
        stack = [s for s in stack if s[0] < indent]
        comment, value = found["comment"] or "", found["value"].strip()
        marked = MARK in comment if comment else bool(stack and stack[-1][2])
        path = ".".join([s[1] for s in stack] + [key])
        if not value:
            stack.append((indent, key, marked))
        elif value.startswith("{"):
            keys += [f"{path}.{item}" for item in FLOW_ITEM.findall(value)] if marked else []
        elif marked:
            keys.append(path)
    return keys


def estimates(relative: float, ranges: Mapping[str, Sequence[float]] | None = None) -> list[Estimate]:
    """Every numeric estimate of the shipped defaults with its range: default +- ``relative``
    share, or the ``[low, high]`` that ``ranges`` gives the estimate outright (checked by
    :func:`given_range`)."""
    defaults = config.default_params()
    given = dict(ranges or {})
    out = []
    for key in marked_keys(config._default_params_text()):
        default = _lookup(defaults, key)
        kind = parameter_kind(key)
        if kind not in (int, float) or isinstance(default, bool):
            continue
        whole = kind is int
        if key in given:
            low, high = given_range(key, given.pop(key), whole)
        else:
            low, high = parameter_range(key, float(default), relative, whole)
        if low < high:
            out.append(Estimate(key, float(default), low, high, whole))
    if given:
        raise ConfigError(
            f"sensitivity.ranges.{next(iter(given))}", "is not a numeric estimate of the defaults",
            "a dotted key under params whose comment in configs/params/default.yaml says 'estimate'",
        )  # fmt: skip
    return out


def given_range(key: str, bounds: Sequence[float], whole: bool) -> tuple[float, float]:
    """A range given outright: two numbers, low < high, each a value the parameter allows."""
    where = f"sensitivity.ranges.{key}"
    allowed = "[low, high] with low < high, both values the parameter allows"
    try:
        if isinstance(bounds, str) or len(bounds) != 2:
            raise ValueError
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ConfigError(where, f"{bounds!r} is not a pair of numbers", allowed) from None
    if not low < high:
        raise ConfigError(where, f"low {low} is not below high {high}", allowed)
    for x in (low, high):
        try:
            config.checked_parameter(key, int(round(x)) if whole else x)
        except ConfigError as err:
            raise ConfigError(where, f"{x} is not allowed: {err.problem}", allowed) from None
    return low, high


def parameter_range(key: str, default: float, relative: float, whole: bool) -> tuple[float, float]:
    """``default`` +- ``relative`` of itself, clipped to the values the parameter allows."""
    if key.endswith("_decay"):
        loss = 1.0 - default
        return 1.0 - loss * (1 + relative), 1.0 - loss * (1 - relative)
    low, high = default * (1 - relative), default * (1 + relative)
    if config.is_share(f"params.{key}"):
        high = min(high, 1.0)
    if whole:  # rounded values stay >= 1 when the default is, so counts and thresholds never vanish
        low = max(low, 1.0) if default >= 1 else low
    if config.must_be_positive(f"params.{key}"):
        low = max(low, default * 1e-3)
    return low, high


def _lookup(tree: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        tree = tree[part]
    return tree


def group_of(key: str, groups: dict[str, list[str]]) -> str:
    """The factor of an estimate: the first group with a matching pattern, else the key itself."""
    for name, patterns in groups.items():
        if any(fnmatchcase(key, p) for p in patterns):
            return name
    return key

"""Print the parameter tables of docs/ODD.md as Markdown, generated from the YAML configs.

The tables are read from the config files themselves, values as written and the trailing
comments that carry each key's meaning, unit (in brackets, e.g. ``[km]``) and source
(``[paper]``, ``[ext]``, an author and year, or "estimate"). A key without a comment of its
own takes the unit and source of the mapping it belongs to. Every leaf of the parsed YAML
must appear in a table, so a new parameter cannot be left out silently.

The tables live in ``docs/ODD.md`` between markers, ``<!-- BEGIN generated: PART ... -->``
and ``<!-- END generated: PART -->``; ``--write`` regenerates them in place and
``tests/test_docs.py`` fails while any of them differs from what the configs give.

Usage (from the repository root)::

    .venv/bin/python scripts/param_table.py --write          # regenerate the ODD's tables
    .venv/bin/python scripts/param_table.py --check          # exit 1 if one is stale
    .venv/bin/python scripts/param_table.py --part params    # print one table (or all)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
DOC = ROOT / "docs" / "ODD.md"
WRITE_COMMAND = ".venv/bin/python scripts/param_table.py --write"
SOURCE_TAGS = ("paper", "interview", "summary", "almonitor", "jpost", "ext")
SHARE_SUFFIXES = ("_prob", "_share", "_fraction", "_decay")
SHARE_NAMES = {"corruption", "effectiveness", "cohesion", "detection"}
#: Keys of a scenario file that describe or wire it rather than parameterise it.
SCENARIO_META = {"description", "events", "excludes", "scenario"}
#: Keys of config.yaml that are not run inputs (composition, Hydra, sweep blocks).
RUN_SKIP = {"defaults", "hydra", "sweep"}
#: Units implied by a key's name when its comment gives none.
UNIT_SUFFIXES = (
    ("_per_km", "1/km"), ("_km", "km"), ("_per_week", "1/week"), ("_per_month", "members/month"),
    ("rate_per_day", "1/day"), ("_fighters", "fighters"), ("_members", "members"), ("_growth", "1/day"),
    ("_recovery", "1/day"), ("_trucks_per_day", "trucks/day"), ("_per_truck", "jobs/truck"),
    ("sites_per_wave", "sites/wave"), ("date", "date"), ("days", "days"),
)  # fmt: skip
#: Units of scenario keys named by what they are.
EXACT_UNITS = {"start": "date or day", "end": "date or day"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z_][\w]*):(?P<rest>.*)$")
BRACKET = re.compile(r"\[([^\]]+)\]")
CITATION = re.compile(r"(?:[A-Z][a-z]+(?: et al\.)?|Epstein's) \d{4}|MODEL\.md [\d.]+(?:-\d+)?")


@dataclass
class Entry:
    """One key of a YAML file: its dotted path, value as written and trailing comment."""

    path: tuple[str, ...]
    value: str
    comment: str


def split_comment(rest: str) -> tuple[str, str]:
    """Split the text after ``key:`` into the value and the trailing comment."""
    quote = None
    for n, ch in enumerate(rest):
        if ch in "\"'" and quote is None:
            quote = ch
        elif ch == quote:
            quote = None
        elif ch == "#" and quote is None and (n == 0 or rest[n - 1].isspace()):
            return rest[:n].strip(), rest[n + 1 :].strip()
    return rest.strip(), ""


def scan(path: Path, skip: set[str] = frozenset()) -> list[Entry]:
    """Keys of a YAML file in order, with their values as written and their comments.

    Only block mappings are followed; lists (``- ...``) and the keys in ``skip`` (with
    everything under them) are left out.
    """
    entries: list[Entry] = []
    stack: list[tuple[int, str]] = []
    skipping: int | None = None
    for line in path.read_text().splitlines():
        m = KEY_LINE.match(line)
        if not m:
            continue
        indent, key = len(m["indent"]), m["key"]
        if skipping is not None:
            if indent > skipping:
                continue
            skipping = None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        value, comment = split_comment(m["rest"])
        if key in skip:
            skipping = indent
            continue
        entries.append(Entry((*[k for _, k in stack], key), value, comment))
        if not value:
            stack.append((indent, key))
    return entries


def leaves(data: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Dotted paths of every leaf of parsed YAML."""
    if isinstance(data, dict):
        out: set[tuple[str, ...]] = set()
        for k, v in data.items():
            out |= leaves(v, (*prefix, str(k)))
        return out
    return {prefix}


def is_share(key: str) -> bool:
    """The naming rule of configs/params/default.yaml for probabilities and shares."""
    return key.startswith("p_") or key.endswith(SHARE_SUFFIXES) or key in SHARE_NAMES


def parse_comment(comment: str) -> tuple[str, str, str]:
    """(unit, source, note) of a trailing comment."""
    unit, tags = "", []
    for content in BRACKET.findall(comment):
        if content in SOURCE_TAGS:
            tags.append(f"[{content}]")
        elif not unit:
            unit = content
    note = comment.replace(f"[{unit}]", "") if unit else comment
    sources = tags + [c for c in CITATION.findall(comment) if not c.startswith(MONTHS)]
    low = comment.lower()
    if "calibrated" in low:
        sources.append("calibrated")
    if "estimate" in low:
        sources.append("estimate")
    for tag in tags:
        note = note.replace(tag, "")
    note = re.sub(r"[,;]?\s*(?:value |weights )?estimates?\s*$", "", note.strip())
    note = re.sub(r"\s+([,;)])", r"\1", re.sub(r"\s+", " ", note))
    note = re.sub(r"[,;]+(?=[,;)])", "", note).strip(" ,;")
    if note in ("estimate", "estimates"):
        note = ""
    return unit, ", ".join(dict.fromkeys(sources)), note


def implied_unit(key: str) -> str:
    """Unit of a key whose comment names none: a share by the naming rule, or by its suffix."""
    if key in EXACT_UNITS:
        return EXACT_UNITS[key]
    if is_share(key) or key.endswith("detection"):
        return "0–1"
    return next((unit for suffix, unit in UNIT_SUFFIXES if key.endswith(suffix)), "–")


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def value_text(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1]
    return f"`{raw}`" if raw else ""


def collapse(entries: list[Entry]) -> list[Entry]:
    """Fold a block mapping whose keys are plain scalars without comments of their own
    (e.g. ``influence.radius_km``) into one entry written as an inline mapping."""
    out: list[Entry] = []
    for n, e in enumerate(entries):
        if any(out_e.path == e.path[:-1] and out_e.value.startswith("{") for out_e in out[-1:]):
            continue  # folded into its parent
        kids = []
        for k in entries[n + 1 :]:
            if k.path[: len(e.path)] != e.path:
                break
            kids.append(k)
        simple = all(len(k.path) == len(e.path) + 1 and k.value and not k.value.startswith("{") for k in kids)
        if not e.value and kids and simple and not any(k.comment for k in kids):
            inline = ", ".join(f"{k.path[-1]}: {k.value}" for k in kids)
            out.append(Entry(e.path, f"{{{inline}}}", e.comment))
        else:
            out.append(e)
    return out


def rows(entries: list[Entry], drop: int = 0) -> list[str]:
    """Table rows for the leaves (scalars and inline mappings) of the scanned entries."""
    out: list[str] = []
    entries = collapse(entries)
    groups: dict[tuple[str, ...], tuple[str, str]] = {}
    for e in entries:
        unit, source, note = parse_comment(e.comment)
        if not e.value:  # a block mapping: its comment applies to keys without their own
            if len(e.path) == drop + 1:  # a section: its comment says which submodel it serves
                out.append(f"| **{e.path[-1]}** | | | | {cell(e.comment)} |")
                continue
            parent = groups.get(e.path[:-1], ("", ""))
            groups[e.path] = (unit or parent[0], source or parent[1])
            if e.comment:
                name = ".".join(e.path[drop:])
                out.append(f"| `{name}.*` | | {cell(unit)} | {cell(source)} | {cell(note)} |")
            continue
        inherited = groups.get(e.path[:-1], ("", ""))
        if not e.comment:
            unit, source, note = inherited[0], inherited[1], ""
        if not unit or unit == "-":
            unit = implied_unit(e.path[-1])
        name, value = ".".join(e.path[drop:]), value_text(e.value)
        out.append(f"| `{name}` | {cell(value)} | {cell(unit)} | {cell(source)} | {cell(note)} |")
    return out


HEADER = ["| parameter | default | unit | source | meaning |", "|---|---|---|---|---|"]


def check_covered(entries: list[Entry], data: dict, where: str, skip: set[str] = frozenset()) -> None:
    """Fail if a leaf of the parsed file is missing from the scanned keys."""
    scanned = {e.path for e in entries}
    inline = {e.path for e in entries if e.value.startswith("{")}
    for leaf in leaves({k: v for k, v in data.items() if k not in skip}):
        if leaf not in scanned and not any(leaf[: len(p)] == p for p in inline):
            sys.exit(f"param_table: {where}: key {'.'.join(leaf)} was not found by the scanner")


def run_table(configs: Path = CONFIGS) -> list[str]:
    path = configs / "config.yaml"
    entries = [e for e in scan(path, RUN_SKIP) if e.value]
    check_covered(entries, yaml.safe_load(path.read_text()), "config.yaml", RUN_SKIP)
    return ["**Run keys** (`configs/config.yaml`)", "", *HEADER, *rows(entries)]


def params_table(configs: Path = CONFIGS) -> list[str]:
    path = configs / "params" / "default.yaml"
    entries = scan(path)
    check_covered(entries, yaml.safe_load(path.read_text()), "params/default.yaml")
    out = ["**Behavioural parameters** (`configs/params/default.yaml`, under `params.`)", "", *HEADER]
    return out + rows(entries)


def scenario_table(configs: Path = CONFIGS) -> list[str]:
    out = ["**Scenario parameters** (`configs/scenario/*.yaml`, under `scenario.<name>.`)", "", *HEADER]
    for path in sorted((configs / "scenario").glob("*.yaml")):
        entries = [e for e in scan(path, SCENARIO_META) if e.value]
        data = yaml.safe_load(path.read_text()) or {}
        check_covered(entries, data, path.name, SCENARIO_META)
        if not entries:
            out.append(f"| `{path.stem}` | | | | no parameters of its own |")
            continue
        for row in rows(entries):
            name = row.split("`")[1]
            if path.stem == "history_2019_2020":  # a global package: it sets run keys
                out.append(row.replace(f"`{name}`", f"`{name}` (set by `{path.stem}`)", 1))
            else:
                out.append(row.replace(f"`{name}`", f"`{path.stem}.{name}`", 1))
    return out


def forces_table(configs: Path = CONFIGS) -> list[str]:
    path = configs / "forces" / "qaim_bukamal_2019.yaml"
    f = yaml.safe_load(path.read_text())
    out = [f"**Order of battle** (`configs/forces/{path.name}`)", ""]
    out += [
        "| family | unit | side / alignment | fighters | base or home | notes | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in f["militias"]:
        notes = [f"funds {m.get('funds', 0):,} USD", f"recruits from {m['recruits_from']}"]
        if m.get("state_payroll"):
            notes.append("on the state payroll")
        if m.get("checkpoints"):
            notes.append("checkpoints " + ", ".join(m["checkpoints"]))
        notes += [k.replace("_", " ") for k in ("escorts_convoys", "holds_military_zone") if m.get(k)]
        out.append(
            f"| militia | {m['name']} | {m['alignment']} | {m['fighters']} | {m['base']} "
            f"| {'; '.join(notes)} | {cell(m.get('source', ''))} |"
        )
    for s in f["state_forces"]:
        notes = (
            f"{s['service']}; detection {s['detection']}, firepower {s.get('firepower', 1.0)}, "
            f"corruption {s['corruption']}"
        )
        out.append(
            f"| state | {s['name']} | {s['side']} | {s['fighters']} | {s['base']} | {notes} "
            f"| {cell(s.get('source', ''))} |"
        )
    for t in f["tribes"]:
        notes = (
            f"patron {t['patron']}; funds {t.get('funds', 0):,} USD; "
            f"kin ties {t.get('kin_across_border', 0)}; recruits from {t['recruits_from']}"
        )
        out.append(
            f"| tribe | {t['name']} | – | {t['fighters']} | {t['home']} | {notes} "
            f"| {cell(t.get('source', ''))} |"
        )
    sm, isl, us = f["smugglers"], f["islamic_state"], f["us"]
    out.append(
        f"| smugglers | {sm['crews']} crews | {sm['militia_run_share']} militia-run | – "
        f"| {', '.join(sm['staging'])} | cash {sm['cash']:,} USD per crew | estimate [paper] |"
    )
    out.append(
        f"| IS | {isl['cells']} cells | – | {isl['members_min']}–{isl['members_max']} per cell "
        f"| {', '.join(isl['hideouts'])} | cash {isl['cash']:,} USD per cell | estimate (P1) [paper] |"
    )
    out.append(
        f"| US | ground presence | – | – | {us['base']} | present {str(us['present']).lower()} "
        "| [paper]; estimate |"
    )
    route = " → ".join(f["irgc_logistics"]["route"])
    out.append(f"| IRGC logistics | convoy corridor | irgc | – | {route} | | [paper] |")
    q = f.get("quarry_traffic")
    if q:
        out.append(
            f"| quarry traffic | {q['trucks']} trucks | – | – | {q['road']} "
            f"| toll {q['toll_per_truck_month']:,} USD a month per truck | {cell(q.get('source', ''))} |"
        )
    return out


def places_table(configs: Path = CONFIGS) -> list[str]:
    """Places and gateways of the geography file, with the source of each."""
    path = configs / "geography" / "qaim_bukamal.yaml"
    geo = yaml.safe_load(path.read_text())
    out = [f"**Places and gateways** (`configs/geography/{path.name}`)", ""]
    out += ["| name | kind | country | lat, lon | pre-war population | source |", "|---|---|---|---|---|---|"]
    for name, p in geo["places"].items():
        population = f"{p['population']:,}" if p.get("population") else ""
        out.append(
            f"| `{name}` | {p.get('kind', '')} | {p.get('country', '')} | {p['lat']:.4f}, {p['lon']:.4f} "
            f"| {population} | {cell(str(p.get('source', '')))} |"
        )
    for name, g in geo.get("gateways", {}).items():
        out.append(
            f"| `{name}` | gateway: {cell(g.get('leads_to', ''))} | | {g['lat']:.4f}, {g['lon']:.4f} "
            f"| | {cell(str(g.get('source', '')))} |"
        )
    return out


def inline(value: Any) -> str:
    """A YAML value written on one line, as in the config files."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def history_table(configs: Path = CONFIGS) -> list[str]:
    """The dated events of the history scenario, with the comment (figures, source) of each."""
    path = configs / "scenario" / "history_2019_2020.yaml"
    events = yaml.safe_load(path.read_text())["scenario"]["history_2019_2020"]["events"]
    comments = [
        split_comment(m["rest"])[1] for m in map(EVENT_LINE.match, path.read_text().splitlines()) if m
    ]
    if len(comments) != len(events):
        sys.exit(f"param_table: {path.name}: {len(events)} events but {len(comments)} '- at:' lines")
    out = [f"**The history calendar** (`configs/scenario/{path.name}`)", ""]
    out += ["| date | action | arguments | what happened, source |", "|---|---|---|---|"]
    for ev, comment in zip(events, comments, strict=True):
        args = ", ".join(f"{k}: {inline(v)}" for k, v in (ev.get("args") or {}).items())
        out.append(f"| {ev['at']} | `{ev['do']}` | {cell(args)} | {cell(comment)} |")
    return out


EVENT_LINE = re.compile(r"^\s*- at:(?P<rest>.*)$")
PARTS = {
    "run": run_table,
    "params": params_table,
    "scenarios": scenario_table,
    "forces": forces_table,
    "places": places_table,
    "history": history_table,
}
#: The generated sections of a document: ``<!-- BEGIN generated: PART ... -->`` to ``<!-- END ... -->``,
#: each marker on a line of its own.
BLOCK = re.compile(
    r"^(?P<begin><!-- BEGIN generated: (?P<part>[\w-]+)[^>]*-->\n)"
    r"(?P<body>.*?)"
    r"^(?P<end><!-- END generated: (?P=part) -->)",
    re.S | re.M,
)


#: A marker starts its line; the same text inside a sentence is not a marker.
BEGIN_LINE = re.compile(r"^<!-- BEGIN generated:", re.M)


def render(part: str, configs: Path = CONFIGS) -> str:
    """The Markdown of one generated part."""
    return "\n".join(PARTS[part](configs)) + "\n"


def section(part: str, configs: Path = CONFIGS) -> str:
    """One generated part as it stands between its markers (blank lines around it, so the
    markers never run into a table)."""
    return f"\n{render(part, configs)}\n"


def sections(text: str) -> dict[str, str]:
    """The generated sections of a document, part -> text between the markers."""
    found: dict[str, str] = {}
    for m in BLOCK.finditer(text):
        if m["part"] not in PARTS:
            raise ValueError(f"unknown generated part '{m['part']}' (known: {', '.join(PARTS)})")
        if m["part"] in found:
            raise ValueError(f"generated part '{m['part']}' appears twice")
        found[m["part"]] = m["body"]
    if len(BEGIN_LINE.findall(text)) != len(found):
        raise ValueError(
            "a '<!-- BEGIN generated: PART -->' marker has no matching '<!-- END generated: PART -->'"
        )
    return found


def stale_parts(text: str, configs: Path = CONFIGS) -> list[str]:
    """Parts whose section in ``text`` differs from what the configs give now."""
    return [part for part, body in sections(text).items() if body != section(part, configs)]


def rewrite(text: str, configs: Path = CONFIGS) -> str:
    """``text`` with every generated section regenerated from the configs."""
    sections(text)  # check the markers first
    return BLOCK.sub(lambda m: m["begin"] + section(m["part"], configs) + m["end"], text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all", help="which table to print")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the generated sections of --doc in place")
    mode.add_argument("--check", action="store_true", help="exit 1 if a generated section of --doc is stale")
    parser.add_argument("--doc", type=Path, default=DOC, help="the document (default docs/ODD.md)")
    args = parser.parse_args(argv)
    if args.write or args.check:
        text = args.doc.read_text()
        stale = stale_parts(text)
        if args.write and stale:
            args.doc.write_text(rewrite(text))
            print(f"{args.doc}: regenerated {', '.join(stale)}")
        elif stale:
            print(
                f"{args.doc}: stale generated sections: {', '.join(stale)}; run {WRITE_COMMAND}",
                file=sys.stderr,
            )
            return 1
        return 0
    names = list(PARTS) if args.part == "all" else [args.part]
    print("\n".join(render(n) for n in names), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

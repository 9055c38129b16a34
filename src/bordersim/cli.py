"""The ``bordersim`` command: a Hydra app that runs the model once, or a block of seeds per job.

``bordersim seed=7 days=180`` runs once into Hydra's run directory and prints a summary; any
config key can be overridden. A bad value stops with one line naming the key and what is
allowed, exit code 2, and no output files.

``bordersim -m experiment=NAME`` sweeps scenarios, parameters and seeds (experiments/README.md):
each job runs its block of seeds into ``seed_NNNN/`` directories, and the sweep ends with the
collected dataset and the comparison table; it exits 1 if any run failed or is missing.
``bordersim -m experiment=morris`` (or ``sobol``, ``discovery``) is a sensitivity study instead:
each job runs a block of sample rows in every scenario (:mod:`bordersim.sensitivity`).
"""

from __future__ import annotations

import re
import shutil
import sys
from importlib import resources
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import OverrideType
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig

from bordersim import config
from bordersim.errors import ConfigError

#: Where a sweep's or sensitivity study's state lives once a multirun has imported it (see :func:`main`).
SWEEP_MODULES = ("bordersim.experiments.sweep", "bordersim.sensitivity.study")


@hydra.main(version_base="1.3", config_path="pkg://bordersim.configs", config_name="config")
def app(cfg: DictConfig) -> None:
    out = Path(HydraConfig.get().runtime.output_dir)
    if HydraConfig.get().mode == RunMode.MULTIRUN and "sensitivity" in cfg:  # experiment=morris, sobol, ...
        from bordersim.sensitivity.runner import run_rows

        run_rows(cfg, Path(HydraConfig.get().sweep.dir))
        return
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        from bordersim.experiments.runner import run_block  # the model's stack, loaded when a job runs

        run_block(cfg, out)
        return
    from bordersim.api import run

    try:
        result = run(cfg)
    except ConfigError as err:
        _discard(out)
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    result.write(out)
    print_summary(result.summary, out)


def print_summary(summary: dict, out: Path) -> None:
    from bordersim.metrics import headline

    s = summary
    scenario, days = "+".join(s["scenario"]), s["outcomes"]["days"]
    print(f"bordersim run: scenario {scenario}, seed {s['seed']}, {days} days from {s['start_date']}")
    for label, value in headline(s["outcomes"]):
        print(f"  {label:<38} {value}")
    print(f"outputs: {out}")


def _discard(out: Path) -> None:
    """Remove a run directory that holds nothing but Hydra's own records."""
    if out.is_dir() and all(p.name == ".hydra" or p.suffix == ".log" for p in out.iterdir()):
        shutil.rmtree(out)


def precheck(argv: list[str]) -> None:
    """Checks Hydra would report with a traceback or without the allowed values: selected
    files of a ``--config-dir`` that are not valid YAML, unknown top-level keys and unknown
    scenario names."""
    config_dir = _config_dir(argv)
    try:
        overrides = OverridesParser.create().parse_overrides([a for a in argv if "=" in a and a[0] != "-"])
    except HydraException:
        return  # Hydra reports malformed overrides itself
    known = config.TOP_LEVEL | config.EXTRA_TOP_LEVEL | {"hydra", "experiment"}
    selected = [config_dir / "config.yaml"] if config_dir is not None else []
    for o in overrides:
        top = re.split(r"[./]", o.key_or_group)[0]
        if o.type == OverrideType.CHANGE and o.package is None and top not in known:
            raise ConfigError(o.key_or_group, "unknown key", ", ".join(sorted(config.TOP_LEVEL)))
        if o.is_sweep_override() or o.type == OverrideType.DEL or not isinstance(o.value(), str | list):
            continue
        value = o.value()
        names = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        if config_dir is not None:
            selected += [config_dir / o.key_or_group / f"{name}.yaml" for name in names]
        if o.key_or_group == "scenario":
            options = scenario_names(config_dir)
            for name in names:
                if name not in options:
                    raise ConfigError("scenario", f"unknown scenario '{name}'", ", ".join(options))
    for path in selected:
        if path.is_file():
            check_yaml(path)


def _config_dir(argv: list[str]) -> Path | None:
    """The ``--config-dir`` of the command line, if any."""
    for n, arg in enumerate(argv):
        if arg in ("--config-dir", "-cd") and n + 1 < len(argv):
            return Path(argv[n + 1])
        if arg.startswith("--config-dir="):
            return Path(arg.split("=", 1)[1])
    return None


def check_yaml(path: Path) -> None:
    """A ConfigError naming the file and line if it is not valid YAML."""
    try:
        yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(str(path), f"{problem}{where}", "a valid YAML file") from None


def scenario_names(config_dir: Path | None = None) -> list[str]:
    """The shipped scenarios and those in ``config_dir/scenario``."""
    shipped = resources.files(config.CONFIG_MODULE).joinpath("scenario")
    names = {Path(f.name).stem for f in shipped.iterdir() if f.name.endswith(".yaml")}
    if config_dir is not None:
        names |= {f.stem for f in (config_dir / "scenario").glob("*.yaml")}
    return sorted(names)


GROUPS = ("scenario", "experiment", "geography", "forces", "params")


def usage(config_dir: Path | None = None) -> str:
    """The command's help: how to call it, the config groups and their options, the run keys.

    Hydra's own ``--help`` composes and prints the whole config (over a second); this one
    reads the config folders only, and points to ``--cfg job`` for the composed config."""
    shipped = resources.files(config.CONFIG_MODULE)
    lines = [
        "bordersim: one run of the Qa'im-Bukamal border zone, or a sweep with -m.",
        "",
        "usage: bordersim [KEY=VALUE ...]          one run (e.g. seed=7 days=180 scenario=[strike])",
        "       bordersim -m experiment=NAME [...]  a sweep of scenarios, parameters and seeds",
        "       bordersim --cfg job [...]           print the composed config without running",
        "       bordersim --hydra-help              Hydra's own flags (launchers, --config-dir, ...)",
        "",
        "config groups (group=option):",
    ]
    for group in GROUPS:
        names = {Path(f.name).stem for f in shipped.joinpath(group).iterdir() if f.name.endswith(".yaml")}
        if config_dir is not None and (config_dir / group).is_dir():
            names |= {f.stem for f in (config_dir / group).glob("*.yaml")}
        lines.append(f"  {group:<11} {', '.join(sorted(names))}")
    lines += ["", "run keys (defaults from configs/config.yaml):"]
    top = yaml.safe_load(shipped.joinpath("config.yaml").read_text())
    lines += [f"  {key}={str(top[key]).lower() if isinstance(top[key], bool) else top[key]}"
              for key in sorted(config.TOP_LEVEL) if key in top]  # fmt: skip
    lines += ["", "any parameter: params.<submodel>.<name>=VALUE (configs/params/default.yaml)"]
    return "\n".join(lines)


def main() -> None:
    argv = sys.argv[1:]
    if "--help" in argv or "-h" in argv:
        print(usage(_config_dir(argv)))
        sys.exit(0)
    try:
        precheck(argv)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    try:
        app()
    finally:  # a multirun imported the sweep or study module (its callback); collect it once
        modules = [sys.modules.get(name) for name in SWEEP_MODULES]
        status = max([m.finish() for m in modules if m is not None], default=0)
    sys.exit(status)

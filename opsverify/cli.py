"""The `opsverify` command: start a project, see what the checklists cover, list the demo's faults.

    opsverify init [DIR] [--system NAME]       a minimal working checklist, environment and secrets example
    opsverify coverage [--system S] [--json]   items automated / manual (with reason)
    opsverify faults                            the demo's named faults and the item ids each breaks
    opsverify --version

The checks themselves run under pytest: `pytest -m postdeploy --env NAME`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__, exitcodes
from .checklist import NAME_PATTERN, load_checklists
from .coverage import coverage_report, format_coverage, sorted_ids
from .errors import ConfigError, StopRun

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_checklists() -> Path:
    here = Path.cwd() / "checklists"
    return here if here.is_dir() else PROJECT_ROOT / "checklists"


def coverage(args: argparse.Namespace) -> int:
    checks = load_checklists(args.checklists or default_checklists())
    known = {c.system for c in checks}
    unknown = [s for s in args.system if s not in known]
    if unknown:
        raise ConfigError(f"--system {unknown[0]}: unknown system (known: {', '.join(sorted(known))})")
    report = coverage_report([c for c in checks if not args.system or c.system in args.system])
    print(json.dumps(report, indent=2) if args.json else format_coverage(report))
    return 0


def faults(args: argparse.Namespace) -> int:
    from demo import FAULTS
    from demo.components import FAULTS as COMPONENT_FAULTS

    every = {**FAULTS, **COMPONENT_FAULTS}
    width = max(len(name) for name in every)
    for name in sorted(every):
        fault = every[name]
        print(f"{name:<{width}}  breaks {', '.join(sorted_ids(fault.breaks)):<12} {fault.description}")
    print(f"\n{len(every)} faults; switch one on with: python -m pytest --env demo --demo-fault NAME")
    return 0


def init(args: argparse.Namespace) -> int:
    """Write a minimal working project: one HTTP item, one database item, their environment."""
    import re

    from .scaffold import project_files

    if not re.fullmatch(NAME_PATTERN, args.system):
        raise ConfigError(f"--system {args.system}: use lowercase letters, digits and '-' (e.g. my-app)")
    root = Path(args.dir)
    files = project_files(args.system)
    existing = [name for name in files if (root / name).exists()]
    if existing:
        raise ConfigError(f"{root / existing[0]} already exists; opsverify init writes only new files")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    prefix = args.system.replace("-", "_").upper()
    print(f"\nnext: set {prefix}_DATABASE_URL and {prefix}_WEB_URL (see environments/local.secrets.env.example),"
          f"\nthen: pytest -m postdeploy --env local")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="opsverify", description="production verification suite (checks run under pytest)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes (of `pytest --env ...` and of these commands):\n" + exitcodes.plain())
    top.add_argument("--version", action="version", version=f"opsverify {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ini = commands.add_parser("init", help="write a minimal working checklist, environment and secrets example")
    ini.add_argument("dir", nargs="?", default=".", help="project folder (default: here)")
    ini.add_argument("--system", default="my-app", help="the system's name (default: my-app)")
    ini.set_defaults(run=init)
    cov = commands.add_parser("coverage", help="per system and in total: items automated / manual / not yet built")
    cov.add_argument("--checklists", type=Path, metavar="DIR", help="checklist folder (default: ./checklists)")
    cov.add_argument("--system", action="append", default=[], metavar="SYSTEM", help="only this system (repeatable)")
    cov.add_argument("--json", action="store_true", help="the report as JSON (as in a run archive's coverage.json)")
    cov.set_defaults(run=coverage)
    flt = commands.add_parser("faults", help="the demo deployment's named faults and the item ids each breaks")
    flt.set_defaults(run=faults)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except StopRun as exc:
        print(f"opsverify: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `opsverify coverage | head`
        sys.stdout = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main())

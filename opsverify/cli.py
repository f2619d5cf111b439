"""The `opsverify` command: what the checklists cover, and which faults the demo can switch on.

    opsverify coverage [--system S] [--json]   items automated / manual (with reason) / not yet built
    opsverify faults                            the demo's named faults and the item ids each breaks

The checks themselves run under pytest: `python -m pytest --env NAME`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .checklist import load_checklists
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


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="opsverify", description="production verification suite (checks run under pytest)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
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

"""Checklists are data: `checklists/<system>.yaml`, validated strictly before any check runs."""

from __future__ import annotations

import enum
import functools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from .display import acted_on
from .errors import ConfigError

# A team's own stable ids: H1, db-rls-01, PAY-12 — letters, digits, '.', '_' and '-', at most 40 characters.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class Cadence(str, enum.Enum):
    postdeploy = "postdeploy"
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


class Severity(str, enum.Enum):
    blocker = "blocker"
    critical = "critical"
    normal = "normal"
    minor = "minor"
    trivial = "trivial"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_written(value: str) -> str:
    """A runbook's words reach terminals, CI logs and the auditor's report: none may hold a character those
    act on (ESC starts a colour or clears the screen, CR rewrites the line, U+202E reverses what follows)."""
    found = acted_on(value)
    if found:
        raise ValueError(f"holds the control character {found}, which a terminal or a report would act on;"
                         " write the words without it")
    return value


Words = Annotated[str, AfterValidator(_as_written)]


class ItemModel(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(pattern=NAME_PATTERN)
    section: Words
    title: Words
    family: str
    cadence: Cadence | None = None
    severity: Severity = Severity.normal
    mutating: bool = False
    remediation: Words = ""
    reason: Words = ""
    params: dict[str, Any] = Field(default_factory=dict)


class ChecklistModel(_Strict):
    system: str = Field(pattern=NAME_PATTERN)
    runbook: Words
    items: list[ItemModel]

    @field_validator("items")
    @classmethod
    def _some(cls, items: list[ItemModel]) -> list[ItemModel]:
        if not items:  # its system would be unknown to --system and the environment, without a word
            raise ValueError("no items: a checklist holds at least one (a manual item with its reason counts)")
        return items


@dataclass(frozen=True, eq=False)
class Check:
    """One checklist entry: one pytest result."""

    system: str
    id: str
    name: str
    section: str
    title: str
    family: str
    cadence: Cadence | None
    severity: Severity
    mutating: bool
    remediation: str
    reason: str
    params: Any  # the family's validated Params, or a plain dict for families not built yet
    source: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.id}-{self.name}"

    @property
    def manual(self) -> bool:
        return self.family == "manual"

    def __repr__(self) -> str:  # shown as the Allure/pytest parameter: never the params
        return self.key


def shown(path: Path) -> str:
    """A path as the operator typed it: relative to the working directory when inside it."""
    return _shown(str(path), os.getcwd())


@functools.lru_cache(maxsize=256)  # a fleet names its environment file once per database
def _shown(path: str, cwd: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(cwd).resolve()))
    except (ValueError, RuntimeError, OSError):  # outside the working directory; a symlink loop
        return path


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def _no_duplicate_keys(loader_class: type) -> type:
    """YAML keeps the last of two equal keys and drops the first without a word: `max: 0` then `max: 100`
    would be judged with 100, the first accepted but never judged. Here a repeated key is an error."""

    class Strict(loader_class):
        def construct_mapping(self, node, deep=False):
            seen: dict[tuple[str, str], Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                    continue  # a merge (<<) may be overridden on purpose; keys are scalars in any runbook
                mark = (key_node.tag, key_node.value)
                if mark in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{key_node.value}' appears twice in one mapping (line "
                        f"{seen[mark].line + 1} and here): keep one", key_node.start_mark)
                seen[mark] = key_node.start_mark
            return super().construct_mapping(node, deep=deep)

    return Strict


_LOADER = _no_duplicate_keys(getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml's C parser when present


def _yaml_loader() -> type:
    """libyaml's C loader when present (ten times faster on a big checklist), else the pure-Python one;
    either refuses a key given twice."""
    return _LOADER


MAX_FILE_BYTES = 16 * 1024 * 1024  # a checklist, environment or waivers file: far beyond any runbook


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        text = _bounded_text(path)
    except UnicodeDecodeError as exc:
        problems.append(f"{shown(path)}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start});"
                        " save the file as UTF-8")
        return None
    except ValueError as exc:  # not a file one can read whole: a device, a FIFO, a file of gigabytes
        problems.append(f"{shown(path)}: {exc}")
        return None
    except OSError as exc:
        problems.append(f"{shown(path)}: cannot read: {exc.strerror}")
        return None
    try:
        data = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a safe loader
        problem = _expansion_problem(data) if _ALIAS.search(text) else None
        if problem:
            problems.append(f"{shown(path)}: {problem}")
            return None
        return data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(f"{shown(path)}{where}: not valid YAML: {problem}")
    except (ValueError, OverflowError) as exc:  # a date the calendar lacks (2099-02-30): YAML's own constructor
        problems.append(f"{shown(path)}: not valid YAML: a date or time that does not exist ({exc})")
    except RecursionError:
        problems.append(f"{shown(path)}: not valid YAML: nested deeper than it can be read")
    return None


def _bounded_text(path: Path) -> str:
    """The file's text, read only if it is a regular file of at most MAX_FILE_BYTES."""
    if not stat.S_ISREG(path.stat().st_mode):  # before opening: a FIFO's open would wait for a writer
        raise ValueError("not a regular file (a device, a FIFO or a folder): point it at a file")
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2 ** 20} MiB: not a checklist, environment or waivers file")
    return data.decode("utf-8")


_ALIAS = re.compile(r"(?:^|[\s\[{,])\*[^\s\]},]", re.MULTILINE)  # what could be an alias (`*name`): else no walk
MAX_VALUES = 1_000_000  # values a file may hold once its aliases are expanded: far beyond any runbook


def _expansion_problem(data: Any) -> str | None:
    """A YAML alias reuses a value without copying it: nine anchors of nine aliases each hold 9⁹ values in a few
    lines, which would exhaust memory as soon as anything walks them. Each distinct value is sized once."""
    if not isinstance(data, (dict, list)):
        return None
    sizes: dict[int, int] = {}  # id -> values it holds expanded; 0 while its own children are being sized
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, children_sized = stack.pop()
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        if children_sized:
            size = sizes[id(node)] = 1 + sum(sizes[id(c)] if isinstance(c, (dict, list)) else 1 for c in children)
            if size > MAX_VALUES:
                return (f"its YAML aliases expand it to more than {MAX_VALUES:,} values (an alias bomb?): "
                        "write the values out, or reuse fewer anchors")
            continue
        if id(node) in sizes:
            if sizes[id(node)] == 0:
                return "a YAML alias refers to a value that contains it (a value that holds itself): remove the alias"
            continue
        sizes[id(node)] = 0  # being sized
        stack.append((node, True))
        stack.extend((c, False) for c in children if isinstance(c, (dict, list)))
    return None


def load_checklists(directory: Path) -> list[Check]:
    """Every checklist in `directory`, all problems reported together."""
    from .families import FAMILY_NAMES, params_model
    from .families import get as family_module

    problems: list[str] = []
    checks: list[Check] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ConfigError(f"{shown(directory)}: no checklists (*.yaml) found")
    # a .yml file would be collected by nothing and its items silently missing from the run
    problems += [f"{shown(path)}: checklists are *.yaml files; rename it {path.stem}.yaml"
                 for path in sorted(directory.glob("*.yml"))]
    seen_systems: dict[str, Path] = {}
    for path in files:
        label = shown(path)
        before = len(problems)
        raw = _read_yaml(path, problems)
        if raw is None:
            if len(problems) == before:
                problems.append(f"{label}: the file is empty; a checklist needs system, runbook and items")
            continue
        try:
            model = ChecklistModel.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(f"{label}: {_describe_location(raw, err['loc'])}: {err['msg']}")
            continue
        if model.system != path.stem:
            problems.append(f"{label}: system '{model.system}' does not match the file name '{path.stem}'")
        if model.system in seen_systems:
            problems.append(f"{label}: system '{model.system}' already defined in {seen_systems[model.system]}")
        seen_systems[model.system] = label
        keys: set[str] = set()
        for item in model.items:
            where = f"{label}: {item.id}-{item.name}"
            if f"{item.id}-{item.name}" in keys:
                problems.append(f"{where}: duplicate id-name")
            keys.add(f"{item.id}-{item.name}")
            if item.family not in FAMILY_NAMES:
                known = ", ".join(sorted(FAMILY_NAMES))
                problems.append(f"{where}: family: unknown family '{item.family}' (known: {known})")
                continue
            if item.family == "manual":
                if not item.reason:
                    problems.append(f"{where}: reason: a manual item needs the reason it cannot be automated")
                params: Any = item.params
            else:
                if item.cadence is None:
                    problems.append(f"{where}: cadence: required (postdeploy, daily, weekly or monthly)")
                model_cls = params_model(item.family)
                if model_cls is None:
                    params = item.params  # family not built yet: kept as data, skipped at run time
                else:
                    try:
                        params = model_cls.model_validate(item.params)
                    except ValidationError as exc:
                        for err in exc.errors():
                            problems.append(f"{where}: params.{_location(err['loc'])}: {err['msg']}")
                        continue
                    problems.extend(f"{where}: {p}" for p in _item_problems(family_module(item.family), params,
                                                                            item.mutating))
            checks.append(
                Check(
                    system=model.system,
                    id=item.id,
                    name=item.name,
                    section=item.section,
                    title=item.title,
                    family=item.family,
                    cadence=item.cadence,
                    severity=item.severity,
                    mutating=item.mutating,
                    remediation=item.remediation,
                    reason=item.reason,
                    params=params,
                    source=str(path),
                )
            )
    if problems:
        raise ConfigError(_summarise(problems, "checklist"))
    return checks


def _item_problems(module: Any, params: Any, mutating: bool) -> list[str]:
    validate_item = getattr(module, "validate_item", None)
    return list(validate_item(params, mutating)) if validate_item is not None else []


def load_item_params(family: str, params: dict[str, Any], *, mutating: bool = False) -> Any:
    """One item's params as the loader validates them; ValueError (or ValidationError) when refused."""
    from .families import get as family_module, params_model

    validated = params_model(family).model_validate(params)
    problems = _item_problems(family_module(family), validated, mutating)
    if problems:
        raise ValueError("; ".join(problems))
    return validated


def _describe_location(raw: Any, loc: tuple) -> str:
    """Turn ('items', 3, 'family') into 'J4-env: family' when the item can be named."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        try:
            item = raw["items"][loc[1]]
            label = f"{item.get('id', '?')}-{item.get('name', '?')}"
        except (KeyError, IndexError, TypeError, AttributeError):
            label = f"items[{loc[1]}]"
        rest = _location(loc[2:])
        return f"{label}: {rest}" if rest else label
    return _location(loc) or "(top level)"


def _summarise(problems: list[str], what: str) -> str:
    head = problems[0] if len(problems) == 1 else f"{len(problems)} {what} problems:\n  " + "\n  ".join(problems)
    return head


def inventory_ids(inventory: Path) -> dict[str, str]:
    """Inventory id -> family column, read from the INVENTORY.md tables."""
    ids: dict[str, str] = {}
    for line in inventory.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*([SCJBT]\d{1,2})\s*\|(.*)$", line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")]
            ids[match.group(1)] = cells[2] if len(cells) > 2 else ""
    return ids

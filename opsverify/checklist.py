"""Checklists are data: `checklists/<system>.yaml`, validated strictly before any check runs."""

from __future__ import annotations

import datetime
import decimal
import difflib
import enum
import functools
import json
import os
import posixpath
import re
import stat
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from .display import acted_on, blank, blank_held, cut, one_line, spelled, visible
from .errors import ConfigError
from .folders import walk

# A team's own stable ids: H1, db-rls-01, PAY-12 — letters, digits, '.', '_' and '-', at most 40 characters.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# The patterns in words, for the message that refuses a word out of them (by the field's name).
_PATTERN_WORDS = {
    "id": "an id holds only ASCII letters, digits, '.', '_' and '-', starts with a letter or digit and is at most"
          " 40 characters long",
    "name": "a name holds only lowercase ASCII letters, digits and '-', and starts with a letter or digit",
    "system": "a system's name holds only lowercase ASCII letters, digits and '-', and starts with a letter or digit",
}


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
    act on (ESC starts a colour or clears the screen, CR rewrites the line, U+202E reverses what follows). Each is
    one line of the summary and of a failure's message: a line break would print the rest as a line of its own
    (one that can read as the run's summary)."""
    found = acted_on(value)
    if found:
        raise ValueError(f"holds the control character {found}, which a terminal or a report would act on;"
                         " write the words without it")
    if "\n" in value:
        at_end = " at its end (YAML's | and > blocks keep their last one)" if value.find("\n") == len(value) - 1 else ""
        folded = (" (a blank line inside a >- block keeps a line break: remove it)"
                  if isinstance(value, Folded) and "\n" in value.rstrip("\n") else "")
        raise ValueError(f"holds a line break{at_end}: write it on one line, or use >- to fold lines into one{folded}")
    return value


def _text(value: Any) -> Any:
    """A word YAML read as a number, true/false or a date (`id: 1:30`, `name: 010`): refused, showing how to
    quote it (see `Unquoted`, made by the checklists' loader). A folded block's word is judged here, while it is
    known to be one (see `Folded`)."""
    if isinstance(value, Unquoted):
        raise ValueError(value.problem())
    if isinstance(value, Folded):
        return str(_as_written(value))
    return value


class Folded(str):
    """A word written as a folded block (`>-`), as the loader that keeps words read it: a blank line inside one
    keeps a line break, which advising `>-` would not remove."""


Text = Annotated[str, BeforeValidator(_text)]
Words = Annotated[str, BeforeValidator(_text), AfterValidator(_as_written)]


def only_boolean(value: Any) -> Any:
    """pydantic reads "yes", "on", 1 and "1" as true where a boolean belongs: `allow_mutating: "yes"` would let a
    run make the targets do work on a word that is no boolean (and an item's `mutating: "no"` say it makes none).
    YAML 1.1 reads `yes`, `on`, `no` and `off` unquoted as booleans before pydantic sees them, so the loader keeps
    a switch's word as written (an `Unquoted`, see `_EnvironmentLoader` and `_ChecklistLoader`): only true and false
    (in any case, as YAML 1.2 reads them) are taken."""
    if isinstance(value, Unquoted):
        if isinstance(value.read, bool) and value.lower() in ("true", "false"):
            return value.read
        if isinstance(value.read, bool):
            read = str(value.read).lower()
            raise ValueError(f"must be true or false, not {value} (which YAML 1.1 reads as {read}): write {read}")
        value = value.read  # a number or a date: said by its kind, below
    if isinstance(value, str) and "${" in value:  # the file is validated as written: no variable can give one
        raise ValueError("must be true or false, not a ${VAR}: variables are not read in switches (the file is "
                         "validated as written): write true or false")
    if not isinstance(value, bool):
        meant = _SWITCH_WORDS.get(str(value).strip().lower()) if isinstance(value, (str, int, float)) else None
        if meant is not None:  # "false" quoted, or 0: the switch is plain to see, and must be written so
            quoted = isinstance(value, str) and value.strip().lower() in _YAML_SWITCHES  # unquoted, YAML reads it
            raise ValueError(f"must be true or false, not {_kind_of(value)} ({value!r}): write {meant}"
                             + (", unquoted" if quoted else ""))
        raise ValueError(f"must be true or false, not {_kind_of(value)}")
    return value


_SWITCH_WORDS = {"true": "true", "false": "false", "yes": "true", "no": "false", "on": "true", "off": "false",
                 "y": "true", "n": "false", "t": "true", "f": "false",
                 "1": "true", "0": "false", "1.0": "true", "0.0": "false"}
_YAML_SWITCHES = {"true", "false", "yes", "no", "on", "off"}  # the words YAML 1.1 reads as booleans unquoted


class ItemModel(_Strict):
    id: Text = Field(pattern=ID_PATTERN)
    name: Text = Field(pattern=NAME_PATTERN)
    section: Words
    title: Words
    family: Text
    cadence: Cadence | None = None
    severity: Severity = Severity.normal
    mutating: Annotated[bool, BeforeValidator(only_boolean)] = False
    remediation: Words = ""
    reason: Words = ""
    params: dict[Any, Any] = Field(default_factory=dict)  # a key no text (`~:`, `1:`) is said as written, by its family


class ChecklistModel(_Strict):
    system: Text = Field(pattern=NAME_PATTERN)
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
    line: int = field(default=0, compare=False)  # where the item starts in `source` (1-based; 0: not known)

    @property
    def key(self) -> str:
        return f"{self.id}-{self.name}"

    @property
    def manual(self) -> bool:
        return self.family == "manual"

    def __repr__(self) -> str:  # shown as the Allure/pytest parameter: never the params
        return self.key


def shown(path: Path) -> str:
    """A path as the operator typed it: relative to the working directory when inside it — every character a terminal
    acts on written as its escape, a line break too (a file named with ESC or a newline is the repository's, not the
    run's, and must not clear a terminal or print a line of its own)."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was removed under the run (a folder emptied): the path as it is
        return one_line(str(path))
    return one_line(_shown(str(path), cwd))


@functools.lru_cache(maxsize=256)  # a fleet names its environment file once per database
def _shown(path: str, cwd: str) -> str:
    try:  # the path itself, not where a symlink leads: `checklists/till.yaml`, as the operator named it
        return str(Path(os.path.abspath(path)).relative_to(cwd))
    except ValueError:
        pass
    try:
        return str(Path(path).resolve().relative_to(Path(cwd).resolve()))
    except (ValueError, RuntimeError, OSError):  # outside the working directory; a symlink loop
        return path


_UNION_MEMBER = re.compile(r"(?:[a-z][a-z-]*)?\[.*\]", re.DOTALL)  # pydantic's `list[int]`, and `[key]`


def _location(loc: tuple) -> str:
    """A field's path as a checklist writes it: pydantic's names of the union member tried
    (`function-after[_status_code(), int]`, `list[int]`) are its own, not the user's (whose keys stay). Told by the
    word, for the checklist's, environment's and waivers' own models; params, whose unions name plain members (`int`,
    `float`) a user's key may be called too, are told by their model's shape (`_one_form_each`)."""
    return _path(part for part in loc if not (isinstance(part, str) and _UNION_MEMBER.fullmatch(part)))


def _path(parts: Any) -> str:
    """Keys and list indices as `params.json.a.0`; each key spelled out, as a person wrote it (see `spelled`)."""
    return ".".join(spelled(str(part)) for part in parts)


_MERGE = "tag:yaml.org,2002:merge"


def _key_mark(key_node: Any) -> tuple[str, Any]:
    """What a key is, to tell two keys apart: its tag and text, or for YAML's null, booleans and numbers the value
    read (`~` and `null` are one key, as are `yes` and `true`, `0x1` and `1`, `1` and `1.0`, `true` and `1`)."""
    build = _SCALAR_KEYS.get(key_node.tag)
    if build is not None:
        try:  # as a Python mapping tells keys apart: True, 1 and 1.0 are one key, "1" another
            return "value", build(_NUMBERS, key_node)
        except Exception:  # noqa: BLE001 — one YAML cannot read is said by the constructor, not here
            pass
    return key_node.tag, key_node.value


def _no_duplicate_keys(loader_class: type) -> type:
    """YAML keeps the last of two equal keys and drops the first without a word: `max: 0` then `max: 100`
    would be judged with 100, the first accepted but never judged. Here a repeated key is an error.

    Merges (`<<: *defaults`, `<<: [*a, *b]`) are read by one rule, not PyYAML's: a key written in the mapping
    itself wins over a merged one (that is what a merge is for), and a key that two merged mappings both hold
    is refused — PyYAML 6.0 picks one of the two by how the key is spelled."""

    class Strict(loader_class):
        def flatten_mapping(self, node):
            own, sources = [], []
            seen: dict[tuple[str, str], Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    sources += _merged_mappings(node, value_node)
                    continue
                if key_node.tag == "tag:yaml.org,2002:value":  # as PyYAML reads `=`
                    key_node.tag = "tag:yaml.org,2002:str"
                own.append((key_node, value_node))
                if not isinstance(key_node, yaml.ScalarNode):
                    continue  # keys are scalars in any runbook
                mark = _key_mark(key_node)
                if mark in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{spelled(key_node.value)}' appears twice in one mapping (line "
                        f"{seen[mark].line + 1} and here): keep one", key_node.start_mark)
                seen[mark] = key_node.start_mark
            merged, merged_from = [], {}
            for source in sources:
                self.flatten_mapping(source)  # its own merges first: it then holds each of its keys once
                for key_node, value_node in source.value:
                    mark = _key_mark(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                    if mark in seen:
                        continue  # written here: wins over the merged value
                    if mark in merged_from:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"the key '{spelled(key_node.value)}' is in two merged mappings (line "
                            f"{merged_from[mark].line + 1} and here): keep it in one, or write it in the mapping "
                            "that merges them", key_node.start_mark)
                    if mark is not None:
                        merged_from[mark] = key_node.start_mark
                    merged.append((key_node, value_node))
            node.value = merged + own  # no merge key left: flattening it again changes nothing

    return Strict


def _merged_mappings(node: Any, value_node: Any) -> list[Any]:
    if isinstance(value_node, yaml.MappingNode):
        return [value_node]
    if isinstance(value_node, yaml.SequenceNode) and all(isinstance(n, yaml.MappingNode) for n in value_node.value):
        return list(value_node.value)
    raise yaml.constructor.ConstructorError(
        "while constructing a mapping", node.start_mark,
        "<< merges a mapping or a list of mappings, not anything else", value_node.start_mark)


_LOADER = _no_duplicate_keys(getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml's C parser when present


def _yaml_loader() -> type:
    """libyaml's C loader when present (ten times faster on a big checklist), else the pure-Python one;
    either refuses a key given twice."""
    return _LOADER


class Unquoted(str):
    """A checklist's word that YAML would read as something else — `id: 1:30` (the number 90), `name: 010` (8),
    `title: yes` (true): kept as written, so that the refusal can show it and say how to quote it. (YAML's own
    words only: digits, letters and punctuation, nothing a terminal acts on.)"""

    key: str | None  # the key it is the value of, as written; None for a key or a list's element
    read: Any

    def problem(self) -> str:
        return f"YAML reads {self} as {self._kind()}, not as text: quote it: {self._quoted()}"

    def key_problem(self) -> str:
        return f"YAML reads the key {self} as {self._kind()}, not as text: quote it: {self._quoted()}"

    def boolean_or_text(self) -> str:
        """Where both a boolean and a text would be taken (any JSON value): only true and false are booleans."""
        return (f"YAML reads {self} as {self._kind()}: write {self._kind()} for the boolean, or quote it for the"
                f" text: {self._quoted()}")

    def _kind(self) -> str:
        if isinstance(self.read, bool):
            return "a boolean" if self.lower() == str(self.read).lower() else str(self.read).lower()
        if isinstance(self.read, (int, float)):
            return "a number" if str(self.read) == self else f"the number {self.read}"
        if self.read is None:  # `null:`, `~:` as a key
            return "nothing (null)"
        return "a date"

    def _quoted(self) -> str:
        quoted = "'" + self.replace("'", "''") + "'"
        return f"{self.key}: {quoted}" if self.key is not None else quoted


class WrittenNumber(float):
    """A number of an item's params as YAML reads it — a float — keeping the text it was written as: YAML reads
    1.0e-400 as 0.0, 1.0e+400 as infinity and 0.30000000000000001 as 0.3, so a family that compares exactly (sql)
    reads `exact()`. Elsewhere it is the float."""

    __slots__ = ("written",)
    written: str

    def exact(self) -> decimal.Decimal:
        """The number as written, exactly (`1_000.5` as YAML reads it); YAML's own words (.inf) and forms no decimal
        writes (base 60) as YAML's float of them."""
        try:
            return decimal.Decimal(self.written.replace("_", ""))  # no context: every digit written is kept
        except decimal.InvalidOperation:
            return decimal.Decimal(float(self))


def _written_number(loader: Any, node: Any) -> WrittenNumber:
    number = WrittenNumber(loader.construct_yaml_float(node))
    number.written = node.value
    return number


@dataclass(frozen=True)
class Misread:
    """A word in an item's params that YAML reads as a boolean (a value) or as anything but text (a key), where
    it was written: its path (keys as written, list indices), and the word."""

    path: tuple
    word: Unquoted
    key: bool


_TEXT_KEYS = ({"system", "runbook"}, {"id", "name", "section", "title", "family", "remediation", "reason"})
# texts that must be given: `system: null` is the word null (a system may be named so), never "nothing"
_NAMES_GIVEN = frozenset({"system", "runbook", "id", "name", "section", "title", "family"})
_NOT_TEXT = {f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "timestamp")}
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_FLOAT = "tag:yaml.org,2002:float"
_UNQUOTED_TAG = "tag:opsverify:unquoted"
_FOLDED_TAG = "tag:opsverify:folded"
_WRITTEN_NUMBER_TAG = "tag:opsverify:written-number"


def _read_otherwise(node: Any) -> bool:
    """A plain scalar YAML reads as a number, a boolean or a date: `NO`, `on`, `1.10`, `2026-01-02`; or a word
    tagged as a boolean whatever its quotes (`!!bool "on"` is true too) that is no true or false."""
    if not isinstance(node, yaml.ScalarNode):
        return False
    if node.tag == _BOOL and node.value.lower() not in ("true", "false"):
        return True  # a quoted scalar is text unless tagged, so a quoted one read as a boolean was tagged so
    return not node.style and node.tag in _NOT_TEXT


# a number as YAML 1.2 (and so JSON, most tools) reads one: YAML 1.1 wants a dot and a signed exponent (`1.0e+3`),
# so it reads `1e3`, `1E+3`, `4e0`, `1.5e3` and `-.5` as text
_YAML12_NUMBER = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


def _number_read_as_text(node: Any) -> bool:
    """A plain scalar YAML 1.1 reads as text that YAML 1.2 reads as a number: read as the number written in params,
    and refused unquoted as a word, as any other number is."""
    return (isinstance(node, yaml.ScalarNode) and not node.style and node.tag == _STR
            and _YAML12_NUMBER.fullmatch(node.value) is not None)


def _null_key(node: Any) -> bool:
    """A key YAML reads as nothing: `null:`, `~:` (pydantic would name it None)."""
    return isinstance(node, yaml.ScalarNode) and not node.style and node.tag == _NULL and bool(node.value)


_INT = "tag:yaml.org,2002:int"
_NUMBER_TAGS = (_INT, _FLOAT)


def _odd_number(word: str, whole: bool = True) -> tuple[str, str] | None:
    """A number YAML 1.1 reads otherwise than its digits read to a person — `010` is 8 (octal), `0x10` 16,
    `0b11` 3, `1:30` 90 (base 60), `1_000` 1000 — as (the number meant, why YAML reads it so); else None. A leading
    0 is octal only in a whole number (`!!float "010"` is 10.0)."""
    digits = word.lstrip("+-")
    sign = "-" if word.startswith("-") else ""
    if ":" in digits:
        return str(yaml.safe_load(word)), "a colon makes a number base 60"
    if digits[:2] in ("0x", "0b"):
        base = "hexadecimal" if digits[1] == "x" else "binary"
        return str(yaml.safe_load(word)), f"{digits[:2]} makes a number {base}"
    plain = digits.replace("_", "")
    if whole and len(plain) > 1 and plain[0] == "0" and plain.isdigit():
        return sign + (plain.lstrip("0") or "0"), "a leading 0 makes a number octal"
    if "_" in digits:
        return word.replace("_", ""), "it drops the _"
    return None


def write_number(meant: str, quoted: str) -> str:
    """The advice for an odd number where only a number is taken (a timeout): quoting it would be refused next."""
    return f"write {meant}"


def quote_text(meant: str, quoted: str) -> str:
    """The advice for an odd number where only text is taken (a description)."""
    return f"quote it: {quoted}"


def number_or_text(meant: str, quoted: str) -> str:
    """The advice for an odd number where either may be meant (an item's params: a bound, a JSON value)."""
    return f"write {meant} for the number, or quote it for the text: {quoted}"


Advice = Callable[[tuple], Callable[[str, str], str]]  # by a value's path: how to write its odd number


def _odd_numbers(root: Any, advice: Advice) -> list[tuple[int, tuple, str]]:
    """Each number of a document written in a form YAML 1.1 reads otherwise than a person does (see `_odd_number`),
    as (its line, its path, the problem): `ge: 010` would judge against 8 and pass what the runbook fails. `advice`
    says, by the value's path, whether to write the number or quote the text. A quoted scalar tagged `!!int` or
    `!!float` is read as a number too (`!!int "010"` is 8), and one that is none is said so. Each node once (an alias
    is no second copy); a merged mapping's keys are those of the mapping merging it."""
    found: list[tuple[int, tuple, str]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, tuple, str | None]] = [(root, (), None)]
    while stack:
        node, path, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    stack.extend((mapping, path, None) for mapping in merged)
                elif isinstance(key_node, yaml.ScalarNode):
                    stack.append((value_node, (*path, key_node.value), key_node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, index), None) for index, child in enumerate(node.value))
        elif node.tag in (_INT, _FLOAT, _WRITTEN_NUMBER_TAG):  # plain, or quoted with the tag written
            problem = _number_problem(node, key, advice(path))
            if problem:
                found.append((node.start_mark.line + 1, path, problem))
                node.tag = _STR  # refused: read as text meanwhile, so that a number YAML cannot read stops nothing
    return sorted(found, key=lambda entry: entry[0])


_NUMBERS = yaml.constructor.SafeConstructor()  # reads a number's node as YAML does
_SCALAR_KEYS = {tag: yaml.constructor.SafeConstructor.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")}


def _number_problem(node: Any, key: str | None, advice: Callable[[str, str], str]) -> str | None:
    """What is wrong with a number's node: a tag that makes a number of what is none (`!!float "abc"`, which YAML
    would refuse as if it were a date), or a form YAML reads otherwise (see `_odd_number`); else None."""
    whole = node.tag == _INT
    try:
        read = (_NUMBERS.construct_yaml_int if whole else _NUMBERS.construct_yaml_float)(node)
    except (ValueError, IndexError):  # IndexError: PyYAML reads the first digit of "", "-" or "_" that is not there
        tag, kind = ("!!int", "a whole number") if whole else ("!!float", "a number")
        return (f"{spelled(node.value)} is tagged {tag} but is not {kind}: write the number, or drop the tag for the"
                " text")
    odd = _odd_number(node.value, whole)
    if odd is None:
        return None
    meant, why = odd
    quoted = f"{key}: '{node.value}'" if key is not None else f"'{node.value}'"
    return f"YAML reads {node.value} as {read} ({why}): {advice(meant, spelled(quoted))}"


_ENVIRONMENT_NUMBERS = {"timeouts", "concurrency"}  # an environment's values that are numbers; the rest is text


def _environment_advice(path: tuple) -> Callable[[str, str], str]:
    if path and path[0] in _ENVIRONMENT_NUMBERS:
        return write_number
    return quote_text if path and path[0] in ("name", "description", "systems") else number_or_text


class _FileLoader(_LOADER):
    """The loader of the suite's own files — checklists, environments, waivers: notes each number written in a form
    YAML 1.1 reads otherwise (`odd_numbers`), which `_read_yaml` refuses: the file means the number it shows. How
    to write it is said by `number_advice` (an environment's, unless a file's loader says otherwise). Before any
    loader changes a node, it notes YAML's own reading of each scalar (`readings`, see `scalar_readings`)."""

    def get_single_data(self):
        node = self.get_single_node()  # as PyYAML's, with the readings noted between composing and constructing
        if node is None:
            return None
        self.shape: dict[str, Any] = {}
        self.readings = scalar_readings(node, self.shape)
        return self.construct_document(node)

    def construct_document(self, node):
        self.odd_numbers = _odd_numbers(node, self.number_advice) if self.may_hold_numbers() else []
        if not _written_out_and_bounded(getattr(self, "shape", None)):
            return super().construct_document(node)
        data = _written_out(self, node)
        self.constructed_objects, self.recursive_objects = {}, {}  # as PyYAML leaves a loader after a document
        return data

    def may_hold_numbers(self) -> bool:
        """Whether a node may be a number `_odd_numbers` judges; a loader that retags nodes as numbers says so."""
        return True

    def construct_object(self, node, deep=False):
        """PyYAML's, but a tagged value its constructor cannot read (`!!bool maybe`, `!!timestamp x`, `!!int ""`)
        is refused naming its place, as any YAML error is: PyYAML raises a KeyError, an IndexError or an
        AttributeError there, which would end the run in a traceback."""
        try:
            return super().construct_object(node, deep=deep)
        except (KeyError, IndexError, AttributeError, TypeError, ValueError, OverflowError) as exc:
            if not isinstance(node, yaml.ScalarNode) or node.tag == _STR:
                raise
            tag = node.tag.rpartition(":")[2] or node.tag
            said = (f"a date or time that does not exist ({spelled(node.value)}: {exc})"
                    if tag == "timestamp" and isinstance(exc, (ValueError, OverflowError)) and not node.style
                    else f"{spelled(node.value)!r} is no {tag}, as its tag !!{tag} says: write the value, or drop the"
                         " tag")
            raise yaml.constructor.ConstructorError(None, None, said, node.start_mark) from exc

    def number_advice(self, path: tuple) -> Callable[[str, str], str]:
        return _environment_advice(path)


_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


def _written_out(loader: Any, node: Any) -> Any:
    """A document's data built straight from its nodes where it is plain text, lists and mappings of text keys
    (most of a runbook), as PyYAML builds it; any other node — a boolean, a number, a tag of the loader's, a merge,
    a repeated key — is built by PyYAML's constructor itself (which refuses what it refuses). Only for a document
    with no alias and bounded nesting (`_written_out_and_bounded`): every node is built once, and the recursion
    goes no deeper than MAX_DEPTH. PyYAML's own construction of each node costs 5× this in a 1,000-item checklist."""
    kind = node.__class__
    if kind is yaml.ScalarNode:
        if node.tag == _STR:
            return node.value
    elif kind is yaml.MappingNode:
        if node.tag == _MAP:
            data: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not yaml.ScalarNode or key_node.tag != _STR or key_node.value in data:
                    return loader.construct_object(node, deep=True)
                data[key_node.value] = _written_out(loader, value_node)
            return data
    elif kind is yaml.SequenceNode:
        if node.tag == _SEQ:
            return [_written_out(loader, child) for child in node.value]
    return loader.construct_object(node, deep=True)


def scalar_readings(root: Any, shape: dict[str, Any] | None = None) -> list[str]:
    """Each scalar of a document's node as YAML's safe reading has it, as text — escapes read, a number or date as
    Python writes it out (a PIN written `0x…` is still the PIN), `!!binary` decoded — each node once, however many
    aliases name it: what the archive searches for a secret written in YAML's own escapes (`archive._input_copy`),
    taken from the parse the run loaded, so the archive need not parse the file again. `shape` is given what the
    walk saw of the document's form: whether a node is reached twice (an alias), how many nodes, how deep its lists
    and mappings nest (see `_expansion_problem`)."""
    reader = yaml.constructor.SafeConstructor()
    texts: list[str] = []
    seen: set[int] = set()
    shared, deepest, numbers = False, 0, False
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            shared = True
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in node.value)
        elif node.tag == _STR:
            texts.append(node.value)
        elif node.tag in reader.yaml_constructors and node.tag != _MERGE:
            numbers = numbers or node.tag in _NUMBER_TAGS
            try:
                value = reader.construct_object(node)
            except Exception:  # noqa: BLE001 — `!!int ''` is an IndexError in PyYAML: the loader says what is wrong
                value = node.value  # with it (or refuses it) after this; here its text is its reading
            texts.append(value.decode("utf-8", errors="surrogateescape") if isinstance(value, bytes) else str(value))
        else:
            numbers = numbers or node.tag == _WRITTEN_NUMBER_TAG
            texts.append(node.value)
    if shape is not None:
        shape.update(shared=shared, nodes=len(seen), depth=deepest, numbers=numbers)
    return texts


class WordKeepingLoader(_FileLoader):
    """A loader that keeps words YAML would read as something else as written (an `Unquoted`), for the message
    that refuses them (see `keep_words`)."""

    def keep_words(self, mapping: Any, keys: set[str], nulls: frozenset[str] = frozenset()) -> None:
        """The values of `keys` in `mapping` that YAML reads as a number, boolean or date, kept as written; and of
        `nulls` (a text that must be given: a system's or an item's name) a word YAML reads as nothing (`null`, `~`),
        which is then named with its quoting rather than said to be empty."""
        for index, (key_node, value_node) in enumerate(mapping.value):
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.value in keys):
                continue
            if _read_otherwise(value_node) or _number_read_as_text(value_node) or (
                    key_node.value in nulls and _null_key(value_node)):
                kept = yaml.ScalarNode(_UNQUOTED_TAG, value_node.value, value_node.start_mark, value_node.end_mark)
                kept.word = self._word(_as_number(value_node), key_node.value)
                mapping.value[index] = (key_node, kept)  # a new node: an alias of the old one elsewhere is untouched
            elif isinstance(value_node, yaml.ScalarNode) and value_node.style == ">" and value_node.tag == _STR:
                mapping.value[index] = (key_node, yaml.ScalarNode(_FOLDED_TAG, value_node.value, value_node.start_mark,
                                                                  value_node.end_mark, style=">"))

    def _word(self, node: Any, key: str | None) -> Unquoted:
        word = Unquoted(node.value)
        word.key, word.read = key, self.construct_object(node)
        return word


def _as_number(node: Any) -> Any:
    """A node of YAML 1.2's number YAML 1.1 reads as text (`1e3`), as a new node of YAML's float; else the node."""
    if not _number_read_as_text(node):
        return node
    return yaml.ScalarNode(_FLOAT, node.value, node.start_mark, node.end_mark)


WordKeepingLoader.add_constructor(_UNQUOTED_TAG, lambda loader, node: node.word)
WordKeepingLoader.add_constructor(_FOLDED_TAG, lambda loader, node: Folded(node.value))


def entries_of(document: Any, key: str) -> list[Any]:
    """The mappings listed under `key` at the top of a document's node (a checklist's items, a file's waivers)."""
    if not isinstance(document, yaml.MappingNode):
        return []
    return [entry for key_node, value_node in document.value
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key
            and isinstance(value_node, yaml.SequenceNode)
            for entry in value_node.value if isinstance(entry, yaml.MappingNode)]


class _ChecklistLoader(WordKeepingLoader):
    """The loader of checklists: a word of the checklist (not of params) written as a bare number, boolean or
    date is kept as written (an `Unquoted`), for the message that refuses it. In params, where a family may take
    numbers and booleans, what YAML read otherwise is noted (`misread`, by the item's index) and judged against
    the family's params at load (`_misread_problems`); and a number YAML reads as a float keeps its text (a
    `WrittenNumber`)."""

    def construct_document(self, node):
        self.misread: dict[int, list[Misread]] = {}
        self.numbers_written = False  # a YAML 1.2 number YAML 1.1 reads as text (`1e3`), retagged by _misread_in
        self.shape = getattr(self, "shape", {})
        self.lines: dict[int, int] = {}  # each item's first line, by its index: where pytest places the item
        if isinstance(node, yaml.MappingNode):
            self.keep_words(node, _TEXT_KEYS[0], nulls=_NAMES_GIVEN)
        for index, item in enumerate(entries_of(node, "items")):
            self.lines[index] = item.start_mark.line + 1
            # a switch's word too: only true or false
            self.keep_words(item, _TEXT_KEYS[1] | {"mutating"}, nulls=_NAMES_GIVEN)
            params = next((value for key, value in item.value if isinstance(key, yaml.ScalarNode)
                           and key.value == "params"), None)
            found = self._misread_in(params) if params is not None else []
            if found:
                self.misread[index] = found
        return super().construct_document(node)

    def number_advice(self, path: tuple) -> Callable[[str, str], str]:
        return number_or_text  # a param may be a number or a text (a JSON value, a sql bound); words are kept above

    def may_hold_numbers(self) -> bool:
        """A number is tagged one as composed (`scalar_readings` saw it), or retagged by `_misread_in`."""
        return self.shape.get("numbers", True) or self.numbers_written

    def _misread_in(self, root: Any) -> list[Misread]:
        """Each boolean value and each key that is no text, with its path; each node once (an alias bomb's are
        many paths to few nodes, measured after loading). A float value is marked to keep its text on the way."""
        found: list[Misread] = []
        seen: set[int] = set()
        stack: list[tuple[Any, tuple]] = [(root, ())]
        while stack:
            node, path = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.tag == _MERGE:  # what it merges is this mapping's own
                        merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                        stack.extend((mapping, path) for mapping in merged)
                    elif isinstance(key_node, yaml.ScalarNode):
                        where = (*path, key_node.value)
                        if _read_otherwise(key_node) or _null_key(key_node):
                            found.append(Misread(where, self._word(key_node, None), key=True))
                        stack.append((value_node, where))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((child, (*path, index)) for index, child in enumerate(node.value))
            elif isinstance(node, yaml.ScalarNode) and node.tag == _FLOAT:
                node.tag = _WRITTEN_NUMBER_TAG
            elif _number_read_as_text(node):  # `1e3`: the number written, as YAML 1.2 reads it; noted where text is
                node.tag = _WRITTEN_NUMBER_TAG
                self.numbers_written = True
                last = path[-1] if path and isinstance(path[-1], str) else None
                found.append(Misread(path, self._word(node, last), key=False))
            elif _read_otherwise(node) and node.tag == _BOOL:
                last = path[-1] if path and isinstance(path[-1], str) else None
                found.append(Misread(path, self._word(node, last), key=False))
        return found


_ChecklistLoader.add_constructor(_WRITTEN_NUMBER_TAG, _written_number)


MAX_FILE_BYTES = 16 * 1024 * 1024  # a checklist, environment or waivers file: far beyond any runbook


def _read_yaml(path: Path, problems: list[str], loader: type | None = None,
               misread: dict[int, list[Misread]] | None = None, lines: dict[int, int] | None = None,
               kept: dict[Path, bytes] | None = None, readings: dict[Path, list[str]] | None = None) -> Any:
    """The file's data, or None with its problem in `problems`. `misread` and `lines` are filled with what the
    checklists' loader noted: the params' words, each item's first line (see `_ChecklistLoader`). `kept` is given
    the bytes read, the very ones parsed: what the run applied, as its archive keeps it (the file may change on
    disk before the archive is written); `readings` each scalar of that parse as YAML reads it (`scalar_readings`)."""
    try:
        read = _bounded_bytes(path)
        if kept is not None:
            kept[path] = read
        text = read.decode("utf-8")
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
        reader = (loader or _FileLoader)(text)  # as yaml.load does, keeping the loader for what it noted
        try:
            data = reader.get_single_data()
        finally:
            reader.dispose()
        if misread is not None:
            misread.update(getattr(reader, "misread", {}))
        if lines is not None:
            lines.update(getattr(reader, "lines", {}))
        if readings is not None:
            readings[path] = getattr(reader, "readings", [])
        # always: where an alias may stand is YAML's to say, not a regex's
        problem = None if _written_out_and_bounded(getattr(reader, "shape", None)) else _expansion_problem(data)
        if problem:
            problems.append(f"{shown(path)}: {problem}")
            return None
        odd = getattr(reader, "odd_numbers", [])
        if odd:
            problems.extend(f"{shown(path)}:{line}: {_describe_location(data, where)}: {problem}"
                            for line, where, problem in odd)
            return None
        return data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark and _char_at(text, mark.line, mark.column) == "\t" and "tab" not in problem:
            problem += " (a tab? YAML indents with spaces)"
        mark, problem = _where_it_opened(exc, mark, problem)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problems.append(f"{shown(path)}{where}: not valid YAML: {visible(problem)}")
    except (ValueError, OverflowError) as exc:  # a date the calendar lacks (2099-02-30): YAML's own constructor
        problems.append(f"{shown(path)}: not valid YAML: a date or time that does not exist ({exc})")
    except RecursionError:
        problems.append(f"{shown(path)}: not valid YAML: nested deeper than it can be read")
    return None


_OPENED = {"while scanning a quoted scalar": "a quoted value", "while parsing a flow sequence": "a [ list",
           "while parsing a flow mapping": "a { mapping"}


def _where_it_opened(exc: yaml.YAMLError, mark: Any, problem: str) -> tuple[Any, str]:
    """The place to name and what to say there. YAML names where it stopped, and where the construct it was reading
    opened (its context): an unclosed quote runs to the end of the file, where nothing is to be fixed, so the place
    it opened is named first; else where it stopped, with where its construct opened beside it."""
    context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if not (context and opened and mark) or (opened.line, opened.column) == (mark.line, mark.column):
        return mark, problem
    ended = f"{mark.line + 1}:{mark.column + 1}"
    if "end of stream" in problem:
        what = _OPENED.get(context)
        if what:
            return opened, f"{what} opened here is never closed (the file ends at {ended}, still inside it)"
        return opened, f"{context}: {problem} at {ended}"
    at = f"{opened.line + 1}:{opened.column + 1}"
    beside = f"{_OPENED[context]} opened at {at}" if context in _OPENED else f"{context} at {at}"
    return mark, f"{problem} ({beside})"


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column:column + 1] if 0 <= line < len(lines) else ""


def _bounded_bytes(path: Path) -> bytes:
    """The file's bytes, read only if it is a regular file of at most MAX_FILE_BYTES."""
    if not stat.S_ISREG(path.stat().st_mode):  # before opening: a FIFO's open would wait for a writer
        raise ValueError("not a regular file (a device, a FIFO or a folder): point it at a file")
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2 ** 20} MiB: not a checklist, environment or waivers file")
    return data


MAX_VALUES = 1_000_000  # values a file may hold once its aliases are expanded: far beyond any runbook
MAX_EXPANDED_CHARS = MAX_FILE_BYTES  # its text, expanded: no more than a file may hold written out
MAX_DEPTH = 100  # lists and mappings one inside another, from the file's top: a runbook's deepest JSON is a few
SHOWN_DEPTH = 6  # of a path too deep, the first keys shown: enough to find the item and the field


def _written_out_and_bounded(shape: dict[str, Any] | None) -> bool:
    """Whether the parsed document is within every bound `_expansion_problem` sets without sizing its data: no node
    reached twice (no alias: the data is the document written out, its text no longer than the file's), no more
    nodes than values allowed (the data holds no more values than nodes), nesting no deeper than allowed (a merged
    mapping sits deeper as a node than its keys do in the data). Else the data is sized."""
    return bool(shape) and not shape["shared"] and shape["nodes"] <= MAX_VALUES and shape["depth"] <= MAX_DEPTH \
        and MAX_FILE_BYTES <= MAX_EXPANDED_CHARS


def _expansion_problem(data: Any) -> str | None:
    """A YAML alias reuses a value without copying it: nine anchors of nine aliases each hold 9⁹ values in a few
    lines, and five levels of nine aliases of one 2,000-character string are 118 million characters in 2.5 kB;
    either exhausts memory (and fills the archive) as soon as anything walks them. Each distinct value is sized
    once: the values it holds, the characters of its keys and strings, and how deep it nests (the families'
    walkers of a value, and pytest's of an assertion, recurse: a thousand levels would end in a traceback)."""
    if not isinstance(data, (dict, list)):
        return None
    sizes: dict[int, tuple[int, int, int]] = {}  # id -> (values, characters, depth) expanded; absent while sized
    sizing: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, children_sized = stack.pop()
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        if children_sized:
            values, chars, depth = 1, 0, 0
            for child in children:
                child_values, child_chars, child_depth = (sizes[id(child)] if isinstance(child, (dict, list))
                                                          else _scalar_size(child))
                values, chars, depth = values + child_values, chars + child_chars, max(depth, child_depth)
            sizes[id(node)] = (values, chars, depth + 1)
            sizing.discard(id(node))
            if values > MAX_VALUES:
                return (f"its YAML aliases expand it to more than {MAX_VALUES:,} values (an alias bomb?): "
                        "write the values out, or reuse fewer anchors")
            if chars > MAX_EXPANDED_CHARS:
                return (f"its YAML aliases expand it to more than {MAX_EXPANDED_CHARS // 2 ** 20} MiB of text, more "
                        "than a file may hold (an alias bomb?): write the values out, or reuse fewer anchors")
            continue
        if id(node) in sizing:
            return "a YAML alias refers to a value that contains it (a value that holds itself): remove the alias"
        if id(node) in sizes:
            continue
        sizing.add(id(node))  # being sized
        stack.append((node, True))
        stack.extend((c, False) for c in children if isinstance(c, (dict, list)))
    if sizes[id(data)][2] > MAX_DEPTH:
        path = _deepest_path(data, sizes)
        where = _describe_location(data, path[:SHOWN_DEPTH]) + ("…" if len(path) > SHOWN_DEPTH else "")
        return (f"{where}: nested more than {MAX_DEPTH} levels deep: no checklist, environment or waivers file needs"
                " that; write it flatter")
    return None


def _deepest_path(data: Any, sizes: dict[int, tuple[int, int, int]]) -> tuple:
    """The keys and indices from the top to the deepest value, as far as SHOWN_DEPTH (each value sized)."""
    path: list[Any] = []
    node = data
    while isinstance(node, (dict, list)) and len(path) <= SHOWN_DEPTH:
        entries = node.items() if isinstance(node, dict) else enumerate(node)
        deeper = [(sizes[id(value)][2], key, value) for key, value in entries if isinstance(value, (dict, list))]
        if not deeper:
            break
        _, key, node = max(deeper, key=lambda entry: entry[0])
        path.append(key)
    return tuple(path)


def _scalar_size(value: Any) -> tuple[int, int, int]:
    return 1, len(value) if isinstance(value, (str, bytes)) else 1, 0


class LoadedChecks(list):
    """The checks of a checklists folder, and in `files` the bytes each file was parsed from (path → bytes): what
    the run applied, which its archive keeps whatever the files on disk become meanwhile; in `readings` each
    file's scalars as YAML read them in that parse (`scalar_readings`)."""

    def __init__(self, checks=(), files: dict[Path, bytes] | None = None,
                 readings: dict[Path, list[str]] | None = None) -> None:
        super().__init__(checks)
        self.files: dict[Path, bytes] = files if files is not None else {}
        self.readings: dict[Path, list[str]] = readings if readings is not None else {}


def load_checklists(directory: Path, *, runner: str = "pytest", flag: str = "--checklists-dir") -> LoadedChecks:
    """Every checklist in `directory`, all problems reported together. `runner` and `flag`: the command run and its
    option naming the folder, for the message of a folder not there (`opsverify coverage` takes --checklists)."""
    from .families import FAMILY_NAMES

    problems: list[str] = []
    checks = LoadedChecks()
    files = _checklist_files(directory, runner, flag)
    problems += _unread_checklists(directory)
    seen_systems: dict[str, Path] = {}
    for path in files:
        label = shown(path)
        before = len(problems)
        misread: dict[int, list[Misread]] = {}
        lines: dict[int, int] = {}
        raw = _read_yaml(path, problems, _ChecklistLoader, misread, lines, kept=checks.files,
                         readings=checks.readings)
        if raw is None:
            if len(problems) == before:
                problems.append(f"{label}: the file is empty; a checklist needs system, runbook and items")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{label}: must be a mapping with system, runbook and items (it is "
                            f"{'a list' if isinstance(raw, list) else 'a single value'})")
            continue
        system, runbook, items, structural = _validated_parts(raw)
        problems += _structural_problems(label, raw, structural, misread)
        if runbook is not None and blank(runbook):
            problems.append(f"{label}: runbook: blank: name the runbook the items come from{blank_held(runbook)}")
        if system is not None:
            if system != path.stem:
                problems.append(f"{label}: system '{system}' does not match the file name '{path.stem}' (a system's"
                                f" checklist is <system>.yaml: rename the file or the system)")
            if system in seen_systems:
                problems.append(f"{label}: system '{system}' already defined in {seen_systems[system]}")
            seen_systems[system] = label
        keys: dict[str, ItemModel] = {}
        for index, item in items:
            where = f"{label}: {item.id}-{item.name}"  # both matched their patterns: nothing to escape
            clash = _test_id_clash(keys.setdefault(f"{item.id}-{item.name}", item), item)
            if clash:
                problems.append(f"{where}: {clash}")
            problems += [f"{where}: {problem}" for problem in _blank_words(item)]
            if item.family not in FAMILY_NAMES:
                problems.append(f"{where}: family: {_unknown_family(item.family)}")
                continue
            written = item.model_fields_set
            if item.family == "manual":
                if blank(item.reason):  # blanks, or characters that show as nothing, say no more than nothing
                    problems.append(f"{where}: reason: a manual item needs the reason it cannot be automated"
                                    f"{blank_held(item.reason)}")
                problems += [f"{where}: {field}: a manual item {why}: remove it" for field, why in (
                    ("params", "is not checked, so it has no params"),
                    ("mutating", "makes no target do work"),
                    ("cadence", "is listed in every run whatever -m says, so it has no cadence"))
                    if field in written and (field != "mutating" or item.mutating)]
                params: Any = item.params
            else:
                if item.cadence is None:
                    problems.append(f"{where}: cadence: required (postdeploy, daily, weekly or monthly)")
                if "reason" in written:
                    problems.append(f"{where}: reason: only a manual item has a reason (why it cannot be "
                                    "automated); say what this item checks in its title, or how to fix it in "
                                    "remediation")
                params, said = _params_problems(item.family, item.params, item.mutating, misread.get(index, []))
                problems += [f"{where}: {p}" for p in said if f"{where}: {p}" not in problems]
                if params is None:
                    continue
            checks.append(
                Check(
                    system=system or "",  # never returned without one: a file without its system is a problem
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
                    line=lines.get(index, 0),
                )
            )
    problems += _job_calls_not_marked(checks)
    problems += _posts_to_job_paths(checks)
    if problems:
        raise ConfigError(_summarise(problems, "checklist"))
    return checks


def _job_calls_not_marked(checks: list[Check]) -> list[str]:
    """An item not marked mutating that sends a cron item's secret to that item's path: the request runs the job, as
    the cron item's own with the secret does (which must be marked): it is refused, so that an environment
    forbidding mutating items never sends it. By the secret's name here (the environment compares values)."""
    return [f"{shown(Path(check.source))}: {check.key}: it sends {secret} to {getattr(check.params, 'service', '?')} "
            f"{check.params.path}, with which {cron.key} (cron) calls the job: a request carrying it runs the job; mark"
            " it mutating: true (never sent where the environment forbids it), or leave the call to the cron item"
            for check, secret, cron in unmarked_job_calls(checks, lambda system, secret: secret)]


def _posts_to_job_paths(checks: list[Check]) -> list[str]:
    """A webhook item not marked mutating whose path is a cron item's: its deliveries are POSTs, sent unmarked because
    a webhook endpoint rejects them unread — a job's path may run its job on any POST (a cron item's POST is marked
    mutating, and never sent where the environment forbids it): refused, as the cron item's own POST would be."""
    jobs = {(c.system, route_path(c.params.path)): c for c in checks
            if c.family == "cron" and not c.manual and hasattr(c.params, "path")}
    return [f"{shown(Path(check.source))}: {check.key}: its deliveries POST to {check.params.service}"
            f" {check.params.path}, with which {jobs[check.system, route_path(check.params.path)].key} (cron) calls a"
            " job: a POST there may run it; mark it mutating: true (never sent where the environment forbids it),"
            " or give it the webhook endpoint's own path"
            for check in checks if check.family == "webhook" and not check.manual and not check.mutating
            and (check.system, route_path(getattr(check.params, "path", ""))) in jobs]


def unmarked_job_calls(checks: list[Check], identity: Callable[[str, str], Any],
                       place: Callable[[Check], Any] | None = None) -> list[tuple[Check, str, Check]]:
    """(item, secret, cron item) for each item not marked mutating that sends a secret to a cron item's path where
    `identity(system, secret)` is the cron item's secret's — its name, or its value (None: none to compare). The path
    is compared where `place(check)` says (None: not known) — by default the system and the path, whichever service:
    two services may share a URL, which only the environment knows; the environment compares whole URLs."""
    from . import families

    def where(check: Check) -> Any:
        return (check.system, route_path(check.params.path)) if place is None else place(check)

    calls = {(where(c), identity(c.system, c.params.secret)): c for c in checks
             if c.family == "cron" and not c.manual and hasattr(c.params, "secret") and where(c) is not None}
    found = []
    for check in checks:
        if check.family == "cron" or check.manual or check.mutating or not hasattr(check.params, "path") or not calls:
            continue
        try:
            sent = families.sends_secrets(families.get(check.family), check.params)
        except Exception:  # noqa: BLE001 — a family's bug is its items' error at run time (engine._prescreen)
            continue
        at = where(check)
        for secret in sent:
            key = identity(check.system, secret)
            cron = calls.get((at, key)) if key is not None and at is not None else None
            if cron is not None:
                found.append((check, secret, cron))
    return found


def route_path(path: Any) -> str:
    """A path as some server routes it: without query, fragment and segment parameters, percent-escapes read (`%73ync`
    is `sync`), repeated slashes as one (servers merge them), `.` and `..` segments resolved (the client resolves
    them before sending), no trailing slash, in lower case (some route ignoring case)."""
    text = urllib.parse.unquote(str(path).split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")  # IIS: `\` is `/`
    text = re.sub(r";[^/]*", "", text)  # a segment's parameters (`sync;x=1`), which servlet servers drop
    text = re.sub(r"(?<=[^/.])\.+(?=/|$)", "", text)  # trailing dots of a segment, which IIS drops (`run.`)
    text = posixpath.normpath("/" + re.sub(r"/+", "/", text).lstrip("/"))
    return (text.rstrip("/") or "/").lower()  # Express and ASP.NET route paths ignoring case


def _checklist_files(directory: Path, runner: str, flag: str) -> list[Path]:
    """The checklists in `directory`; a folder that is not there, cannot be read or holds none is said as which of
    the three, by its absolute path: run from the wrong folder, a relative `checklists` names nothing useful."""
    where = Path(os.path.abspath(directory))
    try:
        with os.scandir(directory) as entries:  # glob() would say nothing of a folder it may not read
            names = [entry.name for entry in entries]
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such folder: run {runner} in the folder holding checklists/ and environments/,"
                          f" or pass {flag}") from None
    except NotADirectoryError:
        raise ConfigError(f"{where}: not a folder: checklists are *.yaml files in a folder") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the folder: {exc.strerror or exc}") from None
    # a dot file is a tool's own (.pre-commit-config.yaml)
    files = sorted(directory / name for name in names if name.endswith(".yaml") and not name.startswith("."))
    if not files:
        raise ConfigError(f"{where}: no checklists (*.yaml) in the folder: write one, e.g. with opsverify init")
    return files


def _validated_parts(raw: dict) -> tuple[str | None, str | None, list[tuple[int, ItemModel]], list[dict]]:
    """A checklist's system, runbook and items, each validated on its own, and pydantic's errors of what is not
    valid: one item's broken structure (a typo in its cadence) leaves the file's other items to be checked for
    their family and params, so the file's problems all come out in one round. What is not valid is None; an item
    that is not, left out."""
    try:
        model = ChecklistModel.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
    else:
        return model.system, model.runbook, list(enumerate(model.items)), []
    broken = {err["loc"][0] for err in errors if err["loc"]}
    broken_items = {err["loc"][1] for err in errors if len(err["loc"]) > 1 and err["loc"][0] == "items"}
    system = str(raw["system"]) if "system" not in broken else None  # none missing: each is a required key
    runbook = str(raw["runbook"]) if "runbook" not in broken else None
    entries = raw.get("items")
    items: list[tuple[int, ItemModel]] = []
    if isinstance(entries, list):
        for index, entry in enumerate(entries):
            if index not in broken_items:
                try:  # valid in the checklist, so valid alone: the same model
                    items.append((index, ItemModel.model_validate(entry)))
                except ValidationError:
                    pass
    return system, runbook, items, errors


def _structural_problems(label: str, raw: dict, errors: list[dict], misread: dict[int, list[Misread]]) -> list[str]:
    """pydantic's errors of a checklist in its words, and after a broken item's own, its family's and its params'
    problems where its structure leaves them to be judged: each item's problems said together, in one round."""
    from .families import FAMILY_NAMES

    lines = [f"{label}: {problem}" for problem in _checklist_errors(raw, errors)]
    for index, family, params, mutating in _sound_params_of_broken_items(raw, errors):
        where = f"{label}: {_describe_location(raw, ('items', index))}"
        if family not in FAMILY_NAMES:
            own = [f"family: {_unknown_family(family)}"]
        elif family == "manual":  # no params to judge: its own rules are said once its structure is right
            continue
        else:
            own = _params_problems(family, params, mutating, misread.get(index, []))[1]
        after = max((at for at, line in enumerate(lines) if line.startswith(f"{where}: ")), default=len(lines) - 1)
        lines[after + 1:after + 1] = [line for line in dict.fromkeys(f"{where}: {p}" for p in own) if line not in lines]
    return lines


# The item's fields its params are judged by: with either broken, the family's model is not known, or there is no
# mapping to validate.
_PARAMS_NEED = ("family", "params")


def _sound_params_of_broken_items(raw: dict, errors: list[dict]) -> list[tuple[int, str, dict, bool | None]]:
    """Of the items whose structure is broken (a misspelt cadence, a missing section), those whose family is a text
    and params a mapping: (index, family, params, mutating), mutating None when it is broken too. Their params are
    judged in the same round as the structure, as a sound item's are: a params typo is not left for a second round."""
    entries = raw.get("items")
    if not isinstance(entries, list):
        return []
    broken: dict[int, set[Any]] = {}
    for err in errors:
        loc = err["loc"]
        if len(loc) > 1 and loc[0] == "items" and isinstance(loc[1], int):
            broken.setdefault(loc[1], set()).add(loc[2] if len(loc) > 2 else None)  # None: the item as a whole
    sound = []
    for index, fields in sorted(broken.items()):
        entry = entries[index] if index < len(entries) else None
        if not isinstance(entry, dict) or None in fields or fields & set(_PARAMS_NEED):
            continue
        family, params = entry.get("family"), entry.get("params", {})
        if isinstance(family, str) and isinstance(params, dict):  # as their fields took them: none spoke
            mutating = entry.get("mutating", False)
            sound.append((index, str(family), params, mutating if isinstance(mutating, bool) else None))
    return sound


def _unknown_family(family: str) -> str:
    from .families import FAMILY_NAMES

    known = sorted(FAMILY_NAMES)
    close = _near_name(family, known)
    return (f"unknown family '{spelled(family)}' (known: {', '.join(known)})"
            + (f"; did you mean {close}?" if close else ""))


def _params_problems(family: str, params: dict, mutating: bool | None, misread: list[Misread]) -> tuple[Any, list[str]]:
    """An item's params validated by its family's model, and what is wrong with them (`params.status: ...`): None
    and the problems when the model refuses them. A family not built yet keeps them as data; `mutating` None (it is
    broken itself) leaves out the family's rules that depend on it."""
    from .families import get as family_module, params_model

    model_cls = params_model(family)
    if model_cls is None:
        return params, []  # family not built yet: kept as data, skipped at run time
    misread_here = _misread_problems(model_cls, misread)
    if misread_here:  # said as written; pydantic would name the value it was read as (False, 0)
        return None, misread_here
    try:
        validated = model_cls.model_validate(params)
    except ValidationError as exc:
        errors = _one_form_each(model_cls, exc.errors())  # each at its path as written
        # a field tried as each member of a union: the member whose own check spoke says why
        spoke = {e["loc"] for e in errors if e["type"] == "value_error"}
        near = _near_params(model_cls, errors)
        meant = {(*loc[:-1], close) for loc, close in near.items()}
        said = []
        for err in errors:
            if err["loc"] in spoke and err["type"] != "value_error":
                continue
            if err["type"] == "missing" and err["loc"] in meant:
                continue  # `servce:` is one typo, not also a missing `service`
            text = error_text(err)
            if near.get(err["loc"]):  # a typo: the field it was likely meant to be
                text += f"; did you mean {near[err['loc']]}?"
            elif err["type"] == "extra_forbidden" and len(err["loc"]) > 1:  # else say what is taken there
                taken = _params_fields_at(model_cls, err["loc"][:-1])
                if taken:
                    text += f" (params.{_path(err['loc'][:-1])} takes: {', '.join(sorted(taken))})"
            elif err["type"] == "extra_forbidden":
                text += f" (the {family} family takes: {', '.join(sorted(_field_names(model_cls)))})"
            said.append(f"{_params_error_at(err)}: {text}")
        return None, said
    if mutating is None:
        return validated, []
    return validated, _item_problems(family_module(family), validated, mutating)


# An item's words a person reads (the summary, the report): written blank, they say nothing. A manual item's
# blank reason is said as a missing one.
_BLANK_FIXES = {"section": "name the runbook's section it is in", "title": "say what the item checks",
                "remediation": "say how to fix a failure, or remove it"}


def _blank_words(item: ItemModel) -> list[str]:
    return [f"{field}: blank: {fix}{blank_held(getattr(item, field))}" for field, fix in _BLANK_FIXES.items()
            if field in item.model_fields_set and blank(getattr(item, field))]


def _params_error_at(err: dict) -> str:
    """`params.status`, or `params` for a rule between fields (pydantic places it at no field); the error's path is
    as written (`_one_form_each`)."""
    field = _path(err["loc"])
    return f"params.{field}" if field else "params"


def error_text(err: dict) -> str:
    """pydantic's message of one error; a rule's own (a validator's ValueError) as its words alone, without the
    'Value error, ' pydantic puts before it. Every message built from pydantic's errors says it so."""
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    return err["msg"]


def _written(model_cls: type[BaseModel], err: dict) -> tuple[dict, list[int]]:
    """An error of params with its path as the checklist writes it (pydantic's names of the union member tried and its
    `[key]` left out, the data's keys kept, whatever they are called), and the length of the path at each union it
    went through, outermost first."""
    from .families._common import pydantic_own_parts

    members, key_refused = pydantic_own_parts(model_cls, err["loc"])
    loc = err["loc"][:-1] if key_refused else err["loc"]
    unions = [at - before for before, at in enumerate(members)]
    return {**err, "loc": tuple(part for at, part in enumerate(loc) if at not in members)}, unions


def _shape_error(err: dict, union: int) -> bool:
    """An error that says only that the value is not of this member's shape (not a list, not an integer)."""
    return len(err["loc"]) == union and (err["type"].endswith(("_type", "_parsing"))
                                         or err["type"] in ("int_from_float", "literal_error"))


def _one_form_each(model_cls: type[BaseModel], errors: list[dict]) -> list[dict]:
    """A field of several forms (`status: 200`, `status: [200, 204]`, `json_max: {lag: 5}` of a whole number or
    a number) is tried as each, and pydantic says why each failed: 'a valid integer' and 'a valid list', of one
    value. The form the value has the shape of (a list whose element is wrong, a list too short) says what is
    wrong; a value of none of the shapes is one line naming them. The innermost union is settled first, so one
    inside another is said once too. The errors come back with their paths as written (`_written`)."""
    pending = [_written(model_cls, err) for err in errors]
    while any(unions for _, unions in pending):
        deepest = max(unions[-1] for _, unions in pending if unions)
        members: dict[tuple, list[dict]] = {}
        for err, unions in pending:
            if unions and unions[-1] == deepest:
                members.setdefault(err["loc"][:deepest], []).append(err)
        settled: list[tuple[dict, list[int]]] = []
        said: set[tuple] = set()
        for err, unions in pending:
            if not unions or unions[-1] != deepest:
                settled.append((err, unions))
                continue
            union = err["loc"][:deepest]
            if any(not _shape_error(other, deepest) for other in members[union]):
                if not _shape_error(err, deepest):
                    settled.append((err, unions[:-1]))
            elif union not in said:
                said.add(union)
                settled.append(({"type": "no_form", "loc": union, "input": err["input"],
                                 "msg": _forms_taken(model_cls, union, err["input"])}, unions[:-1]))
        pending = settled
    return [err for err, _ in pending]


def _forms_taken(model_cls: type[BaseModel], path: tuple, value: Any) -> str:
    from .families._common import annotations_at

    forms = [_form(choice) for choice in annotations_at(model_cls, path) if choice is not type(None)]
    if _FORMS[float][0] in forms:  # a whole number is a number: `int | float` takes a number
        forms = [form for form in forms if form != _FORMS[int][0]]
    given = f"'{spelled(value)}'" if isinstance(value, str) else spelled(json.dumps(value, default=str))
    return f"takes {' or '.join(dict.fromkeys(forms))}, not {cut(given)}"


_FORMS = {int: ("a whole number", "whole numbers"), float: ("a number", "numbers"), str: ("a text", "texts"),
          bool: ("true or false", "booleans")}


def _form(choice: Any, plural: bool = False) -> str:
    """A type a field takes, in a checklist writer's words: `int` is a whole number, `list[int]` a list of them."""
    while get_origin(choice) is Annotated:
        choice = get_args(choice)[0]
    if choice in _FORMS:
        return _FORMS[choice][plural]
    origin = get_origin(choice)
    if origin in (list, tuple, set, frozenset):
        inner = [arg for arg in get_args(choice) if arg is not Ellipsis]
        return ("lists" if plural else "a list") + (f" of {_form(inner[0], plural=True)}" if len(inner) == 1 else "")
    if origin is Literal:
        return "one of " + ", ".join(map(str, get_args(choice)))
    if origin is dict or (isinstance(choice, type) and issubclass(choice, BaseModel)):
        return "mappings" if plural else "a mapping"
    return "values" if plural else "a value"


def _checklist_errors(raw: dict, errors: list[dict]) -> list[str]:
    """pydantic's errors of a checklist and its items, in the checklist's words. A key no checklist or item takes
    names the key it was likely meant to be, and that key is then not said again as missing (`tilte:` is one
    problem, not two); an id, name or system out of its pattern says what it may hold."""
    near = {err["loc"]: _near_key(err["loc"]) for err in errors if err["type"] == "extra_forbidden"}
    said = []
    for err in _said_once(errors, near):
        loc = err["loc"]
        expected = _kind_expected(loc, err["type"])
        if expected:  # pydantic's 'a valid dictionary or instance of ItemModel' names a class of ours, not the fix
            said.append(f"{_describe_location(raw, loc)} is {_kind_of(err['input'])}; {expected}")
            continue
        if err["type"] == "extra_forbidden":
            text = _unknown_key(loc, near[loc])
        elif err["type"] == "string_pattern_mismatch" and loc[-1] in _PATTERN_WORDS:
            text = f"{_PATTERN_WORDS[loc[-1]]}: rename it"
        elif err["type"] == "enum" and loc[-1] in _CHOICES:
            text = _not_a_choice(err, _CHOICES[loc[-1]])
        else:
            text = error_text(err)
        said.append(f"{_describe_location(raw, loc)}: {text}")
    return said


_CHOICES = {"cadence": Cadence, "severity": Severity}
_ITEM_SHAPE = "a mapping with id, name, section, title, family and, unless manual, cadence and params"


def _kind_expected(loc: tuple, error_type: str) -> str | None:
    """What belongs where a value of the wrong kind is (an item that is a list, a system that is a mapping), in the
    checklist's words; None where pydantic's own message says it (a number where a text is taken is refused
    earlier, as written: see `Unquoted`)."""
    if error_type == "model_type" and len(loc) == 2 and loc[0] == "items":
        return f"each item is {_ITEM_SHAPE}"
    if error_type == "list_type" and loc == ("items",):
        return f"items is a list of the runbook's items, each {_ITEM_SHAPE}"
    if error_type == "dict_type" and len(loc) == 3 and loc[0] == "items" and loc[2] == "params":
        return "params is a mapping of its family's fields"
    if error_type == "string_type":
        return {("system",): "it is the system's name, a text: the file's name without .yaml",
                ("runbook",): "it is a text naming the runbook the items come from"}.get(loc, "it takes a text")
    return None


def _kind_of(value: Any) -> str:
    """The kind of a value as YAML read it, never the value: a checklist's words may be anything."""
    if value is None:
        return "empty"
    if isinstance(value, bool):  # before int: YAML's true is one
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, datetime.date):  # a datetime is one too
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a single value"


def _not_a_choice(err: dict, choices: type[enum.Enum]) -> str:
    """pydantic's list of the choices, with the value given (a typo is seen as written) and the choice it is near."""
    value = err["input"]
    given = f"'{spelled(value)}'" if isinstance(value, str) else spelled(json.dumps(value, default=str))
    close = _near_name(value, [choice.value for choice in choices]) if isinstance(value, str) else None
    return f"{error_text(err)}, not {cut(given)}" + (f"; did you mean {close}?" if close else "")


def _said_once(errors: list[dict], near: dict[tuple, str | None]) -> list[dict]:
    """The errors, but a key said missing that a misspelt key already names (`near`: an unknown key's location ->
    the key it was likely meant to be): `tilte:` is one problem, not two."""
    meant = {(loc[:-1], close) for loc, close in near.items() if close}
    return [err for err in errors if not (err["type"] == "missing" and (err["loc"][:-1], err["loc"][-1]) in meant)]


def _keys_at(parent: tuple) -> list[str]:
    """The keys a checklist takes at its top (`()`), or an item (`('items', 3)`)."""
    return list((ItemModel if parent else ChecklistModel).model_fields)


def _near_key(loc: tuple) -> str | None:
    return _near_name(loc[-1], _keys_at(loc[:-1]))


def _near_name(word: Any, names: list[str]) -> str | None:
    close = difflib.get_close_matches(str(word), names, n=1)
    return close[0] if close else None


def _near_params(model_cls: type[BaseModel], errors: list[dict]) -> dict[tuple, str]:
    """A params key the family does not take — at the top of params or in a mapping of its own (`cron_jobs: {nightly:
    {max_age_hour: 25}}`) — and the field there it is near (as an item field's typo is said)."""
    near = {}
    for err in errors:
        if err["type"] == "extra_forbidden":
            close = _near_name(err["loc"][-1], _params_fields_at(model_cls, err["loc"][:-1]))
            if close:
                near[err["loc"]] = close
    return near


def _params_fields_at(model_cls: type[BaseModel], where: tuple) -> list[str]:
    """The fields of the params model at `where` (a mapping's path as written): the family's own at the top."""
    from .families._common import annotations_at

    models = [c for c in annotations_at(model_cls, where) if isinstance(c, type) and issubclass(c, BaseModel)]
    return _field_names(models[0]) if models else []


def _unknown_key(loc: tuple, close: str | None) -> str:
    item = bool(loc[:-1])
    what = "an item field" if item else "a checklist key"
    if close:
        return f"not {what}; did you mean {close}?"
    if item:
        return f"not {what} (an item holds {_listed(_keys_at(loc[:-1]))})"
    return (f"not {what} (a checklist holds {_listed(_keys_at(()))}, and no key of its own for YAML anchors: anchor"
            " a value where it is first written, section: &web Web, and alias it after, section: *web)")


def file_errors(model_cls: type[BaseModel], errors: list[dict]) -> list[tuple[dict, str]]:
    """pydantic's errors of a file read into `model_cls` (an environment, a waivers file), each with what it says
    in the file's words: a key no model there takes names the key it was likely meant to be, as a checklist's does,
    and that key is then not said again as missing (`expirs:` is one problem, not two); else the keys taken there
    (a model's title names what it is: "an environment")."""
    from .families._common import annotations_at

    taken = {}
    for err in errors:
        if err["type"] == "extra_forbidden":
            models = [c for c in annotations_at(model_cls, err["loc"][:-1]) if isinstance(c, type)
                      and issubclass(c, BaseModel)]
            taken[err["loc"]] = models[0] if models else None
    near = {loc: _near_name(loc[-1], _field_names(model)) if model else None for loc, model in taken.items()}
    said = []
    for err in _said_once(errors, near):
        loc = err["loc"]
        if err["type"] == "extra_forbidden" and near[loc]:
            text = f"unknown key; did you mean {near[loc]}?"
        elif err["type"] == "extra_forbidden" and taken[loc] is not None:
            title, keys = taken[loc].model_config.get("title"), _listed(_field_names(taken[loc]))
            text = f"unknown key ({title} takes {keys})" if title else f"unknown key (known: {keys})"
        elif err["type"] in ("model_type", "model_attributes_type", "dict_type") and (wanted := [
                c for c in annotations_at(model_cls, loc) if isinstance(c, type) and issubclass(c, BaseModel)]):
            # pydantic names its class ("a valid dictionary or instance of WaiverModel"): say what to write
            title = wanted[0].model_config.get("title") or "a mapping"
            text = f"empty or not a mapping: write {title} as keys and values ({_listed(_field_names(wanted[0]))})"
        else:
            text = error_text(err)
        said.append((err, text))
    return said


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def _test_id_clash(first: ItemModel, item: ItemModel) -> str:
    """Two items of one test id (`id-name`): a second A1 named b-c, or A1-b named c beside A1 named b-c."""
    if first is item:
        return ""
    if (first.id, first.name) == (item.id, item.name):
        return f"a second item with id {item.id} and name {item.name}: rename one of them"
    return (f"id {item.id} and name {item.name} make the test id of the item with id {first.id} and name"
            f" {first.name}: rename one of them")


def _misread_problems(model_cls: type[BaseModel], misread: list[Misread]) -> list[str]:
    """Words of an item's params YAML read otherwise than written, where the family takes something else: a key
    that is no text (`NO:` is false, `1.10:` the number 1.1); a yes/no/on/off, or a true/false, where only text is
    taken (`COUNTRY: NO`); a yes/no/on/off where any value is taken, as `json` and `expect` do (only true and false
    are booleans there: `country: NO` would fail a healthy answer "NO"). Where a boolean is one of the choices
    (`allow_empty: yes`, a schema default's `note: no`) it is one; a boolean where a number is taken is said by
    the family (`_common`)."""
    from .families._common import annotations_at, key_annotations_at

    problems: list[str] = []
    for entry in misread:
        where = f"params.{_path(entry.path)}"
        if entry.key:
            keys = key_annotations_at(model_cls, entry.path[:-1])
            if keys and type(entry.word.read) not in keys:
                problems.append(f"{where}: {entry.word.key_problem()}")
            continue
        choices = annotations_at(model_cls, entry.path)
        text = str in choices or any(get_origin(c) is Literal and entry.word in get_args(c) for c in choices)
        anything = Any in choices or object in choices
        if not isinstance(entry.word.read, bool):  # a number YAML 1.1 reads as text (`1e3`): refused where only text is
            if text and not anything and not any(_takes_number(c) for c in choices):
                problems.append(f"{where}: {entry.word.problem()}")
            continue
        if text and bool not in choices and not anything:
            problems.append(f"{where}: {entry.word.problem()}")
        elif choices and all(c in (bool, type(None)) for c in choices) and entry.word.lower() not in ("true", "false"):
            try:  # a switch: only true and false, as `mutating` takes (said as only_boolean says it)
                only_boolean(entry.word)
            except ValueError as refused:
                problems.append(f"{where}: {refused}")
        elif anything and entry.word.lower() not in ("true", "false"):
            problems.append(f"{where}: {entry.word.boolean_or_text()}")
    return problems


def _takes_number(choice: Any) -> bool:
    return isinstance(choice, type) and issubclass(choice, (int, float)) and not issubclass(choice, bool)


def _unread_checklists(directory: Path) -> list[str]:
    """What looks like a checklist where none is read: a `.yml` or `.YAML` file, a subfolder of checklists.
    Each would be collected by nothing, its items silently missing from the run."""
    problems: list[str] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return problems
    for path in entries:
        if path.name.startswith("."):  # a tool's own file (.yamllint.yml, .gitlab-ci.yml, .github/): not ours
            continue
        if path.suffix.lower() in (".yaml", ".yml") and path.suffix != ".yaml":
            problems.append(f"{shown(path)}: checklists are *.yaml files; rename it {path.stem}.yaml")
        elif path.suffix != ".yaml" and path.is_dir():
            found = sorted(_yaml_files(path))
            archived = _in_a_run_archive(found[0], path) if found else None
            if archived:  # its inputs/ copies: moved over the checklists, they would undo the checklists' changes
                problems.append(f"{shown(path)}: holds run archives ({shown(archived)}), whose copies of the "
                                f"checklists would be read as checklists; move {shown(path)} out of "
                                f"{shown(directory)}, and give --reports-dir a folder outside it")
            elif found:
                more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
                problems.append(f"{shown(found[0])}{more}: checklists in a subfolder are not read; move it to "
                                f"{shown(directory / found[0].stem)}.yaml")
    return problems


def _in_a_run_archive(found: Path, top: Path) -> Path | None:
    """The run archive (a folder holding manifest.json, below `top`) `found` was copied into, else None."""
    for folder in found.parents:
        if folder == top.parent:
            return None
        if (folder / "manifest.json").is_file():
            return folder
    return None


def _yaml_files(folder: Path) -> list[Path]:
    found = []  # folders.walk, not os.walk: a folder nested thousands deep under checklists/ is no RecursionError
    for where, folders, names in walk(folder):  # symlinked folders inside it are not followed: no loop
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [Path(where) / name for name in names if Path(name).suffix.lower() in (".yaml", ".yml")]
    return found


def _item_problems(module: Any, params: Any, mutating: bool) -> list[str]:
    validate_item = getattr(module, "validate_item", None)
    found = list(validate_item(params, mutating)) if validate_item is not None else []
    return found + ([] if mutating else _method_overrides(params))


# headers, and the query parameter, many frameworks read as the request's method: a GET (or a webhook's POST) naming
# DELETE in one is a DELETE to a server honouring it. Compared as servers compare names: case, and `_` as `-` (WSGI
# servers read both as one)
METHOD_OVERRIDES = ("x-http-method-override", "x-http-method", "x-method-override")


def _method_overrides(params: Any) -> list[str]:
    """Why an item not marked mutating would ask a server to take its request as a method that is not safe, by any
    family: a header among METHOD_OVERRIDES, or `_method=` in its path's query."""
    from .transports.http import SAFE_METHODS

    headers = getattr(params, "headers", None)
    said = [(f"params.headers.{name}: {value!r}", value) for name, value in (headers or {}).items()
            if isinstance(name, str) and isinstance(value, str)
            and name.strip().lower().replace("_", "-") in METHOD_OVERRIDES]
    path = getattr(params, "path", None)
    said += [(f"params.path: {_method_key(key)}={value!r}", value)
             for key, value in query_methods(path if isinstance(path, str) else "")]
    return [f"{where} asks the server to take the request as another method; mark the item mutating: true unless it"
            f" names a safe one ({', '.join(sorted(SAFE_METHODS))})"
            for where, method in said if method.strip().upper() not in SAFE_METHODS]


def unsafe_query_methods(url: str) -> list[str]:
    """`key=method` of each method a URL's query names by `_method=` that is not safe (a service URL's query goes
    with every request)."""
    from .transports.http import SAFE_METHODS

    return [f"{_method_key(key)}={method!r}" for key, method in query_methods(url)
            if method.strip().upper() not in SAFE_METHODS]


def query_methods(url: str) -> list[tuple[str, str]]:
    """(key, method) of each method a URL's (or a path's) query names by `_method=`, as many frameworks read it —
    PHP's among them, which ends a key at a NUL and reads a blank, a dot and a `[` in it as `_` (`?.method=DELETE`
    and `?_method%00x=DELETE` are its `$_GET['_method']`, which Laravel and Symfony take as the method of a POST)."""
    if "?" not in url:
        return []
    query = url.split("?", 1)[1].split("#", 1)[0]
    return [(key, value) for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True)
            if re.sub(r"[ .\[]", "_", key.split("\0", 1)[0].strip().lower()) == "_method"]


def _method_key(key: str) -> str:
    """A method's query key as the message shows it: as written, and how a server reads it where it differs."""
    return "_method" if key == "_method" else f"{key!r} (read as _method)"


def load_item_params(family: str, params: dict[str, Any], *, mutating: bool = False) -> Any:
    """One item's params as the loader validates them; ValueError (or ValidationError) when refused."""
    from .families import get as family_module, params_model

    validated = params_model(family).model_validate(params)
    problems = _item_problems(family_module(family), validated, mutating)
    if problems:
        raise ValueError("; ".join(problems))
    return validated


def _field_names(model_cls: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model_cls.model_fields.items()]


def _describe_location(raw: Any, loc: tuple) -> str:
    """Turn ('items', 3, 'family') into 'J4-env: family' when the item can be named."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        try:
            item = raw["items"][loc[1]]
            label = f"{spelled(str(item.get('id', '?')))}-{spelled(str(item.get('name', '?')))}"
        except (KeyError, IndexError, TypeError, AttributeError):
            label = f"items[{loc[1]}]"
        rest = _location(loc[2:])
        return f"{label}: {rest}" if rest else label
    return _location(loc) or "(top level)"


SHOWN_PROBLEMS = 50  # a file of thousands of mistakes is said by its first ones, and counted


def _summarise(problems: list[str], what: str) -> str:
    if len(problems) == 1:
        return problems[0]
    shown = problems[:SHOWN_PROBLEMS]
    more = [f"… and {len(problems) - len(shown)} more (fix these first)"] if len(problems) > len(shown) else []
    return f"{len(problems)} {what} problems:\n  " + "\n  ".join(shown + more)

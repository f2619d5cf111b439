"""Small helpers the families share."""

from __future__ import annotations

import dataclasses
import decimal
import functools
import math
import re
import types
from collections import abc

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import unquote, unquote_plus

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .. import display
from ..checklist import WrittenNumber, only_boolean
from ._credentials import HEX_PASSWORD, QUERY_PASSWORD_NAMES, a_key_as_an_apps_id, a_pagination_cursor, \
    a_public_key, a_webhooks_key, a_webhooks_token, could_be_a_token, holds_no_secret, names_a_credential, \
    names_a_secret_value, names_a_session, shaped_as_a_credential

if TYPE_CHECKING:  # for the annotation only: outcome is imported where it is used
    from ..outcome import Outcome

READ_ONLY_STARTS = ("SELECT", "WITH", "VALUES", "TABLE")
_READ_ONLY_STARTS_SAID = ", ".join(READ_ONLY_STARTS[:-1]) + " or " + READ_ONLY_STARTS[-1]


class StrictParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def __init_subclass__(cls, **kwargs) -> None:
        """A field written `= []` or `= {}` gets a new empty one per item: pydantic would deep-copy the
        default instead, for every field an item leaves out (20 µs an item for the schema family's 21)."""
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("__annotations__", {}):
            default = cls.__dict__.get(name)
            if type(default) in (list, dict) and not default:
                setattr(cls, name, Field(default_factory=type(default)))

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads true as 1 where a number belongs (`min_lamports: true`, `max_latency_ms: true`): a
        boolean is not a number, so it is refused, at any depth (`min_length: {X: true}`); ints for floats stay."""
        if isinstance(value, (bool, dict, list)) and info.field_name in _number_fields(cls):
            found = _bool_for_number(cls.model_fields[info.field_name].annotation, value)
            if found is not None:
                path, boolean = found
                where = "".join(f"{key}: " for key in path)
                raise ValueError(f"{where}{str(boolean).lower()} is a boolean, not a number (YAML reads true/false, "
                                 "yes/no and on/off as booleans): write the number")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _only_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads "yes", "off", 1 and 0.0 as booleans where a switch belongs (`active: 0.0`, `rls: "no"`):
        only true and false are taken, as an item's `mutating` and the environment's switches take them."""
        if not isinstance(value, bool) and info.field_name in _boolean_fields(cls):
            if value is None:  # written, empty (`rls:`): read as "not asked", the item would judge nothing of it
                words = "true" if info.field_name in _on_only_fields(cls) else "true or false"
                raise ValueError(f"empty: write {words}, or leave the field out")
            return only_boolean(value)
        return value


@functools.lru_cache(maxsize=None)  # one per Params class
def _boolean_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The fields that are a switch: `bool`, `bool | None`, or one that only turns a check on (`Literal[True]`,
    `Literal[True] | None`)."""
    return frozenset(name for name, field in cls.model_fields.items() if _is_switch(field.annotation))


@functools.lru_cache(maxsize=None)
def _on_only_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The switches that only turn a check on (`Literal[True]`): false is no value of theirs."""
    return frozenset(name for name in _boolean_fields(cls)
                     if False not in _literal_values(cls.model_fields[name].annotation))


def _literal_values(annotation: Any) -> set:
    if annotation is bool:
        return {True, False}
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return set().union(*(_literal_values(arg) for arg in get_args(annotation) if arg is not type(None)))


def _is_switch(annotation: Any) -> bool:
    if annotation is bool or (get_origin(annotation) is Literal and set(get_args(annotation)) <= {True, False}):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        return len(args) == 1 and _is_switch(args[0])
    return False


@functools.lru_cache(maxsize=None)  # one per Params class
def _number_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The fields whose type holds a number somewhere (`int`, `dict[str, float]`, `StatusCode | None`)."""
    return frozenset(name for name, field in cls.model_fields.items() if _mentions_number(field.annotation))


def _mentions_number(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, (int, float)) and not issubclass(annotation, bool):
        return True
    origin = get_origin(annotation)
    if origin is Literal:
        return False
    args = get_args(annotation)[:1] if origin is Annotated else get_args(annotation)
    return any(_mentions_number(arg) for arg in args)


def _choices(annotation: Any) -> list[Any]:
    """The types a field takes: `Annotated[int, …] | None` → [int, None]."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _choices(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [choice for arg in get_args(annotation) for choice in _choices(arg)]
    return [annotation]


def _bool_for_number(annotation: Any, value: Any) -> tuple[list[str], bool] | None:
    """A boolean in `value` that `annotation` would read as a number: its path (keys, `[i]`) and itself."""
    choices = _choices(annotation)
    if isinstance(value, bool):
        takes_bool = any(c is bool or c is Any or c is object
                         or (get_origin(c) is Literal and any(isinstance(a, bool) for a in get_args(c)))
                         for c in choices)
        takes_number = any(isinstance(c, type) and issubclass(c, (int, float)) and not issubclass(c, bool)
                           for c in choices)
        return ([], value) if takes_number and not takes_bool else None
    if isinstance(value, dict):
        inner = [get_args(c)[1] for c in choices if get_origin(c) in (dict, abc.Mapping) and len(get_args(c)) == 2]
        items = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        inner = [a for c in choices if get_origin(c) in (list, tuple, set, frozenset, abc.Sequence)
                 for a in get_args(c) if a is not Ellipsis]
        items = ((f"[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    element = Union[tuple(inner)] if inner else None
    if element is None or not _mentions_number(element):
        return None
    for key, item in items:
        found = _bool_for_number(element, item)
        if found is not None:
            return [key, *found[0]], found[1]
    return None


def annotations_at(model: type[BaseModel], path: tuple) -> list[Any]:
    """What a Params class takes at `path` (a field's name or alias, then mapping keys and list indices), as
    `_choices` lists it — [str], [bool, NoneType], [Any]; [] where it takes nothing (a field it does not have)."""
    found: list[Any] = [model]
    for part in path:
        found = [inner for outer in found for inner in _inside(outer, part)]
    return found


def pydantic_own_parts(model: type[BaseModel], loc: tuple) -> tuple[tuple[int, ...], bool]:
    """Where pydantic's error location (`loc`) of `model` holds words of its own rather than the data's: the positions
    of the union members it names (`int`, `list[int]`: what follows a field of several forms is always the form tried,
    for the value there is one value), and whether it ends in `[key]`, said after a mapping's key that was refused.
    Told by the model's shape, not by the word: a checklist's own key may be `int` or `list[int]`."""
    members: list[int] = []
    found: list[Any] = [model]
    keyed = False
    for at, part in enumerate(loc):
        forms = [choice for choice in found if choice is not type(None)]
        if len(forms) > 1 and isinstance(part, str) and (not members or members[-1] != at - 1):
            members.append(at)  # the forms stay as they are: the next part is read in each of them
            continue
        if keyed and part == "[key]" and at == len(loc) - 1:
            return tuple(members), True
        keyed = any(get_origin(choice) in (dict, abc.Mapping) for choice in forms)
        found = [inner for outer in forms for inner in _inside(outer, part)]
    return tuple(members), False


def key_annotations_at(model: type[BaseModel], path: tuple) -> list[Any]:
    """What the keys of the mapping at `path` may be: a field's name is text, and so is a JSON object's key."""
    keys: list[Any] = []
    for choice in annotations_at(model, path):
        if choice is Any or choice is object or (isinstance(choice, type) and issubclass(choice, BaseModel)):
            keys.append(str)
        elif get_origin(choice) in (dict, abc.Mapping) and len(get_args(choice)) == 2:
            keys += _choices(get_args(choice)[0])
    return keys


def _inside(outer: Any, part: Any) -> list[Any]:
    if outer is Any or outer is object or outer in (dict, list):
        return [Any]
    if isinstance(outer, type) and issubclass(outer, BaseModel):
        field = next((f for name, f in outer.model_fields.items() if part in (name, f.alias)), None)
        return _choices(field.annotation) if field is not None else []
    origin, args = get_origin(outer), get_args(outer)
    if origin in (dict, abc.Mapping) and len(args) == 2:
        return _choices(args[1])
    if origin in (list, tuple, set, frozenset, abc.Sequence) and isinstance(part, int):
        return [choice for arg in args if arg is not Ellipsis for choice in _choices(arg)]
    return []


def holds_non_finite(value: Any, as_written: bool = False) -> bool:
    """A NaN or an infinity, also inside a list or mapping, or a range or multirange the driver reads (psycopg's Range,
    Multirange: numrange's bounds): `{NaN} ≠ {0}` must not hold, and a bound holding one could never be met. Walked
    without recursion, each list or mapping once: a value nests as deep as its file lets it, and YAML's aliases make
    one list many lists' element. `as_written`: a number of a checklist is the number written, for a family that
    compares it so (`1.0e+400` is one, though YAML's float of it is infinite)."""
    stack, seen = [value], set()
    while stack:
        current = stack.pop()
        # (a Multirange is a MutableSequence of ranges; a bytearray is one of bytes)
        if isinstance(current, (dict, list, tuple, abc.MutableSequence)) and not isinstance(current, bytearray):
            if id(current) not in seen:
                seen.add(id(current))
                stack.extend(current.values() if isinstance(current, dict) else current)
        elif _is_range(current):
            stack.extend((current.lower, current.upper))
        elif isinstance(current, decimal.Decimal):
            if not current.is_finite():
                return True
        elif isinstance(current, float) and not math.isfinite(current):
            if not (as_written and isinstance(current, WrittenNumber) and current.exact().is_finite()):
                return True
    return False


def _is_range(value: Any) -> bool:
    """A range as the driver reads one (psycopg's Range, told by its shape: a family's rules load no driver)."""
    return all(hasattr(type(value), name) for name in ("lower", "upper", "bounds", "isempty"))


NAME_BYTES = 63  # a `name` (an identifier, cron.job.jobname): PostgreSQL keeps this many bytes of it (NAMEDATALEN - 1)


def as_postgres_stores_a_name(text: str) -> str:
    """`text` as a `name` holds it: its first NAME_BYTES bytes, clipped on a character boundary (pg_mbcliplen; a UTF-8
    database) — as PostgreSQL keeps an identifier longer than that, created or named, and cron.schedule a job's name."""
    data = text.encode(errors="surrogatepass")  # (no such name reaches PostgreSQL; it must not crash the judge)
    if len(data) <= NAME_BYTES:
        return text
    return data[:NAME_BYTES].decode(errors="ignore")  # (drops only the character the cut split)


class Noted(str):
    """What a field holds of a name an item wrote — the name as PostgreSQL stores it, or text a judge reads names from
    again (`schema.table`, a type) — with `cut`: each name in it longer than PostgreSQL keeps, as written -> as stored.
    A judge says so beside the names it shows, which are not the ones the item wrote."""

    cut: dict[str, str]


def noting_cuts(value: str, names: abc.Iterable[str]) -> str:
    """`value`, noting which of `names` (those it holds, as written) PostgreSQL cuts (see Noted)."""
    cut = {name: stored for name in names if (stored := as_postgres_stores_a_name(name)) != name}
    if not cut:
        return value
    noted = Noted(value)
    noted.cut = cut
    return noted


def stored_name(written: str) -> str:
    """One name as PostgreSQL stores it, and so finds it where SQL names it with all its characters; noted if cut."""
    return noting_cuts(as_postgres_stores_a_name(written), [written])


def names_cut(value: Any) -> dict[str, str]:
    """Every cut noted (see Noted) in `value`: a Params, its fields' values, their lists and mappings (keys too)."""
    if isinstance(value, Noted):
        return dict(value.cut)
    if isinstance(value, BaseModel):
        value = [getattr(value, name) for name in type(value).model_fields]
    elif isinstance(value, dict):
        value = [*value, *value.values()]
    elif not isinstance(value, (list, tuple)):
        return {}
    return {written: stored for inner in value for written, stored in names_cut(inner).items()}


def split_name(qualified: str, default_schema: str = "public", what: str = "table") -> tuple[str, str]:
    """`schema.table` or `table`, names exactly as the catalog spells them; a part in double quotes, as SQL
    writes it, may hold a dot (`"billing.v2".invoices`, `""` for a quote). Each name as PostgreSQL stores it (its
    first NAME_BYTES bytes). ValueError, naming the fix, for text that names no table or that SQL reads otherwise
    (see `name_parts`)."""
    parts = [as_postgres_stores_a_name(part) for part in table_parts(qualified, what)]
    return (parts[0], parts[1]) if len(parts) == 2 else (default_schema, parts[0])


def table_parts(qualified: str, what: str = "table") -> list[str]:
    """The one or two names of `schema.table` or `table`, as written (see `split_name`)."""
    parts, why = read_name(qualified, most=2)
    if why is not None:
        raise ValueError(f"{no_name(qualified, why, what)}: write {what} or schema.{what}, each part"
                         " as the catalog spells it or in double quotes as SQL writes it, a quote inside doubled"
                         " ('\"billing.v2\".invoices')")
    return parts


def a_table_name(value: str, what: str = "table") -> str:
    """A table's name as an item writes it (`split_name` reads it), refused at load if it reads as none."""
    return noting_cuts(value, table_parts(value, what))


def read_name(written: str, most: int) -> tuple[list[str], str | None]:
    """The parts of a name an item writes, and why they name nothing, or not what SQL reads (None: they name one): the
    first thing wrong. Of one part only (`most` 1), a name without a double quote is one name, a dot and all."""
    if "\0" in written:
        return [], NUL_IN_NAME
    if not written.strip(SQL_BLANKS):
        return [], "empty" if not written else "blank"
    if most == 1 and '"' not in written:
        return [written], _bare_problem(written)
    parts, why = name_parts(written)
    if why is None and len(parts) > most:
        why = f"{len(parts)} parts"
    if written == '""':
        why = "empty in its quotes"
    return parts, why


# what PostgreSQL's scanner drops around a name (scan.l's `space`; \v from PostgreSQL 16, a syntax error before): any
# other character, every one above ASCII (a no-break space too), may be part of a bare name
SQL_BLANKS = " \t\n\r\f\v"
# PostgreSQL's text holds none: a name with one is refused at load, else the group's one catalog query fails on it
NUL_IN_NAME = "a NUL character, which no PostgreSQL name holds"
_QUOTE_OPEN = "a double quote is left open"
_EMPTY_PART = "an empty part"
_BLANK_OUTSIDE = ("a blank outside double quotes, beside a dot or at an end: SQL would drop it, and the catalog's"
                  " spelling keep it")


def name_parts(text: str) -> tuple[list[str], str | None]:
    """The dot-separated parts of a name, each as the catalog spells it or all in double quotes (a quote inside doubled:
    as SQL writes it), their quotes taken off; and why the text is no such name (None: it is), the first thing wrong
    in it — what SQL reads otherwise is never read here some other way: a quote left open or in a part not in quotes
    (`a"b"`), text after a part's closing quote (`"a"b`), a blank outside quotes beside a dot or at an end (SQL drops
    it: `"Billing" . invoices`), an empty part (`a..b`, `""`) or a blank one not in quotes. A quoted name is exact:
    one blank inside its quotes is a name."""
    parts, at = [], 0
    while True:
        if text.startswith('"', at):
            part, at, why = _quoted_part(text, at)
        else:
            end = text.find(".", at)
            part, at = text[at:] if end == -1 else text[at:end], len(text) if end == -1 else end
            why = _bare_problem(part)
        if why is not None:
            return parts, why
        parts.append(part)
        if at == len(text):
            return parts, None
        at += 1  # (the dot)


def _quoted_part(text: str, at: int) -> tuple[str, int, str | None]:
    """The name in the double quotes opening at `at`, where the text goes on after it, and what is wrong there."""
    closing = at + 1
    while (closing := text.find('"', closing)) != -1 and text.startswith('""', closing):
        closing += 2
    if closing == -1:
        return "", len(text), _QUOTE_OPEN
    name, after = text[at + 1:closing].replace('""', '"'), closing + 1
    if after < len(text) and text[after] != ".":
        return name, after, (_BLANK_OUTSIDE if text[after] in SQL_BLANKS
                             else "text after a closing double quote: a part is all in double quotes or has none")
    return name, after, None if name else _EMPTY_PART


def _bare_problem(part: str) -> str | None:
    """What is wrong with a part not in double quotes, if anything."""
    if not part:
        return _EMPTY_PART
    if not part.strip(SQL_BLANKS):
        return "a blank part"
    if part != part.strip(SQL_BLANKS):
        return _BLANK_OUTSIDE
    if '"' in part:
        return "a double quote inside a part not in double quotes: a part is all in double quotes or has none"
    return None


def no_name(written: str, why: str, what: str) -> str:
    """How a refusal says that a name an item wrote names no `what`: `an empty name is no table name`, or
    `'a..b' is no table name (an empty part)`."""
    if not written:
        return f"an empty name is no {what} name"
    shown = display.visible(repr(display.cut(written, 60)))  # each character that does not show escaped once (\x00)
    return f"{shown} is no {what} name ({why})"


def a_name(value: str, what: str) -> str:
    """A name written as the catalog spells it (a column, an extension, a publication), read as PostgreSQL stores it:
    one that is empty or blank names nothing, and an item holding it would judge nothing of it; one with a NUL none
    either (see NUL_IN_NAME)."""
    if "\0" in value:
        raise ValueError(f"{no_name(value, NUL_IN_NAME, what)}: write the {what}'s name as the catalog spells it")
    if not value.strip(SQL_BLANKS):
        raise ValueError(f"{no_name(value, 'blank', what)}: write the {what}'s name as the catalog spells it, or"
                         " leave it out")
    return stored_name(value)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def sql_statements(text: str) -> tuple:
    """The statements of `text` as sqlparse splits them, each a flat list of its tokens. Only tokens are read here
    (`flatten()`), so they are not grouped into sqlparse's tree: grouping was two thirds of the time of loading a
    runbook's queries, and it changes no token but a `*` between numbers (Wildcard -> Operator)."""
    from sqlparse import engine

    return tuple(engine.FilterStack().run(text))


NUL_SAID = "holds a NUL character (\\0), which PostgreSQL's protocol cannot carry in SQL or a name: remove it"


@functools.lru_cache(maxsize=4096)  # a fleet repeats one query per database
def read_only_query(value: str) -> str:
    """One read-only statement (SELECT, WITH, VALUES or TABLE ...), its trailing semicolon dropped; else ValueError.

    A real SQL tokenizer splits the text, so a `;` inside a string literal, a dollar-quoted body or
    a comment is not mistaken for a second statement. (The database's read-only transaction is what
    actually prevents writes; this rejects what is certainly not a measure, early and clearly — and the calls
    that act outside that transaction, which it cannot stop: `_runs_elsewhere`.)"""
    from sqlparse import tokens

    if "\0" in value:  # libpq sends SQL as a C string: the server would read it only up to the NUL
        raise ValueError(NUL_SAID)
    statements = [s for s in sql_statements(value) if _has_code(s)]
    if len(statements) != 1:
        raise ValueError("must be a single statement" if statements else "must be a query")
    code = [t for t in statements[0].flatten() if not (t.is_whitespace or t.ttype in tokens.Comment)]
    # the first keyword: sqlparse groups `values (1)` into one token, whose text is the whole statement
    if not code or code[0].normalized.upper() not in READ_ONLY_STARTS:
        raise ValueError(f"must be a read-only query starting with {_READ_ONLY_STARTS_SAID}")
    escape = _runs_elsewhere(value)
    if escape is not None:
        raise ValueError(escape)
    # the statement without its `;` and what follows it (`select 1; -- done`): sql reads it as a subquery
    leaves = list(statements[0].flatten())
    while leaves and (leaves[-1].is_whitespace or leaves[-1].ttype in tokens.Comment
                      or leaves[-1].match(tokens.Punctuation, ";")):
        leaves.pop()
    return "".join(leaf.value for leaf in leaves).strip()


# Functions whose effect is outside the checker's read-only transaction — it does not stop them, and its rollback does
# not undo them (each tried on PostgreSQL 18 in BEGIN READ ONLY; a standby's own on a hot standby, where every
# transaction is read-only): a denylist of the known ones, by name in any schema — what each does, and the harm. Not
# listed: what that transaction stops (lo_import, lo_unlink, nextval) or its rollback undoes (pg_notify is sent at
# commit only; pg_replication_origin_create and pg_import_system_collations write catalog rows).
_WRITES = "could write"
_OUTSIDE = {
    **dict.fromkeys(("http", "http_get", "http_post", "http_put", "http_patch", "http_delete", "http_head"),
                    ("sends an HTTP request from the database server (pgsql-http)", "could change another service")),
    **dict.fromkeys(("pg_terminate_backend", "pg_cancel_backend"),
                    ("signals another server process, ending its session or its query", "could stop other work")),
    "pg_reload_conf": ("makes the server reload its configuration", "could change the server"),
    # pg_rotate_logfile_old: its older name, still in pg_catalog on PostgreSQL 15
    **dict.fromkeys(("pg_rotate_logfile", "pg_rotate_logfile_old"),
                    ("rotates the server's log file", "could change the server")),
    "lo_export": ("writes a file on the database server", "could overwrite a file"),
    **dict.fromkeys(("pg_file_write", "pg_file_rename", "pg_file_unlink"),
                    ("writes, renames or removes a file on the database server (adminpack)", "could change a file")),
    "pg_log_backend_memory_contexts": ("makes a server process write its memory contexts to the server's log",
                                       "could flood the log"),
    **dict.fromkeys(("pg_switch_wal", "pg_create_restore_point", "pg_logical_emit_message", "pg_log_standby_snapshot"),
                    ("writes to the server's write-ahead log", "could change the server")),
    **dict.fromkeys(("pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup", "pg_promote"),
                    ("starts or stops a backup, or promotes a standby", "could change the server")),
    **dict.fromkeys(("pg_wal_replay_pause", "pg_wal_replay_resume"),
                    ("pauses or resumes a standby's replay of the write-ahead log", "could stop replication")),
    **dict.fromkeys(("pg_create_physical_replication_slot", "pg_create_logical_replication_slot",
                     "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot",
                     "pg_drop_replication_slot", "pg_replication_slot_advance", "pg_sync_replication_slots"),
                    ("creates, drops or advances a replication slot", "could change the server")),
    # the peek functions read a slot's changes; these consume them, for good
    **dict.fromkeys(("pg_logical_slot_get_changes", "pg_logical_slot_get_binary_changes"),
                    ("consumes a logical replication slot's pending changes", "could take them from its consumer")),
    **dict.fromkeys(("pg_replication_origin_advance", "pg_replication_origin_drop",
                     "pg_replication_origin_session_setup"),
                    ("moves, clears or takes over a replication origin's progress",
                     "could make a subscription skip or replay changes")),
    **dict.fromkeys(("brin_summarize_new_values", "brin_summarize_range", "brin_desummarize_range",
                     "gin_clean_pending_list"),
                    ("writes to an index (BRIN summaries, a GIN pending list)", "could change the server")),
    **dict.fromkeys(("heap_force_kill", "heap_force_freeze"),
                    ("changes a table's rows in place (pg_surgery)", "could destroy rows")),
    "pg_truncate_visibility_map": ("truncates a table's visibility map (pg_visibility)", "could slow the server"),
    **dict.fromkeys(("pg_buffercache_evict", "pg_buffercache_evict_relation", "pg_buffercache_evict_all"),
                    ("evicts pages from the server's shared buffers (pg_buffercache)", "could slow the server")),
    # pg_prewarm's (also tried on PostgreSQL 15); its 'read' and 'prefetch' modes fill the OS cache instead
    "pg_prewarm": ("loads a relation's pages into the server's shared buffers or its OS cache (pg_prewarm),"
                   " evicting others", "could slow the server"),
    "autoprewarm_dump_now": ("writes the list of the pages in the server's shared buffers to autoprewarm.blocks in"
                             " its data directory (pg_prewarm)",
                             "could change what the server loads at its next start"),
    "autoprewarm_start_worker": ("starts a background worker that outlives the transaction and keeps rewriting"
                                 " autoprewarm.blocks in the server's data directory (pg_prewarm)",
                                 "could change the server"),
    "pg_stat_statements_reset": ("resets the server's statistics", "could erase them"),
}


def _acts_outside(name: str) -> tuple[str, str] | None:
    """What the function does outside the read-only transaction, and what it could do; None for any other."""
    if name == "dblink" or name.startswith("dblink_"):
        return "runs SQL in another session (dblink)", _WRITES
    if name.startswith("pg_background_"):
        return "runs SQL in a background worker (pg_background)", _WRITES
    if name.startswith("pg_stat_reset"):
        return "resets the server's statistics", "could erase them"
    return _OUTSIDE.get(name)


# PostgreSQL's own schemas: what is in them is the system's, no app's
CATALOG_SCHEMAS = frozenset({"pg_catalog", "information_schema"})

# PostgreSQL's own functions that run SQL given as text (as the current role, in its transaction): sql's RLS guard
# reads them. The check below reads the SQL given to those of `_SQL_ARGUMENTS`, and every literal that reads as a
# statement, whatever function it goes to.
RUNS_SQL = frozenset({"query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "table_to_xml",
                      "table_to_xmlschema", "table_to_xml_and_xmlschema", "schema_to_xml", "schema_to_xmlschema",
                      "schema_to_xml_and_xmlschema", "database_to_xml", "database_to_xmlschema",
                      "database_to_xml_and_xmlschema", "cursor_to_xml", "cursor_to_xmlschema", "ts_stat",
                      "ts_rewrite"})  # ts_rewrite(query, 'select target, substitute …'): its second argument


@dataclasses.dataclass(frozen=True)
class _SqlArgument:
    """Which arguments of a function are SQL it runs: by position (None: every one) or, in named notation
    (`query => …`), by name; `arity`: only in the form taking that many arguments."""
    positions: tuple[int, ...] | None
    names: tuple[str, ...] = ()
    arity: int | None = None


# Functions that run the SQL text they are given (PostgreSQL's own; tablefunc's and xml2's xpath_table, which splice
# their text arguments into the SQL they run): that text is read as SQL whatever it starts with — PostgreSQL skips blanks, comments and
# empty statements (`;`) before one — and must be a string constant, since SQL built at run time cannot be read.
_QUERY = _SqlArgument((0,), ("query",))
_SQL_ARGUMENTS = {
    "query_to_xml": _QUERY, "query_to_xmlschema": _QUERY, "query_to_xml_and_xmlschema": _QUERY, "ts_stat": _QUERY,
    "ts_rewrite": _SqlArgument((1,), arity=2),  # ts_rewrite(tsquery, text); its three arguments are tsqueries
    **dict.fromkeys(("crosstab", "crosstab2", "crosstab3", "crosstab4", "connectby", "connectby_text"),
                    _SqlArgument(None)),
    # xml2's: `SELECT key, document FROM relation WHERE criteria`, each of its text arguments spliced in as written
    "xpath_table": _SqlArgument(None),
}
# PostgreSQL's own of RUNS_SQL whose reads the RLS guard does not follow: a table given by regclass or OID, a schema,
# the database, a cursor (it follows the SQL given to those of `_SQL_ARGUMENTS`: `sql_run_by`)
RUNS_UNFOLLOWED_SQL = RUNS_SQL - frozenset(_SQL_ARGUMENTS)
# what may spell such a name: the name, or an escape (U&"d\0062link_exec"; E'\x64blink…' given as SQL text), or a
# string constant continued on the next line ('select dbl'\n'ink…'). A backslash elsewhere is a plain character
# (standard_conforming_strings is on): LIKE 'admin\_%' needs no tokenizer, so loading a runbook imports no SQL parser
_MAY_SPELL = ("dblink", "pg_background", "http", "pg_stat_reset", "u&", *_OUTSIDE, *_SQL_ARGUMENTS)
_ESCAPE_STRING = re.compile(r"(?<![\w$])[eE]'")
# PostgreSQL joins two string constants separated by whitespace holding a newline (`--` comments count as whitespace)
_CONTINUED = r"(?:[ \t\f\v]|--[^\n\r]*+)*+[\n\r](?:\s|--[^\n\r]*+)*+"
_CONTINUATION = re.compile(_CONTINUED)
_CONTINUES = re.compile("'" + _CONTINUED + "'")
_STRINGS = frozenset({"STRING", "BYTE_STRING", "NATIONAL_STRING", "RAW_STRING", "HEREDOC_STRING", "UNICODE_STRING",
                      "BIT_STRING", "HEX_STRING"})
_NOT_STATEMENT_STARTS = frozenset({"VAR", "IDENTIFIER", "NUMBER", *_STRINGS})


@functools.lru_cache(maxsize=1)
def _tokenizer():
    """sqlglot's PostgreSQL tokenizer (a backslash does not end a standard string, as the session reads it), minus
    its shortcut that swallows what follows EXPLAIN, DO or CALL as one string: that text is code here."""
    from sqlglot.dialects.postgres import Postgres

    class Tokenizer(Postgres.Tokenizer):
        COMMANDS: set = set()

    return Tokenizer()


def _runs_elsewhere(query: str, literal: bool = False, run: bool = False) -> str | None:
    """Why the query is refused when it calls a function that acts outside the read-only transaction — also in SQL
    given as a string literal, to whatever function runs it (`query_to_xml('select dblink…')`, `ts_rewrite`).
    Calls are read with a PostgreSQL tokenizer, so a literal that only mentions dblink is no call, and a quoted,
    qualified or upper-case name is one. SQL given to a function of `_SQL_ARGUMENTS` (`run`) is read whatever it
    starts with, and must be a literal; any other literal is read as SQL when it starts as a statement does (a
    keyword or a parenthesis, after the empty statements PostgreSQL skips: `;select …`), so a function's signature
    (`'dblink_exec(text, text)'`) or a pattern (`'^http(s)?://'`) is text. Not seen: SQL built at run time for
    another function (one of the database's own that EXECUTEs its argument), and a function of the database's own
    that calls one."""
    lowered = query.lower()
    if (not any(mark in lowered for mark in _MAY_SPELL) and not _ESCAPE_STRING.search(query)
            and not _CONTINUES.search(query)):
        return None  # no such name is spelled here: nothing to tokenize
    from sqlglot.errors import TokenError

    try:
        tokens = _tokenizer().tokenize(query)
    except TokenError:
        if literal and not run:
            return None  # not SQL: the server could not run it either
        unread = "gives a function SQL to run that a SQL tokenizer cannot read" if run else (
            "cannot be read by a SQL tokenizer")
        return (f"{unread}, so a call of a function that acts outside the checker's read-only transaction (dblink,"
                " pgsql-http, …) cannot be ruled out: check its quotes and comments")
    if literal and not run and not _starts_a_statement(tokens):
        return None
    calls, literals, built = _calls_and_literals(query, tokens)
    for name, by_attribute in calls:
        found = _acts_outside(name)
        if found is not None:
            what, could = found
            how = (f" in attribute notation (PostgreSQL runs x.{name} as {name}(x) unless x has a column {name};"
                   " a column of that name: select it unqualified)") if by_attribute else ""
            return (f"calls {name}(){how}, which {what}, outside the checker's read-only transaction, so it {could}:"
                    " a measure only reads the database, through the checker's own session")
    if built:
        return (f"gives {built[0]}() SQL built at run time, so whether that SQL calls a function acting outside the"
                " checker's read-only transaction (dblink, pgsql-http, …) cannot be read: give it the SQL it runs as"
                " a string literal")
    return next(filter(None, (_runs_elsewhere(text, literal=True, run=runs) for text, runs in literals)), None)


def _starts_a_statement(tokens: list) -> bool:
    """Whether the text reads as a statement: its first token a keyword or `(`, after the `;` of the empty
    statements PostgreSQL skips (the tokenizer drops blanks and comments, nested ones too)."""
    first = next((t for t in tokens if t.token_type.name != "SEMICOLON"), None)
    return first is not None and (first.token_type.name == "L_PAREN" or (
        first.token_type.name not in _NOT_STATEMENT_STARTS and first.text.isalpha()))


def _calls_and_literals(query: str, tokens: list) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]], list[str]]:
    """The names called (lower case: "DBLINK_EXEC" is another function to PostgreSQL, refused all the same), each
    with whether in attribute notation — every name after a dot, since PostgreSQL runs `(x).f` as f(x), and `t.f`
    so where t has no column f (`from lower('…') t`); the string literals, as PostgreSQL reads them (a constant
    continued on the next line joined to its start), each with whether a function of `_SQL_ARGUMENTS` runs it; and
    those functions given SQL that is no literal."""
    calls, literals, built, run_at, i = [], {}, [], set(), 0
    while i < len(tokens):
        token = tokens[i]
        if token.token_type.name in _STRINGS:
            start = i
            pieces, i = _continued(query, tokens, i)
            literals[start], i = _spelled(tokens, i, "".join(pieces), unicode=token.token_type.name == "UNICODE_STRING")
            continue
        unicode = _unicode_identifier(tokens, i)
        text, following = _spelled(tokens, i + 1, token.text, unicode=unicode)
        name, dot = text.lower(), i - (3 if unicode else 1)  # U&"…" starts two tokens before its name
        starts: set[int] | None = set()  # where the SQL it runs starts (None: not a literal)
        if following < len(tokens) and tokens[following].token_type.name == "L_PAREN":
            calls.append((name, False))
            if name in _SQL_ARGUMENTS:
                starts = _sql_given(query, tokens, following, _SQL_ARGUMENTS[name])
        elif dot >= 0 and tokens[dot].token_type.name == "DOT" and not _names_no_call(tokens, dot, following):
            calls.append((name, True))
            if name in _SQL_ARGUMENTS:  # the whole value it is called on is the SQL: `('select …'::text).ts_stat`
                opening = _parenthesized(tokens, dot)
                starts = None if opening is None else _sql_given(query, tokens, opening, _SqlArgument(None))
        if starts is None:
            built.append(name)
        else:
            run_at |= starts
        i = following
    return calls, [(text, start in run_at) for start, text in literals.items()], built


def _names_no_call(tokens: list, dot: int, following: int) -> bool:
    """Whether the name after the dot at `dot` (up to `following`) is surely no call: a part of a qualified name
    (`a.b`, `U&"a".b`) where PostgreSQL reads a relation or a type — its last part where a SELECT's FROM list, TABLE,
    `::` or AS names one (`from public.dblink_log`), any other part before a column's (`public.dblink_log.id`). After
    an expression (`(x).f`, `x[1].f`), or last after a name elsewhere (`t.f`: f(t) where t has no column f), it may
    be one."""
    start = dot - 1  # the qualified name's first part
    while start >= 0 and tokens[start].token_type.name in _NAMES:
        start -= 2 if _unicode_identifier(tokens, start) else 0
        if start < 2 or tokens[start - 1].token_type.name != "DOT":
            break
        start -= 2
    if start < 0 or tokens[start].token_type.name not in _NAMES:
        return False  # after an expression
    if following < len(tokens) and tokens[following].token_type.name == "DOT":
        return True  # a schema's or a relation's name before a column's
    before = start - 1
    if before >= 0 and tokens[before].token_type.name == "ONLY":
        before -= 1
    return before >= 0 and (tokens[before].token_type.name in ("TABLE", "DCOLON", "ALIAS")
                            or _in_from_list(tokens, before))


_NAMES = ("VAR", "IDENTIFIER")
# the words that start a clause of a statement (or a list in it), as a keyword's first word: `order /* … */ by`
# comes as two names. A name spelled so (unquoted, where PostgreSQL allows it) ends a walk early: a refusal at worst
_CLAUSES = frozenset({"select", "from", "where", "group", "having", "window", "order", "limit", "offset", "fetch",
                      "for", "returning", "values", "union", "intersect", "except", "into"})


def _in_from_list(tokens: list, at: int) -> bool:
    """Whether what follows token `at` is an item of a SELECT's FROM list: `at` is its FROM, or a JOIN or a comma
    whose clause is that FROM (joins, ON conditions, TABLESAMPLE, WITH ORDINALITY, aliases' column lists stand
    between; after `x is distinct from y, ` the list is the SELECT's), and a SELECT comes before it in the same
    parentheses and statement (`trim(from t.f)`, `extract(x from t.f)`: an argument, t.f a call)."""
    if tokens[at].token_type.name == "COMMA" or _keyword(tokens, at) == "join":
        at = _clause(tokens, at)
    if at is None or _keyword(tokens, at) != "from":
        return False
    while at is not None and _keyword(tokens, at) != "select":
        at = _before(tokens, at)
    return at is not None


def _clause(tokens: list, at: int) -> int | None:
    """The keyword that starts the clause token `at` stands in: the nearest of `_CLAUSES` before it in the same
    parentheses and statement; None when there is none."""
    at = _before(tokens, at)
    while at is not None and _keyword(tokens, at) not in _CLAUSES:
        at = _before(tokens, at)
    return at


def _keyword(tokens: list, at: int) -> str:
    """The first word of the keyword at `at` in lower case ('' for a quoted name, a constant or a symbol); '' for a
    FROM that starts no FROM list: `IS [NOT] DISTINCT FROM`'s (an operator), `ROWS FROM (…)`'s (a FROM item)."""
    token = tokens[at]
    if token.token_type.name in ("IDENTIFIER", *_STRINGS) or not token.text[:1].isalpha():
        return ""
    word = token.text.split()[0].lower()
    if word == "from" and at:
        previous, following = tokens[at - 1].token_type.name, [t.token_type.name for t in tokens[at + 1:at + 2]]
        if previous == "DISTINCT" or (previous == "ROWS" and following == ["L_PAREN"]):
            return ""
    return word


def _before(tokens: list, at: int) -> int | None:
    """The token before `at` in the same parentheses and statement, a parenthesized group standing for its `(`; None
    at the start of the text, of those parentheses or of the statement."""
    at -= 1
    if at < 0 or tokens[at].token_type.name in ("L_PAREN", "L_BRACKET", "SEMICOLON"):
        return None
    return _opening(tokens, at) if tokens[at].token_type.name in ("R_PAREN", "R_BRACKET") else at


def _parenthesized(tokens: list, dot: int) -> int | None:
    """The `(` of the parentheses that end right before the dot at `dot` (the innermost of nested ones wrapping the
    same value, `(('…'))`), where the value a name after it is called on in attribute notation is written; None when
    that value is not written in parentheses (`x[1].f`, `t.f`)."""
    if dot == 0 or tokens[dot - 1].token_type.name != "R_PAREN":
        return None
    opening, closing = _opening(tokens, dot - 1), dot - 1
    if opening is None or (opening and tokens[opening - 1].token_type.name in _NAMES):
        return None  # a call's parentheses (`f(x).g`, which PostgreSQL does not take)
    while closing - opening > 2 and _opening(tokens, closing - 1) == opening + 1:
        opening, closing = opening + 1, closing - 1
    return opening


def _opening(tokens: list, closing: int) -> int | None:
    """The `(` or `[` that the `)` or `]` at `closing` closes."""
    depth = 0
    for at in range(closing, -1, -1):
        kind = tokens[at].token_type.name
        depth += kind in ("R_PAREN", "R_BRACKET")
        depth -= kind in ("L_PAREN", "L_BRACKET")
        if not depth:
            return at
    return None


def _sql_given(query: str, tokens: list, opening: int, argument: _SqlArgument) -> set[int] | None:
    """Where the string constants start that the call whose `(` is token `opening` gives as SQL to run; None when
    one of those arguments is not a string constant (SQL built at run time: `concat(…)`, a column, `'…' || x`)."""
    arguments = _arguments(tokens, opening)
    if arguments is None:
        return set()  # no closing parenthesis: the server cannot run it either
    if argument.arity is not None and len(arguments) != argument.arity:
        return set()
    starts = set()
    for position, (first, end) in enumerate(arguments):
        named = end - first > 2 and tokens[first + 1].token_type.name in ("FARROW", "COLON_EQ")
        if named:
            runs = argument.positions is None or tokens[first].text.lower() in argument.names
            first += 2
        else:
            runs = argument.positions is None or position in argument.positions
        if not runs:
            continue
        if [t.token_type.name for t in tokens[first:end]] in (["NUMBER"], ["DASH", "NUMBER"], ["PLUS", "NUMBER"]):
            continue  # crosstab(sql, 4), connectby(…, -1): a number is no SQL
        if tokens[first].token_type.name not in _STRINGS:
            return None
        _, after = _continued(query, tokens, first)
        _, after = _spelled(tokens, after, "", unicode=tokens[first].token_type.name == "UNICODE_STRING")
        if not _only_casts(tokens[after:end]):
            return None
        starts.add(first)
    return starts


_NUMBER = object()  # an argument that is a number constant: no SQL


def sql_run_by(query: str) -> list[tuple[str, list[str] | None]] | None:
    """Each call in `query` of a function of `_SQL_ARGUMENTS` (found by its name, however qualified; in attribute
    notation too, `('select …'::text).ts_stat`, given the value before its dot), with the SQL it runs as the current
    role: the string constants it is given there, as PostgreSQL reads them, each a statement — or
    for connectby and xpath_table the SELECT they splice theirs into (`_SPLICED`); None for a call given anything else
    there (SQL built at run time cannot be followed). None when the query cannot be tokenized (nor parsed)."""
    lowered = query.lower()
    if not any(mark in lowered for mark in ("u&", *_SQL_ARGUMENTS)):
        return []  # no such name is spelled here: nothing to tokenize
    from sqlglot.errors import TokenError

    try:
        tokens = _tokenizer().tokenize(query)
    except TokenError:
        return None
    runs, i = [], 0
    while i < len(tokens):
        if tokens[i].token_type.name in _STRINGS:
            i += 1
            continue
        unicode = _unicode_identifier(tokens, i)
        text, following = _spelled(tokens, i + 1, tokens[i].text, unicode=unicode)
        name, dot = text.lower(), i - (3 if unicode else 1)
        if name in _SQL_ARGUMENTS and following < len(tokens) and tokens[following].token_type.name == "L_PAREN":
            arguments = _arguments(tokens, following)
            if arguments is not None:  # (no closing parenthesis: the server cannot run it either)
                runs.append((name, _statements_given(name, [_argument(query, tokens, *at) for at in arguments])))
        elif (name in _SQL_ARGUMENTS and dot >= 0 and tokens[dot].token_type.name == "DOT"
              and not _names_no_call(tokens, dot, following)):
            opening = _parenthesized(tokens, dot)
            arguments = None if opening is None else _arguments(tokens, opening)
            runs.append((name, None if arguments is None else _statements_given(
                name, [_argument(query, tokens, *at) for at in arguments])))
        i = following
    return runs


def _argument(query: str, tokens: list, first: int, end: int) -> tuple[str | None, Any]:
    """An argument's name in named notation (`query => …`, else None) and its value: a string constant's text as
    PostgreSQL reads it (cast or not), `_NUMBER`, or None for anything else."""
    name = None
    if end - first > 2 and tokens[first + 1].token_type.name in ("FARROW", "COLON_EQ"):
        name, first = tokens[first].text.lower(), first + 2
    sign = 1 if tokens[first].token_type.name in ("DASH", "PLUS") else 0
    if first + sign < end and tokens[first + sign].token_type.name == "NUMBER":
        return name, _NUMBER if _only_casts(tokens[first + sign + 1:end]) else None
    if tokens[first].token_type.name not in _STRINGS:
        return name, None
    pieces, after = _continued(query, tokens, first)
    text, after = _spelled(tokens, after, "".join(pieces), unicode=tokens[first].token_type.name == "UNICODE_STRING")
    return name, text if _only_casts(tokens[after:end]) else None


def _statements_given(name: str, values: list[tuple[str | None, Any]]) -> list[str] | None:
    """The SQL the call of `name` with these arguments runs; None when some of it is no string constant."""
    if name in _SPLICED:
        return _SPLICED[name]([value for _, value in values])
    argument = _SQL_ARGUMENTS[name]
    if argument.arity is not None and len(values) != argument.arity:
        return []
    given = [value for position, (named, value) in enumerate(values)
             if argument.positions is None or (named in argument.names if named else position in argument.positions)]
    if any(value is None for value in given):
        return None
    return [value for value in given if value is not _NUMBER]  # crosstab(sql, 4): a number is no SQL


def _connectby(values: list[Any]) -> list[str] | None:
    """connectby(relation, key, parent, [orderby,] start, depth [, delimiter]) runs `SELECT key, parent FROM relation
    WHERE parent = 'start' … [ORDER BY orderby]`: the start is quoted, the others spliced as written (tried on
    PostgreSQL 15: a key `(select n from t)` reads t). Of six arguments the fifth is the depth (a number) when no
    orderby is given; which it is when neither is a number constant is not known, so the fourth is read as SQL."""
    if len(values) not in (5, 6, 7):
        return []  # no such function: the server refuses the call
    with_order = len(values) == 7 or (len(values) == 6 and values[4] is not _NUMBER)
    spliced = values[:4] if with_order else values[:3]
    if not all(isinstance(value, str) for value in spliced):
        return None
    relation, key, parent, *order = spliced
    return [f"SELECT {key}, {parent} FROM {relation}" + (f" ORDER BY {order[0]}" if order else "")]


def _xpath_table(values: list[Any]) -> list[str] | None:
    """xml2's xpath_table(key, document, relation, xpaths, criteria) runs
    `SELECT key, CAST(document AS text) FROM relation WHERE criteria`, each spliced as written."""
    if len(values) != 5:
        return []
    spliced = [values[0], values[1], values[2], values[4]]
    if not all(isinstance(value, str) for value in spliced):
        return None
    key, document, relation, criteria = spliced
    return [f"SELECT {key}, CAST({document} AS text) FROM {relation} WHERE {criteria}"]


# the functions that splice their text arguments into a SELECT of their own: the statement they run
_SPLICED = {"connectby": _connectby, "connectby_text": _connectby, "xpath_table": _xpath_table}


def _arguments(tokens: list, opening: int) -> list[tuple[int, int]] | None:
    """The token ranges of a call's arguments, split at its own commas (not those in parentheses or brackets)."""
    arguments, depth, first = [], 0, opening + 1
    for at in range(opening + 1, len(tokens)):
        kind = tokens[at].token_type.name
        if kind in ("L_PAREN", "L_BRACKET"):
            depth += 1
        elif kind in ("R_PAREN", "R_BRACKET") and depth:
            depth -= 1
        elif kind == "R_PAREN" or (kind == "COMMA" and not depth):
            if at > first:
                arguments.append((first, at))
            if kind == "R_PAREN":
                return arguments
            first = at + 1
    return None


_TYPE_NAME = re.compile(r"[^\W\d][\w$ ]*")  # a word of a type's name (`character varying` is one token)


def _only_casts(tokens: list) -> bool:
    """Whether the tokens after a string constant only cast it (`::text`, `::varchar(100)[]`, `::pg_catalog.text`)."""
    kinds = "".join("w" if t.token_type.name == "IDENTIFIER" or (t.token_type.name not in _STRINGS
                                                                   and _TYPE_NAME.fullmatch(t.text))
                    else {"DCOLON": ":", "DOT": ".", "L_PAREN": "(", "R_PAREN": ")", "COMMA": ",", "NUMBER": "n",
                          "L_BRACKET": "[", "R_BRACKET": "]"}.get(t.token_type.name, "?") for t in tokens)
    return re.fullmatch(r"(:w+(\.w+)*(\(n(,n)*\))?(\[n?\])*)*", kinds) is not None


def _continued(query: str, tokens: list, i: int) -> tuple[list[str], int]:
    """The pieces of the string constant at token i — a `'…'` after whitespace holding a newline continues it, read
    as its first piece is (E'…' escapes and all) — and the index of the token after its last piece."""
    first = tokens[i]
    escaped = first.token_type.name == "BYTE_STRING" and query[first.start] in "eE"
    pieces, following = [first.text], i + 1
    while (following < len(tokens) and query[tokens[following].start] == "'"
           and tokens[following].token_type.name == "STRING"
           and _CONTINUATION.fullmatch(query, tokens[following - 1].end + 1, tokens[following].start)):
        piece = tokens[following]
        pieces.append(_tokenizer().tokenize("E" + query[piece.start:piece.end + 1])[0].text if escaped else piece.text)
        following += 1
    return pieces, following


def _unicode_identifier(tokens: list, i: int) -> bool:
    return (tokens[i].token_type.name == "IDENTIFIER" and i >= 2 and tokens[i - 1].token_type.name == "AMP"
            and tokens[i - 2].text.upper() == "U")


def _spelled(tokens: list, following: int, text: str, unicode: bool) -> tuple[str, int]:
    """A name's or string's text as PostgreSQL reads it — a U& one with its escapes decoded (`\0062`, or with the
    character the UESCAPE after it names) — and the index of the token after it (after that UESCAPE)."""
    if not unicode:
        return text, following
    escape = "\\"
    if (following + 1 < len(tokens) and tokens[following].text.upper() == "UESCAPE"
            and tokens[following + 1].token_type.name == "STRING"):
        escape, following = tokens[following + 1].text, following + 2
    pattern = re.escape(escape) + r"(?:\+([0-9A-Fa-f]{6})|([0-9A-Fa-f]{4}))"
    return re.sub(pattern, lambda m: chr(int(m.group(1) or m.group(2), 16)), text), following


def _has_code(statement) -> bool:
    from sqlparse import tokens

    return any(not (t.is_whitespace or t.ttype in tokens.Comment or t.ttype in tokens.Punctuation)
               for t in statement.flatten())


# what reads as a try at citing a secret: the environment file's `${NAME}`, or `{secret:…}` in another case, plural,
# spaced or unclosed — each would be sent as that text (only `{secret:NAME}` in an http header is filled)
LIKE_A_REFERENCE = re.compile(r"\$\{[^{}]*\}?|\{\s*secrets?\s*:[^{}]*\}?", re.IGNORECASE)
_REFERENCE = re.compile(r"\{secret:[^\s{}]+\}")
_REFERENCED_NAME = re.compile(r"[^\s{}:$]+")


def _cited_name(reference: str) -> str | None:
    """The secret's name a reference-shaped text means (`SHOP_KEY` of `${SHOP_KEY}` or `{ Secret: SHOP_KEY }`; of
    `${secrets.SHOP_KEY}`, as GitHub Actions' `${{ secrets.X }}` is misremembered, the name without its namespace)."""
    inner = reference[2:] if reference.startswith("$") else reference.partition(":")[2]
    found = _REFERENCED_NAME.search(inner)
    if found is None:
        return None
    return (_NAMESPACE.sub("", found.group()) or found.group()) if reference.startswith("$") else found.group()


_NAMESPACE = re.compile(r"^(?:secrets?|env|vars)\.", re.IGNORECASE)  # `secrets.` of `${{ secrets.X }}`


def reference_problem(value: str) -> str | None:
    """A header value's first text shaped like a secret reference that is not `{secret:NAME}`, and its fix."""
    for found in LIKE_A_REFERENCE.finditer(value):
        text = found.group()
        if _REFERENCE.fullmatch(text):
            continue
        name = _cited_name(text)
        said = f"{display.visible(display.cut(text, 60))} would be sent as written, not as a secret"
        if name is None:
            return f"{said}: name the secret, {{secret:NAME}}"
        fixed = f"{{secret:{name}}}"
        if text.startswith("$"):
            return f"{said} (${{…}} is the environment file's syntax): write {fixed}"
        if re.fullmatch(r"\{\s*secret\s*:\s*[^\s{}]+\s*\}", text):  # only spaced
            return f"{said}: did you mean {fixed}?"
        return f"{said}: write {fixed}"
    return None


def a_secret_name(value: str) -> str:
    """A secret's name as the environment's `secrets:` keys it and `{secret:NAME}` cites it: no blank, no brace."""
    if _REFERENCE.fullmatch(value):
        raise ValueError(f"{display.visible(display.cut(value, 60))}: give the secret's name alone, not a"
                         f" reference to it: write {value[len('{secret:'):-1]}")
    if not re.fullmatch(r"[^\s{}]+", value):
        shown = repr(display.visible(display.cut(value, 60))) if value else "an empty name"
        raise ValueError(f"{shown} names no secret an environment can define (a name has no blanks and no braces,"
                         " as secrets: keys it and {secret:NAME} cites it)")
    return value


# the name of a secret of the environment (its `secrets:` key)
SecretName = Annotated[str, AfterValidator(a_secret_name)]


def _absolute_path(value: str) -> str:
    odd = next((at for at, ch in enumerate(value) if ch.isascii() and not ch.isprintable()), None)
    if odd is not None:  # `path: |` keeps a line break; HTTP carries none, so it could only fail when sent
        kind = "a line break" if value[odd] in "\r\n" else "a control character"
        raise ValueError(f"holds {kind} ({value[odd]!r}) at character {odd}: a path is one line of visible text"
                         " (a YAML `|` block ends with a line break: write the path on its key's line)")
    if not value.startswith("/"):
        raise ValueError("must start with /")
    cited = LIKE_A_REFERENCE.search(value)
    if cited:  # `/api/{id}` cites nothing and is sent as written, as is every path: only a reference's shape is refused
        fixed = f"{{secret:{_cited_name(cited.group()) or 'NAME'}}}"
        raise ValueError(f"{display.visible(display.cut(cited.group(), 60))} would be sent as written: a path is "
                         f"never filled in (neither ${{VAR}} nor {{secret:NAME}}), and a key in a URL would be "
                         "written to the logs of servers and proxies on the way; send the key in a request header "
                         f'instead (an http item: headers: {{x-api-key: "{fixed}"}})')
    credential = _credential_in_path(value)
    if credential and credential[1] is None:  # in the fragment: never sent, so nothing to send it from instead
        raise ValueError(f"{credential[0]} is a credential written into the checklist: a path's fragment is never "
                         "sent, yet it is shown and archived as written; leave the fragment out")
    if credential:
        where, example = credential
        raise ValueError(f"{where} is a credential written into the checklist: a path is sent, shown and archived "
                         "as written (and written to the logs of servers and proxies on the way), and never filled in; "
                         f'put it in the service\'s URL in the environment file (url: "{example}", left out of the '
                         "output) or send it in a request header (an http item's, citing {secret:NAME})")
    return value


def _credential_in_path(path: str) -> tuple[str, str | None] | None:
    """Where a path holds a credential as written, named without its value, and the service's URL that would carry it
    from a variable instead (None for the fragment, never sent): a webhook's key by its vendor's path (Slack's
    `/services/T…/B…/…`, Discord's, Teams'), a segment shaped as one (a JWT, `ghp_…`, a Telegram bot's `bot123:AA…`),
    or a parameter of its query, of a segment (`;jsessionid=`) or of its fragment (`#access_token=`, an OAuth implicit
    flow's answer pasted) that could be one (`_credential_pair`)."""
    sent, _, fragment = path.partition("#")
    written, _, query = sent.partition("?")
    vendor = a_webhooks_token(unquote(sent))
    if vendor:  # its query's token, read decoded (`messages%3Fkey%3D…%26token%3D…` is the same URL written out)
        return f"the {vendor} webhook token", "https://…?token=${NAME}"
    vendor = a_webhooks_key(unquote(written))
    if vendor:  # no one segment of it is shaped as a key: its place and its neighbours' shapes say it
        return f"the path's {vendor} webhook key", "https://…/${NAME}"
    for at, segment in enumerate(written.split("/")[1:], start=1):
        segment, *parameters = segment.split(";")
        if shaped_as_a_credential(unquote(segment)):
            return f"the path's segment {at}", "https://…/${NAME}"
        for pair in parameters:
            name = _credential_pair(pair)
            if name is not None:
                return f";{name}=…", f"https://…/;{name}=${{NAME}}"
    name = _credential_in_query(query)
    if name is not None:
        return f"?{name}=…", f"https://…?{name}=${{NAME}}"
    return _credential_in_fragment(fragment)


def _credential_in_query(query: str, separators: str = "&;", nested: bool = True) -> str | None:
    """The name of a query's parameter holding a credential as written (`&` and `;` separate them: HTML 4's advice,
    servlets read it); Subsonic's token `?t=` beside its salt `?s=` is a password's (it logs in as `?p=` does), and
    its `?p=` beside its user `?u=` a password outright (`?u=admin&p=Sup3r-S3cret!`; WordPress's `?p=123` has no
    `?u=`). A value that is itself a path or URL (`?next=/cb?access_token=…`) is judged too, once (`nested`)."""
    pairs = [pair for pair in re.split(f"[{separators}]", query) if pair]
    names = {unquote_plus(pair.partition("=")[0]) for pair in pairs}
    passwords = QUERY_PASSWORD_NAMES | ({"t"} if {"t", "s"} <= names else set())
    outright = {"p"} if {"u", "p"} <= names else set()
    return next(filter(None, (_credential_pair(pair, plus=True, passwords=passwords, outright=outright) or
                              (_credential_in_redirect(pair) if nested else None) for pair in pairs)), None)


# a query's value that is itself a path or a URL (a login's `?next=/cb?…`, `?redirect_uri=https://…`)
_REDIRECT = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?/", re.IGNORECASE)


def _credential_in_redirect(pair: str) -> str | None:
    """Where a parameter whose value is a path or URL holds a credential in that URL's own query or fragment
    (`?next=/cb?access_token=…`: `next=…?access_token`), judged once: a redirect's redirect is not read."""
    name, equals, value = (unquote_plus(part) for part in pair.partition("="))
    if not (equals and _REDIRECT.match(value)):
        return None
    sent, hashed, fragment = value.partition("#")
    _, asked, query = sent.partition("?")
    outer = display.visible(display.cut(name, 60))
    inner = _credential_in_query(query, nested=False) if asked else None
    if inner is not None:
        return f"{outer}=…?{inner}"
    inner = _credential_in_query(fragment, separators="&;?/", nested=False) if hashed else None
    return f"{outer}=…#{inner}" if inner is not None else None


def _credential_in_fragment(fragment: str) -> tuple[str, None] | None:
    """Where a fragment (`#access_token=…`, a single-page app's `#/reset/<token>` or `#/login?token=…`) holds a
    credential: never sent, it is shown and archived with the path all the same. It is read as written and once
    decoded (`#access_token%3D…` says `#access_token=…` to the page's script that decodes it)."""
    for text in dict.fromkeys((fragment, unquote(fragment))):
        name = _credential_in_query(text, separators="&;?/")
        if name is not None:
            return f"#{name}=…", None
    if any(shaped_as_a_credential(unquote(piece)) for piece in re.split(r"[/?&;]", fragment)):
        return "the path's fragment", None
    return None


def _credential_pair(pair: str, *, plus: bool = False, passwords: frozenset[str] | set[str] = QUERY_PASSWORD_NAMES,
                     outright: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The name of a parameter (`name=value`) holding a credential as written, shown visible: a value shaped as one
    under any name (a JWT, `ghp_…`), or what could be a token under a name that reads as a credential's (`?api_key=`,
    `?access_token=`, `?sig=`), a session's (`?PHPSESSID=`, `;jsessionid=`, `?sid=`) or a password's (Subsonic's
    `?p=`, and its hex form `?p=enc:…` whatever its runs); Azure Functions' `?code=` when as long as its keys, and
    OpenWeather's `?appid=` as long as its key; and anything but a short number or a word saying none under a name
    whose value is a secret outright (`?password=correct-horse-battery-staple`, `?api_key=abcd-efgh`, or one of
    `outright`: Subsonic's `?p=` by `?u=`). `?code=SUMMER`, `?key=new_checkout`, `?max_tokens=16`, `?secret=false`,
    `?pass=1`, an empty `?token=` and a pagination cursor (`?$skiptoken=`) hold none."""
    decode = unquote_plus if plus else unquote
    name, equals, value = (decode(part) for part in pair.partition("="))
    if not (equals and value) or a_public_key(value):  # a key its vendor gives out (`?key=pk_live_…`) is none
        return None
    lower = name.lower()
    shown = display.visible(display.cut(name, 60))
    if shaped_as_a_credential(value):
        return shown
    if a_pagination_cursor(name, value):  # named as a token, it says where a page starts
        return None
    if (lower == "code" and could_be_a_token(value, shortest=16)) or a_key_as_an_apps_id(name, value):
        return shown  # a key as long as its vendor's, under a name saying no credential by its words
    if (names_a_credential(name) or names_a_session(name) or lower in passwords) and could_be_a_token(value):
        return shown
    if lower in passwords and HEX_PASSWORD.fullmatch(value):  # Subsonic's `enc:736563726574`: digits, as often
        return shown
    if (names_a_secret_value(name) or lower in outright) and not holds_no_secret(value):
        return shown
    return None


# the path part of a URL on a service, as checklists write it: "/health", "/api/cron/publish?limit=5"
UrlPath = Annotated[str, AfterValidator(_absolute_path)]


def first_few(names: list[str] | tuple[str, ...], limit: int = 3) -> str:
    """`a, b, c, … (+23)`: a failure that lists many objects stays one readable line; the full list
    belongs in the evidence."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])}, … (+{len(names) - limit})"


def nothing_found(what: str, where: str, advise: bool = True) -> Outcome:
    """A check over a set that turned out empty has checked nothing: an *error* naming where it
    looked, never a pass. Items that expect emptiness say `allow_empty: true` (`advise`: false where
    the item may not, so the message offers no advice the loader refuses)."""
    from ..outcome import error

    advice = " (set allow_empty: true if none is expected)" if advise else ""
    return error(f"no {what} found in {where}; nothing was checked{advice}")

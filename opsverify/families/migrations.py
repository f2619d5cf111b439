"""migrations: what a migration tool's own history table says is applied now, against what should be.

Tools (one module each in migration_tools/, with its table's DDL source): supabase, prisma, rails,
django, alembic, flyway, golang-migrate, knex, liquibase.

Params:
    tool: prisma                     which tool's history, in its default table ...
    table: app.flyway_history        ... or this one (schema.table)
    applied: [20240601_subs]         these are applied now (per the tool's naming)
    latest: 20240902_uploads         the newest applied migration is this one
    none_failed: true                nothing failed, dirty, unfinished or locked *now*
    from_repo: prisma/migrations     every migration of this folder of the repo checkout is applied
                                     ("." is the checkout itself); a folder the tool refuses fails, naming
                                     what and why: two files of one version, a Prisma folder without
                                     migration.sql, a file name Rails lists and cannot read, a Flyway file
                                     renamed since it ran
    checksums: true                  ... and unchanged since (tools that record a checksum); only this reads
                                     the files, up to 16 MB each: a larger one is *error* for its migration
    unknown_applied: fail            an applied migration the folder lacks fails (default) | report
    allow_empty: false               an empty history or folder is an error, unless true

Row level security on a history or lock table shows a checker role it applies to only some rows: a
held lock or a failed row it hides would read as none, so that is *error* naming the fix (BYPASSRLS).
A table the checker role may not read (SQLSTATE 42501) is *error* naming the GRANT it lacks; a name
the history cannot match (a Supabase table that records versions only) is *error* naming the fix. A
column the judge reads holding a type the tool never writes there, or NULL where its DDL says NOT NULL
(Flyway's success as text 'false', golang-migrate's dirty NULL or version Infinity, Prisma's finished_at
as text ''), is *error* naming the row, the column, what was expected and what was seen: read by
truthiness, a failed migration had read as a success.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, Iterable, Literal

from pydantic import ValidationInfo, field_validator, model_validator

from ..errors import DatabaseUnavailable, GatherError, QueryFailed
from ..outcome import Outcome, error, verdict
from ..transports.pgvalues import Pinned
from ._catalog import qualified, quote_ident
from ._common import StrictParams, first_few, nothing_found, plural
from .repo import deployed_ref, folder_as_committed
from .migration_tools import TOOLS, History, RepoListing, Table, TooDeep, Unreadable

NOT_THERE = {"42P01", "3F000", "42703"}  # undefined table, schema, column: the history is elsewhere or another shape

NAME = "migrations"

ToolName = Literal["supabase", "prisma", "rails", "django", "alembic", "flyway", "golang-migrate", "knex", "liquibase"]


class Params(StrictParams):
    tool: ToolName
    applied: list[str] = []
    latest: str | None = None
    none_failed: bool = False
    from_repo: str | None = None  # folder of the system's repo checkout, laid out as the tool expects
    checksums: bool = False
    unknown_applied: Literal["fail", "report"] = "fail"
    table: str | None = None
    allow_empty: bool = False

    @field_validator("applied", "latest", mode="before")
    @classmethod
    def _version_text(cls, value: Any, info: ValidationInfo) -> Any:
        """A label YAML read as a number (`latest: 20240201000000` unquoted). A Supabase version is the CLI's
        timestamp, whose digits YAML gives back as written: taken as that text. Any other number may not be
        the text written (YAML reads 000010 as 8, Flyway's 2_1 as 21, 1.10 as 1.1): refused, saying to quote it."""
        numbers = [v for v in (value if isinstance(value, list) else [value]) if _number(v)]
        if not numbers:
            return value
        if info.data.get("tool") == "supabase" and all(isinstance(v, int) and v >= 0 for v in numbers):
            return [str(v) if _number(v) else v for v in value] if isinstance(value, list) else str(value)
        shown = f"{info.field_name}: ['…']" if isinstance(value, list) else f"{info.field_name}: '…'"
        raise ValueError(f"YAML reads it as the number {numbers[0]}, which need not be the text written (YAML reads"
                         f" 000010 as 8, 2_1 as 21, 1.10 as 1.1): quote it as written, {shown}")

    @field_validator("applied", "latest")
    @classmethod
    def _names_something(cls, value: Any, info: ValidationInfo) -> Any:
        """Empty text matches no migration and is never judged (`latest: ''` would check nothing): refused."""
        for label in value if isinstance(value, list) else [value]:
            if label is not None and not label.strip():
                raise ValueError(f"{label!r} names no migration: write the migration as the tool names it,"
                                 f" or drop {info.field_name}")
        return value

    @field_validator("table")
    @classmethod
    def _qualified_name(cls, value: str | None) -> str | None:
        if value is not None:
            Table.parse(value)  # a name it cannot read is refused at load
        return value

    @field_validator("from_repo")
    @classmethod
    def _inside_repo(cls, value: str | None) -> str | None:
        if value is not None:
            parts = PurePosixPath(value).parts
            if value.startswith("/") or ".." in parts:
                raise ValueError("must be a relative folder inside the repo checkout")
            if not parts and value and not value.strip("./"):  # `.`, `./`, `././`: the checkout itself
                return value
            if not parts:
                raise ValueError("must be a relative folder inside the repo checkout (write . for the checkout itself)")
        return value

    @model_validator(mode="after")
    def _judged(self) -> "Params":
        tool = TOOLS[self.tool]
        if not (self.applied or self.latest or self.none_failed or self.from_repo):
            raise ValueError("give applied, latest, none_failed or from_repo")
        if self.none_failed and not tool.RECORDS_FAILURES:
            raise ValueError(f"none_failed: {self.tool} leaves no trace of a failed run to read"
                             " (its migrations run in a transaction); drop it")
        if self.checksums and not tool.RECORDS_CHECKSUMS:
            raise ValueError(f"checksums: {self.tool} records no checksum we can recompute (prisma and flyway do)")
        if self.checksums and not self.from_repo:
            raise ValueError("checksums compares the repo's files with the history: give from_repo")
        if "unknown_applied" in self.model_fields_set and not self.from_repo:
            raise ValueError("unknown_applied compares the history with the repo: give from_repo")
        if self.applied and not tool.RECORDS_EACH and not self.from_repo:
            raise ValueError(f"applied: {self.tool} records only where the database stands; give from_repo"
                             " so what lies below it is known (or use latest)")
        if tool.LABEL is not None:
            pattern, hint = tool.LABEL
            for label in [*self.applied, *([self.latest] if self.latest else [])]:
                if not pattern.match(label):
                    raise ValueError(f"{label!r}: write {hint}")
        return self

    @property
    def history_table(self) -> Table:
        return Table.parse(self.table or TOOLS[self.tool].TABLE)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def needs(params: Params) -> tuple[str, ...]:
    return ("database", "repo") if params.from_repo else ("database",)


# -- gather ------------------------------------------------------------------------------------
def _plan(checks) -> list[tuple[tuple[str, str], str, Any]]:
    """(tool, history table), role, query: each history query of the group once."""
    wanted: dict[tuple[str, str], dict] = {}
    for check in checks:
        p: Params = check.params
        wanted.setdefault((p.tool, p.history_table.label), {}).update(
            TOOLS[p.tool].queries(p.history_table, p.none_failed))
    return [(key, role, query) for key, roles in wanted.items() for role, query in roles.items()]


def _visibility(plan) -> tuple[str, dict[str, list[str]]]:
    """Which of the tables read row level security filters for this role (the names bound as values: a schema
    may be called anything). to_regclass raises for a schema the role may not use: such a table is left to its
    own query's error."""
    tables = sorted({query.table for _, _, query in plan}, key=lambda t: t.sql)
    return ("select t.name, current_user as viewer,"
            " coalesce(row_security_active(case when has_schema_privilege(n.oid, 'USAGE')"
            " then to_regclass(t.name) end), false) as filtered"
            " from unnest(%(names)s::text[], %(schemas)s::text[]) as t(name, schema)"
            " left join pg_namespace n on n.nspname = t.schema",
            {"names": [t.sql for t in tables], "schemas": [t.schema for t in tables]})


def database_statements(target, checks) -> list:
    """Every statement here is the suite's own, naming each table qualified: run with search_path pinned
    (`Pinned`), so no object of the database's own stands in for PostgreSQL's."""
    plan = _plan(checks)
    visibility, names = _visibility(plan)
    return [Pinned(query.sql) for _, _, query in plan] + [(Pinned(visibility), names)]


def gather(target, checks) -> dict[str, Any]:
    """Every history query of the group and what RLS hides of them in one pipelined round trip, then the
    repo folders."""
    plan = _plan(checks)
    *answers, visibility = target.database.query_many(database_statements(target, checks))
    if len(answers) != len(plan):
        raise GatherError(f"asked {len(plan)} migration queries, got {len(answers)} answers")
    if isinstance(visibility, DatabaseUnavailable):
        raise visibility  # no conversation at all: the run names the cause (unreachable, credentials, …)
    if isinstance(visibility, GatherError):
        raise GatherError(f"could not tell whether row level security hides history rows: {visibility}")
    history: dict[tuple[str, str], dict] = {}
    viewer = next((row["viewer"] for row in visibility), None)  # the checker role, for a GRANT it lacks
    for (key, role, query), rows in zip(plan, answers, strict=True):
        hidden = next((row for row in visibility if row["name"] == query.table.sql and row["filtered"]), None)
        if hidden is not None and not isinstance(rows, GatherError):
            rows = GatherError(f"row level security on it shows the checker role {hidden['viewer']} only some"
                               " rows (a failure or lock it hides would read as none); give the checker role"
                               " BYPASSRLS (its sessions stay read-only)")
        history.setdefault(key, {})[role] = rows
    repo: dict[tuple[str, str], RepoListing | GatherError] = {}
    hashed = {(c.params.tool, c.params.from_repo) for c in checks if c.params.checksums}  # files read only for these
    for check in checks:
        p = check.params
        if p.from_repo and (p.tool, p.from_repo) not in repo:
            repo[(p.tool, p.from_repo)] = _list_folder(target, p.tool, p.from_repo, (p.tool, p.from_repo) in hashed)
    return {"history": history, "repo": repo, "viewer": viewer}


def _list_folder(target, tool: str, folder: str, checksums: bool = False) -> RepoListing | GatherError:
    try:
        root = target.repo()
    except GatherError as exc:
        return exc
    path = root / folder
    if not path.is_dir():
        return GatherError(f"{folder} is not a folder of the repo checkout {root}")
    # a file removed or skipped here is still the commit's; a folder the tool never reads from is no question
    if differs := folder_as_committed(root, folder, getattr(TOOLS[tool], "UNREAD", None), deployed_ref(target)):
        return differs
    try:
        return TOOLS[tool].read_repo(path, checksums=True) if checksums else TOOLS[tool].read_repo(path)
    except (OSError, UnicodeDecodeError, TooDeep, Unreadable) as exc:  # this folder's items only: others are judged
        return GatherError(f"cannot read {folder}: {exc}")


# -- judge -------------------------------------------------------------------------------------
def judge(check, facts) -> Outcome:
    p: Params = check.params
    tool, table = TOOLS[p.tool], p.history_table
    read = _read(p, facts)
    if isinstance(read, Outcome):
        return read
    rows, listing = read
    try:
        history: History = tool.history(rows, listing)
        # what the tool refuses only once history and folder are compared (Flyway: a renamed version), and
        # rows the folder cannot settle (Liquibase: a row two of its files could be)
        refuses = getattr(tool, "refuses", lambda rows, listing: ())(rows, listing) if listing is not None else ()
        unsettled = getattr(tool, "doubts", lambda rows, listing: [])(rows, listing) if listing is not None else []
    except (ValueError, TypeError, KeyError) as exc:  # rows in another shape than the tool writes
        return error(f"could not read {table.label} as {p.tool}'s history: {exc}")
    if refuses:
        listing = replace(listing, refused=listing.refused + tuple(refuses))
    if not history.applied and not history.failures and not p.allow_empty:
        # rows that apply nothing (Flyway's SCHEMA row alone, a rolled-back attempt) checked nothing either; a
        # failure is judged (a held lock over an empty history: a first run died holding it)
        seen = f": {plural(history.recorded, 'row')}, none applied now" if history.recorded else ""
        return nothing_found("applied migration", f"{table.label} ({p.tool}'s history table{seen})")
    expected: list[str] = []
    problems: list[str] = []
    notes: list[str] = []
    evidence: dict[str, Any] = {
        "tool": p.tool, "table": table.label, "rows": history.recorded, "applied": len(history.applied),
        "newest": history.position(), "failures": list(history.failures), "resolved": list(history.resolved)}
    undecided = getattr(tool, "undecided", lambda label, history: False)  # a name no row records
    sharing = getattr(tool, "ambiguous", lambda label, history, listing: ())  # a name more than one version bears
    ambiguous = {label: versions for label in dict.fromkeys([*p.applied, *([p.latest] if p.latest else [])])
                 if len(versions := sharing(label, history, listing)) > 1}
    vague: list[str] = []
    why = dict(history.not_applied)
    if p.applied:
        labels = set().union(*(a.labels for a in history.applied))
        unmatched = [label for label in p.applied if tool.canonical(label) not in labels and label not in ambiguous]
        vague += [label for label in unmatched if undecided(label, history)]
        missing = [label for label in unmatched if label not in vague]
        expected.append(f"applied: {first_few(p.applied, 5)}")
        evidence["not_applied"] = missing
        if missing:
            twins = _twins(missing, labels)
            known = getattr(tool, "applied_as", lambda label, history: "")  # its version applied under another name
            shown = [_twin(_why(label, why), label, twins) for label in missing]
            shown = [f"{text} ({hint})" if (hint := known(label, history)) else text
                     for text, label in zip(shown, missing)]
            problems.append(f"not applied: {first_few(shown)}")
    if p.latest:
        scope = p.latest.split(".", 1)[0] if tool.PER_APP else ""
        where = f" in {scope}" if scope else ""
        newest = history.newest(scope)
        expected.append(f"newest applied{where}: {p.latest}")
        if p.latest in ambiguous:
            pass  # named below: which version it means cannot be told
        elif newest is not None and tool.canonical(p.latest) not in newest.labels and undecided(p.latest, history):
            vague.append(p.latest)
        elif newest is None or tool.canonical(p.latest) not in newest.labels:
            problems.append(f"newest applied{where} is {history.position(scope)}, not {p.latest}")
    if p.none_failed:
        expected.append(f"no {p.tool} migration failed, dirty or unfinished now")
        if history.failures:
            problems.append(f"{plural(len(history.failures), 'failure')} now: {first_few(list(history.failures), 2)}")
    if listing is not None:
        problems += _against_repo(p, history, listing, expected, evidence, notes)
    fine = f"{plural(len(history.applied), 'migration')} applied in {table.label}, newest {history.position()}"
    # what cannot be told is an error, which still says what the rest of the check found
    doubts = list(unsettled)
    if unsettled:
        evidence["history_not_settled"] = list(unsettled)
    if vague:
        fix = (" (the repo has no file of that version to name it)" if p.from_repo
               else ", or give from_repo so the repo's file names each version")
        doubts.append(f"could not tell whether {first_few(vague)} {'is' if len(vague) == 1 else 'are'} applied:"
                      f" {table.label} {history.unnamed}; write the version{fix}")
    if ambiguous:
        evidence["ambiguous"] = {label: list(versions) for label, versions in ambiguous.items()}
        kind, fix = getattr(tool, "AMBIGUOUS", ("versions", "write the version or version_name"))
        doubts.append("could not tell which migration " + "; ".join(
            f"{label} means: the name of {kind} {first_few(list(versions))}" for label, versions in ambiguous.items())
            + f" (ambiguous: {fix})")
    if evidence.get("checksum_not_compared"):
        unhashed = evidence["checksum_not_compared"]
        doubts.append(f"could not compare the checksum of {plural(len(unhashed), 'applied migration')}:"
                      f" {first_few(list(unhashed.values()), 2)}")
    if doubts:
        rest = f"besides, {'; '.join(problems)}" if problems else f"the rest as expected ({fine})"
        return error(f"{'; '.join(doubts)}; {rest}", **evidence)
    if history.resolved:
        notes.append(f"{plural(len(history.resolved), 'resolved failure')} in its history")
    if history.failures and not p.none_failed:  # not this item's question, but no pass may hide it
        failed = first_few(list(history.failures), 2)
        notes.append(f"failed now, not judged here (none_failed: true judges it): {failed}")
    if history.not_applied:  # e.g. rolled back and not applied again: history, and not applied (said above if asked)
        evidence["recorded_not_applied"] = [_why(key, why) for key, _ in history.not_applied]
        notes.append(f"recorded, not applied now: {first_few(evidence['recorded_not_applied'], 2)}")
    return verdict("; ".join(expected), problems, "; ".join([fine, *notes]), **evidence)


def _read(p: Params, facts) -> tuple[dict, RepoListing | None] | Outcome:
    """The rows of each query this check needs and its repo listing, or why they cannot be judged."""
    answers = facts["history"][(p.tool, p.history_table.label)]
    rows = {}
    for role, query in TOOLS[p.tool].queries(p.history_table, p.none_failed).items():
        rows[role] = answers[role]
        if isinstance(rows[role], GatherError):
            hint = _hint(rows[role], query.table, facts.get("viewer"))
            return error(f"could not read {query.table.label}, the {p.tool} {role} table: {rows[role]}{hint}")
    if not p.from_repo:
        return rows, None
    listing = facts["repo"][(p.tool, p.from_repo)]
    if isinstance(listing, GatherError):
        return error(f"could not list the {p.tool} migrations of the repo: {listing}")
    if not listing.migrations and not listing.refused and not p.allow_empty:  # a refused folder is judged: it fails
        seen = f"; the folder holds {first_few(list(listing.ignored))}" if listing.ignored else ""
        return nothing_found(f"{p.tool} migration", f"{p.from_repo} (looked for {listing.looked_for}{seen})")
    return rows, listing


def _hint(problem: GatherError, table: Table, viewer: str | None) -> str:
    """What to do about a history or lock table that could not be read."""
    if "row level security" in str(problem):
        return ""  # the message names its fix
    if isinstance(problem, QueryFailed) and problem.sqlstate == "42501":  # insufficient_privilege
        role = quote_ident(viewer) if viewer else "<the checker role>"
        if "for schema" in str(problem):
            return (f"; the checker role may not use the schema: GRANT USAGE ON SCHEMA {quote_ident(table.schema)}"
                    f" TO {role} (and GRANT SELECT ON {_qualified(table)} TO {role}, if it lacks that too)")
        return f"; the checker role may not read it: GRANT SELECT ON {_qualified(table)} TO {role}"
    if isinstance(problem, QueryFailed) and problem.sqlstate in NOT_THERE:
        return " (wrong database or schema? `table:` names another one)"
    if isinstance(problem, QueryFailed) and problem.sqlstate == "55P03":  # lock_not_available
        return ("; the table is locked (a migration run holds it?): the wait for a lock is capped at"
                " timeouts.statement_ms (at most 2 s); check again once the run ends")
    if isinstance(problem, QueryFailed) and problem.sqlstate == "57014":  # query_canceled: statement_timeout
        return ("; the table is locked or slow to read: the read took longer than timeouts.statement_ms"
                " (the environment's timeouts); check again once a migration run ends, or raise it")
    return ""


def _qualified(table: Table) -> str:
    return qualified(table.schema, table.name)


def _short(checksum: str | None) -> str:
    """A checksum as a message shows it: a SHA-256's first 12 digits are enough to tell two apart."""
    if checksum is None:
        return "?"
    return checksum if len(checksum) <= 12 else checksum[:12] + "…"


def _why(key: str, why: dict[str, str]) -> str:
    return f"{key} ({why[key]})" if key in why else key


def _twins(names: list[str], others: Iterable[str]) -> dict[str, str]:
    """Each name another text equals once both are NFC-normalized: one name written two ways (a checkout made on
    macOS may spell é as e + a combining accent), which look the same in a message."""
    by_form = {unicodedata.normalize("NFC", other): other for other in others}
    return {name: by_form[form] for name in names
            if (form := unicodedata.normalize("NFC", name)) in by_form and by_form[form] != name}


def _twin(shown: str, name: str, twins: dict[str, str]) -> str:
    twin = twins.get(name)
    return shown if twin is None else (f"{shown} (it and {twin} differ only in Unicode normalization:"
                                       f" {ascii(name)} and {ascii(twin)})")


def _against_repo(p: Params, history: History, listing: RepoListing, expected: list[str],
                  evidence: dict[str, Any], notes: list[str]) -> list[str]:
    problems = []
    if listing.refused:  # the tool refuses the whole folder: what the history lacks cannot deploy from it
        expected.append(f"{p.tool} takes {p.from_repo} as it is")
        evidence["repo_refused"] = dict(listing.refused)
        problems.append(f"{p.tool} refuses {p.from_repo} as it is: "
                        + first_few([f"{what} ({why})" for what, why in listing.refused], 2))
    by_key = {a.key: a for a in history.applied}
    missing = list(dict.fromkeys(m.key for m in listing.migrations if m.key not in by_key and not m.unjudged))
    unjudged = {m.key: m.unjudged for m in listing.migrations if m.key not in by_key and m.unjudged}
    if unjudged:
        evidence["repo_not_judged"] = unjudged
        notes.append(f"{plural(len(unjudged), 'repo migration')} not judged"
                     f" ({'; '.join(sorted(set(unjudged.values())))}): {first_few(list(unjudged))}")
    expected.append(f"every migration of {p.from_repo} applied")
    why = dict(history.not_applied)
    known, scopes = listing.keys, {m.scope for m in listing.migrations}  # Django: only the repo's own apps
    if missing:
        twins = _twins(missing, [key for key in by_key if key not in known])
        problems.append(f"{plural(len(missing), 'repo migration')} not applied:"
                        f" {first_few([_twin(_why(key, why), key, twins) for key in missing])}")
    # a squash stands for what it replaces: once their files are gone, their rows (migrate keeps them) are known
    known = known | {key for m in listing.migrations for key in m.replaces}
    unknown = [a.key for a in history.applied
               if a.key not in known and not a.synthetic and (not TOOLS[p.tool].PER_APP or a.scope in scopes)]
    if unknown and p.unknown_applied == "fail":
        problems.append(f"{plural(len(unknown), 'applied migration')} not in {p.from_repo}: {first_few(unknown)}")
    elif unknown:
        notes.append(f"{plural(len(unknown), 'applied migration')} not in {p.from_repo}: {first_few(unknown)}")
    if p.unknown_applied == "fail":
        expected.append(f"nothing applied that {p.from_repo} lacks")
    evidence.update(repo_folder=p.from_repo, repo_migrations=len(listing.migrations), repo_not_applied=missing,
                    applied_not_in_repo=unknown, repo_ignored=list(listing.ignored))
    if p.checksums:
        compared = [m for m in listing.migrations if m.key in by_key and m.checksums and not by_key[m.key].synthetic]
        # a file not hashed (too large, unreadable): that migration alone cannot be compared; the judge says so
        unhashed = {m.key: m.unhashed for m in listing.migrations
                    if m.key in by_key and m.unhashed and not by_key[m.key].synthetic}
        if unhashed:
            evidence["checksum_not_compared"] = unhashed
        differ = {m.key: {"recorded": by_key[m.key].checksum, "file": m.own_checksum} for m in compared
                  if by_key[m.key].checksum is not None and by_key[m.key].checksum not in m.checksums}
        # a file's row without a checksum cannot show the file unchanged: named, never taken as "same"
        unrecorded = [m.key for m in compared if by_key[m.key].checksum is None]
        expected.append("each applied file unchanged (checksum)")
        evidence["checksum_differs"] = differ
        if unrecorded:
            evidence["checksum_not_recorded"] = unrecorded
        if differ:
            shown = [f"{key} (recorded {_short(sums['recorded'])}, file {_short(sums['file'])})"
                     for key, sums in differ.items()]
            problems.append(f"{plural(len(differ), 'applied migration')} changed in the repo since it ran"
                            f" (checksum differs): {first_few(shown, 3)}")
        if unrecorded:
            problems.append(f"{plural(len(unrecorded), 'applied migration')} with no checksum recorded, so not shown"
                            f" unchanged: {first_few(unrecorded)}")
    return problems

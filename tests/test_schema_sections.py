"""The catalog query reads only the sections the selected `schema` items judge, and what it did not read
can never pass as empty: judged on its own sections an item ends exactly as on the whole catalog, and a
judge that reads a section its item did not declare ends as an error."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from opsverify.engine import Run, gather_and_judge
from opsverify.environment import load_environment
from opsverify.families import schema
from opsverify.families._catalog import (
    CATALOG_QUERY,
    RELATION_SECTIONS,
    SECTIONS,
    NotRead,
    SectionNotRead,
    catalog_query,
    read_catalog,
)
from opsverify.outcome import Status
from opsverify_demo.faults import FAULTS

from .fields import schema as field_cases
from .fields.kinds import Flips
from .helpers import CHECKS, ROOT, demo_variables
from .kit import make_check

SCHEMA_ITEMS = [c for c in CHECKS if c.family == "schema"]
# the demo's faults that break schema items only
_SCHEMA_ONLY_IDS = {c.id for c in SCHEMA_ITEMS} - {c.id for c in CHECKS if c.family != "schema"}
SCHEMA_FAULTS = sorted(name for name, fault in FAULTS.items()
                       if fault.breaks and fault.breaks <= _SCHEMA_ONLY_IDS and not fault.unchecked)


def test_every_field_and_subject_declares_the_sections_it_reads():
    assert set(schema.FIELD_SECTIONS) == set(schema.Params.model_fields)
    assert set(schema.SUBJECT_SECTIONS) == set(schema.SUBJECTS)
    for sections in (*schema.FIELD_SECTIONS.values(), *schema.SUBJECT_SECTIONS.values()):
        assert sections <= SECTIONS


def test_a_columns_item_reads_neither_privileges_nor_roles_nor_extensions():
    check = make_check("schema", {"table": "public.jobs", "columns": ["id"], "rls": True})
    assert check.params.catalog_sections() == {"relations", "columns"}
    ((query, _),) = schema.database_statements(None, [check])
    for absent in ("aclexplode", "pg_roles", "pg_policy", "pg_constraint", "pg_index", "pg_available_extensions",
                   "pg_publication", "pg_proc", "pg_rewrite", "pg_depend",
                   "pg_range", "recursive chain",  # what a column's type holds: only no_columns_of_type looks
                   "domain_levels"):  # the domains it is: only checked looks
        assert absent not in query, absent


def test_grants_on_functions_and_schemas_do_not_read_the_relations():
    for params in ({"functions_in": "public", "no_grants_to": ["anon"]},
                   {"schemas": ["public"], "grants_to": {"anon": ["USAGE"]}}):
        assert "relations" not in make_check("schema", params).params.catalog_sections()
    tables = make_check("schema", {"table": "public.jobs", "no_grants_to": ["anon"]}).params.catalog_sections()
    assert {"grants", "roles"} <= tables


def test_a_tables_ancestors_are_read_only_for_the_fields_judging_who_reaches_its_rows():
    """A query on a parent reads its children's rows: the fields saying who must not reach them read the table's
    ancestors (their rows and grants, in the same query); the others do not."""
    for params in ({"table": "public.jobs", "no_policies_for": ["anon"]},
                   {"table": "public.jobs", "no_open_write_policies_for": ["anon"]},
                   {"all_tables_in": "public", "no_grants_to": ["anon"]},
                   {"table": "public.jobs", "no_write_grants_to": ["anon"]}):
        assert "ancestors" in make_check("schema", params).params.catalog_sections(), params
    for params in ({"table": "public.jobs", "rls": True, "columns": ["id"]},
                   {"table": "public.jobs", "grants_to": {"anon": ["SELECT"]}},
                   {"views_in": "public", "no_grants_to": ["anon"]}):
        check = make_check("schema", params)
        assert "ancestors" not in check.params.catalog_sections(), params
        ((query, _),) = schema.database_statements(None, [check])
        assert "ancestors" not in query, params


# -- judged on its own sections, every case ends as on the whole catalog ---------------------------
@pytest.mark.parametrize("name", sorted(n for n, case in field_cases.CASES.items() if isinstance(case, Flips)))
def test_field_cases_judge_the_same_on_their_own_sections(name):
    case = field_cases.CASES[name]
    for params in (case.base, case.changed):
        check = make_check("schema", params)
        full = schema.judge(check, case.facts)
        assert schema.judge(check, case.facts.only(check.params.catalog_sections())) == full, params


# -- a section not read is loud --------------------------------------------------------------------
@pytest.mark.parametrize("use", [
    list, len, bool, str, repr, hash, lambda x: "a" in x, lambda x: x["a"], lambda x: x.get("a"), lambda x: x == [],
    lambda x: f"{x}", lambda x: x.items(), lambda x: x.exists("anon"),
])
def test_every_use_of_a_section_not_read_raises(use):
    missing = NotRead("grants")
    if use is repr:  # shown in a debugger or a traceback: says what it is
        assert repr(missing) == "<catalog section grants not read>"
        return
    with pytest.raises(SectionNotRead, match="'grants' was not read"):
        use(missing)


def _judged_as(catalog, params: dict):
    """The schema judge on these facts, through the engine (as a run judges)."""
    family = SimpleNamespace(gather=lambda target, checks: catalog, judge=schema.judge)
    (outcome,) = gather_and_judge(SimpleNamespace(database_problem=lambda: None), family,
                                  [make_check("schema", params)])
    return outcome


@pytest.mark.parametrize("params, sections", [
    # each judge needs a section it is not given
    ({"table": "public.jobs", "no_grants_to": ["anon"]}, {"relations"}),
    ({"table": "public.jobs", "columns": ["status"]}, {"relations"}),
    ({"table": "public.jobs", "no_columns_of_type": ["money"]}, {"relations", "columns", "types"}),
    ({"table": "public.jobs", "policies": True}, {"relations", "columns"}),
    ({"table": "public.jobs", "published_in": ["supabase_realtime"]}, {"relations", "table_publications"}),
    ({"all_tables_in": "empty", "rls": True, "allow_empty": True}, {"relations"}),  # does the schema exist?
    ({"functions_in": "public", "no_grants_to": ["anon"]}, {"functions", "schemas"}),
    ({"schemas": ["private"], "no_grants_to": ["anon"]}, {"functions"}),
])
def test_a_judge_reading_a_section_not_read_ends_as_error(params, sections):
    facts = {"functions_in": field_cases.FUNCTIONS, "schemas": field_cases.SCHEMAS}.get(next(iter(params)),
                                                                                          field_cases.TABLES)
    assert _judged_as(facts, params).status is not Status.ERROR  # the whole catalog: a verdict
    outcome = _judged_as(facts.only(frozenset(sections)), params)
    assert outcome.status is Status.ERROR, outcome
    assert "SectionNotRead" in outcome.observed and "was not read for this item" in outcome.observed


def test_a_section_not_read_that_would_only_reach_the_evidence_is_an_error_too():
    """A view's `reads` is shown in evidence only: never as a silent placeholder in a report."""
    sections = (schema.SUBJECT_SECTIONS["views_in"] | schema.FIELD_SECTIONS["security_invoker"]) - {"reads"}
    outcome = _judged_as(field_cases.VIEWS.only(sections), {"views_in": "public", "security_invoker": True})
    assert outcome.status is Status.ERROR and "'reads' was not read" in outcome.observed, outcome


# -- against a real server: the demo's databases ----------------------------------------------------
def _schema_targets(deployment):
    with demo_variables(deployment):
        env = load_environment(ROOT / "environments", "demo")
    return Run(env)


def _all_schemas(target) -> dict[str, list[str]]:
    rows = target.database.query("select array_agg(nspname order by nspname) as names from pg_namespace"
                                 " where nspname !~ '^pg_(toast|temp)'")
    names = rows[0]["names"]
    return {**{key: names for key in ("table_schemas", "view_schemas", "foreign_table_schemas", "function_schemas",
                                      "schema_grants")}, "named_schemas": [], "named_relations": [],
            "type_names": ["int4", "regproc", "text"]}


@pytest.mark.parametrize("faults", [(), SCHEMA_FAULTS], ids=["healthy", "broken"])
def test_the_checklists_schema_items_judge_the_same_on_their_own_query(demo, faults):
    """Each seed schema item gathered alone (its own, trimmed query) ends exactly as judged on the whole
    catalog — healthy, and with every schema fault of the demo switched on."""
    for fault in faults:
        demo.apply(fault)
    run = _schema_targets(demo)
    try:
        statuses = set()
        for system in sorted({c.system for c in SCHEMA_ITEMS}):
            target = run.targets[system]
            mine = [c for c in SCHEMA_ITEMS if c.system == system]
            full = _full_for(target, mine)
            for check in mine:
                alone = schema.gather(target, [check])
                trimmed = schema.judge(check, alone)
                assert trimmed == schema.judge(check, full), check.key
                statuses.add(trimmed.status)
    finally:
        run.close()
    assert statuses == ({Status.PASSED} if not faults else {Status.PASSED, Status.FAILED})


def _full_for(target, checks):
    """The group's facts read with every section (the query before sections existed)."""
    ((_, params),) = schema.database_statements(target, checks)
    return read_catalog(target.database.query(CATALOG_QUERY, params)[0]["facts"])


def test_each_section_alone_reads_what_the_whole_query_reads(demo):
    """Per system, per section: the query of that section alone gives the same facts for it as the whole
    query — the relations with their columns (without privileges) first among them."""
    run = _schema_targets(demo)
    try:
        for system in sorted({c.system for c in SCHEMA_ITEMS}):
            target = run.targets[system]
            params = _all_schemas(target)
            whole = read_catalog(target.database.query(CATALOG_QUERY, params)[0]["facts"])
            assert len(whole.relations) > 5 and len(whole.functions) > 0, system
            for section in sorted(SECTIONS):
                sections = frozenset({section})
                alone = read_catalog(target.database.query(catalog_query(sections), params)[0]["facts"], sections)
                assert _as_read(alone, section) == _as_read(whole.only(sections), section), (system, section)
    finally:
        run.close()


def _as_read(catalog, section: str):
    """The plain facts of one section (relation rows: only the keys that section fills)."""
    if section not in ("relations", "column_types", "column_domains") and section not in RELATION_SECTIONS:
        value = getattr(catalog, section)
        return value if section != "roles" else (value.names, value.superusers, value.parents)
    keys = {"schema", "name", "kind", "rls", RELATION_SECTIONS.get(section, "name")}
    if section in ("grants", "column_types", "column_domains"):
        keys.add("columns")  # column privileges, what a column's type holds and its domains ride in the columns

    def plain(key: str, value):
        if key != "columns":
            return value
        return [{k: v for k, v in c.items() if not isinstance(v, NotRead)} for c in value]

    return {name: {k: plain(k, v) for k, v in row.items() if k in keys} for name, row in catalog.relations.items()}


def test_relations_and_columns_alone_give_the_same_tables_and_columns(demo):
    """What the fleet's column items read: the relations and their columns (without privileges) are the
    same as the whole query's."""
    run = _schema_targets(demo)
    try:
        for system in sorted({c.system for c in SCHEMA_ITEMS}):
            target = run.targets[system]
            params = _all_schemas(target)
            sections = frozenset({"relations", "columns"})
            whole = read_catalog(target.database.query(CATALOG_QUERY, params)[0]["facts"])
            alone = read_catalog(target.database.query(catalog_query(sections), params)[0]["facts"], sections)
            plain = lambda rows: {key: {**{k: row[k] for k in ("schema", "name", "kind", "rls")},  # noqa: E731
                                        "columns": [{k: c[k] for k in ("name", "type", "not_null", "default")}
                                                    for c in row["columns"]]}
                                  for key, row in rows.items()}
            # other tests' tables come and go in the shared demo databases between the two reads: the relations
            # both reads hold are compared, and they must be nearly all of them
            both = alone.relations.keys() & whole.relations.keys()
            assert len(both) >= 0.9 * max(len(alone.relations), len(whole.relations)), system
            common = lambda rows: {key: row for key, row in rows.items() if key in both}  # noqa: E731
            assert plain(common(alone.relations)) == plain(common(whole.relations)), system
            assert any(r["columns"] for r in whole.relations.values())
            with pytest.raises(SectionNotRead):
                list(next(iter(alone.relations.values()))["columns"][0]["grants"])
    finally:
        run.close()

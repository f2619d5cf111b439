"""A policy expression of constants is what PostgreSQL says it is: `schema` asks it (each constant in a statement of
its own, in the run's read-only session) instead of re-reading it in Python, whose "not read" cases had counted as
"depends on the row" — an always-true write policy passed `no_open_write_policies_for`, an always-false one passed
`policies_for` — and which read an Arabic-Indic digit as a number PostgreSQL refuses.

Judged on a scratch database of the demo's PostgreSQL 18, and of Debian's PostgreSQL 15 where installed, as the
read-only checker role.
"""

from __future__ import annotations

import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import schema
from opsverify.families._nodetree import (BOOL_TESTS, Node, arguments, has_sublink, is_constant, nodes,
                                          read_tree, split_bool)
from opsverify.outcome import Status

from . import test_schema_stranger as stranger
from .kit import make_check, make_target
from .test_schema_stranger import expect, judge_on

server = stranger.server  # the demo's PostgreSQL 18, and Debian's 15 where installed

PASSED, FAILED, ERROR = Status.PASSED, Status.FAILED, Status.ERROR

# TRUE in PostgreSQL whatever the row: anon may update every row
ALWAYS_TRUE = [
    "1 in (1, null)",                                       # = ANY of an array holding a NULL
    "array[null]::int[] = array[null]::int[]",
    "1::boolean",
    "true::text = 'true'",
    "not exists (select 1 where false)",
    "'NaN'::numeric = 'NaN'::numeric",
    "'Infinity'::numeric > 1",
    "not exists (select generate_series(1, 0))",            # a set-returning function's select of no row
    "null::int <> all ('{}'::int[])",                       # of an empty array: TRUE
    "'2024-01-01'::date = '2024-01-01 00:00:00'::timestamp",
    "not ((1 = 2) is true)",
    "1 is distinct from 2",
    "-1 < 0",
    "(null::boolean) is not false",
    "1.5::integer = 2",                                     # the cast rounds
    "0.1::float8 = 0.1::float8",
    "array['b'::text] > array['a'::text]",
    # the row's own argument beside a constant TRUE: TRUE all the same
    "((1 = 1) is true) or owner_id = 1",
    "owner_id = 1 or 1 in (1, null)",
    "owner_id = 1 or 'a AND b' = 'a AND b'",                # a quoted AND is no argument's end
    # a subscript of a constant array or jsonb (PostgreSQL's own subscript handlers)
    "(array[true, false])[1]",
    "('{\"a\": true}'::jsonb)['a'] = 'true'::jsonb",
    "(array[1, 2, 3])[2:3] = array[2, 3]",
    # the row's OR-ed with a constant TRUE inside IS TRUE, COALESCE, CASE; a CASE whose every branch is TRUE
    "(owner_id = 1 or 1 in (1, null)) is true",
    "coalesce(owner_id = 1 or 1 in (1, null), false)",
    "case when owner_id = 1 or 1 in (1, null) then true else false end",
    "case when owner_id = 1 then true else true end",
    "(owner_id = 1 and 1 in (2, null)) is not true",          # never TRUE: NOT TRUE for every row
    "coalesce(null, owner_id = 1 or 1 in (1, null))",
    "owner_id = 2 or case when 1 in (1, null) then 1 in (1, null) end",
    "case when owner_id = 1 then 1 in (1, null) when owner_id = 2 then true else coalesce(null, true) end",
    "case when owner_id = 1 or 1 in (2, null) then true else 1 in (1, null) end",
    # never FALSE (TRUE or NULL as the row has it), then made TRUE: by IS NOT FALSE, or a COALESCE's TRUE after it
    "coalesce(case when owner_id = 1 then true end, true)",
    "coalesce(owner_id = 1 or null, true)",
    "(owner_id = 1 or null) is not false",
    "(case when owner_id = 1 then null else true end) is not false",
    "(not (owner_id = 1 and null)) is not false",
    # an IN list holding a NULL is never FALSE (TRUE where the row's value is listed, else NULL)
    "coalesce(owner_id in (1, null), true)",
    "(owner_id in (1, null)) is not false",
    "(owner_id not in (1, null)) is not true",              # NOT IN with a NULL: never TRUE
    # a CASE of a test value: any of its arms may be taken, each TRUE
    "case owner_id when 1 then 1 in (1, null) when 2 then true else coalesce(null, true) end",
    "case 1 when 1 then true else owner_id = 1 end",        # a constant test takes its arm (sqlglot folds this one)
    # never NULL (TRUE or FALSE), tested so
    "((owner_id = 1) is true) is not unknown",
    "(coalesce(owner_id = 1, true)) is not unknown",
    "(owner_id is null) is not unknown",
    # a WHEN comparing a value an earlier one does is never taken
    "case owner_id when 1 then true when 1 then false else true end",
    "((owner_id is null) is not null)",                     # IS NULL of the row's is never NULL: not null, always
    "((owner_id is distinct from 1) is not unknown)",       # DISTINCT FROM is never NULL
    "(case owner_id when null then 1/0 = 1 else true end)",  # a WHEN NULL arm the planner drops unread
]
# not TRUE for every row
NOT_OPEN = [
    "('١'::text)::integer = 1",                             # raises on every row: int4in reads ASCII digits only
    "'2024-01-01'::date <> '2024-01-01 00:00:00'::timestamp",
    "owner_id = 1 or 1 in (2, null)",                       # NULL beside the row's: TRUE only where owner_id is 1
    "current_user = 'anon'",                                # the session's
    "now() > '2000-01-01'",                                 # STABLE: the clock's
    "null::int is not null",
    "array[1, 2] = array[1]",
    "((1 = 1) is true) and owner_id = 1",
    "(array[owner_id])[1] = 1",                             # a subscript of the row's
    "(owner_id = 1) is true",
    "(owner_id = 1 and 1 in (2, null)) is false",           # FALSE or NULL as the row has it
    "coalesce(owner_id = 1, false)",
    "coalesce(null, owner_id = 1)",
    "coalesce(owner_id = 1 and 1 in (2, null), true)",      # FALSE where owner_id is 1
    "case when owner_id = 1 then true else false end",
    "case when owner_id = 1 then true end",                 # no ELSE: NULL
    "case when owner_id = 1 or 1 in (2, null) then true else 1 in (2, null) end",  # NULL where owner_id is not 1
    "case owner_id when 1 then true else false end",
    "case when owner_id = 1 then 1 in (1, null) when 1 in (1, null) then false end",
    "owner_id in (1, null)",                                # TRUE only where owner_id is 1
    "coalesce(owner_id in (1, 2), true)",                   # no NULL listed: FALSE where owner_id is 3
    "case owner_id when 1 then true else 1 in (2, null) end",  # NULL where owner_id is not 1
]
# no row passes it (FALSE, NULL, or it raises)
NEVER = [
    "1 in (2, null)",
    "exists (select 1 where false)",
    "exists (select unnest('{}'::int[]))",
    "('١'::text)::integer = 1",
    "1.0 <> 1",
    "not (null is null)",
    "(1 = 2) is true",
    "null is not null",
    "owner_id = 1 and array[1] <> array[1]",
    "owner_id = 1 and 1 in (2, null)",                      # NULL beside the row's: never TRUE
    "(array[false])[1]",
    "('{\"a\": 1}'::jsonb)['b'] is not null",
    "(1 in (2, null)) is true",
    "(owner_id = 1 and 1 in (2, null)) is true",
    "(owner_id = 1 or 1 in (1, null)) is not true",
    "coalesce(owner_id = 1 and 1 in (2, null), false)",
    "case when owner_id = 1 or 1 in (1, null) then 1 in (2, null) else true end",
    "case when owner_id = 1 then false else 1 in (2, null) end",
    # a part the planner folds raises, whatever the row: every statement fails
    "coalesce(1/0 = 1, owner_id = 1)",
    "coalesce(owner_id = 1, 1/0 = 1)",
    "case when (1/0 = 1) then true else owner_id = 1 end",
    "case when owner_id = 1 then 1/0 = 1 else true end",
    "owner_id not in (1, null)",                            # FALSE or NULL: never TRUE
    "case owner_id when 1 then null::boolean end",          # every arm NULL, and no ELSE
    "case owner_id when 1 then true else 1/0 = 1 end",      # the planner folds every arm of a test value: it raises
    # a part folded at planning raises there, whatever subquery sits beside it
    "owner_id = 1 and coalesce(1/0 = 1, (select true))",
    "(owner_id = 1 and (1/0 = 1 or (select true))) or true",
    # the planner goes on past what decides the value but is no constant of its (a subquery, the row's): what
    # raises after it raises the statement
    "owner_id = 1 or ((select true) or 1/0 = 1)",
    "owner_id = 1 and coalesce((select true), 1/0 = 1)",
    "case when (select true) then owner_id = 1 else 1/0 = 1 end",
    # never NULL, tested as NULL; a repeated WHEN's arm
    "((owner_id = 1) is true) is unknown",
    "(owner_id is not null) is unknown",
    "case owner_id when 1 then false when 1 then true end",
    "((owner_id is null) is null)",
    "((owner_id is not distinct from 1) is unknown)",
    "((owner_id = 1 and 1/0 = 1) is null)",                 # IS NULL's argument is folded at planning: it raises
    "((select 1/0) = 1 and owner_id = 2)",                  # a subquery's constant is folded as it is planned
]


def _tables(prefix: str, command: str, expressions: list[str], clause: str = "using") -> str:
    return "".join(f"create table public.{prefix}{n} (id int, owner_id int);"
                   f" alter table public.{prefix}{n} enable row level security;"
                   f" create policy p on public.{prefix}{n} for {command} to anon {clause} ({e});\n"
                   for n, e in enumerate(expressions))


def test_a_constant_write_policy_is_open_as_postgresql_evaluates_it(server):
    _, fresh = server
    ddl = _tables("o", "update", ALWAYS_TRUE) + _tables("n", "update", NOT_OPEN)
    with fresh(ddl) as url:
        outcomes = judge_on(url, [*({"table": f"public.o{n}", "no_open_write_policies_for": ["anon"]}
                                    for n in range(len(ALWAYS_TRUE))),
                                  *({"table": f"public.n{n}", "no_open_write_policies_for": ["anon"]}
                                    for n in range(len(NOT_OPEN)))])
    expect(outcomes, [*((FAILED, f"table public.o{n} has UPDATE policy p that is always true for anon")
                        for n in range(len(ALWAYS_TRUE))),
                      *((PASSED, "1 table as expected") for _ in NOT_OPEN)])
    assert outcomes[0].evidence["tables"]["public.o0"]["policies"][0]["using_value"] == "true"
    raised = outcomes[len(ALWAYS_TRUE)].evidence["tables"]["public.n0"]["policies"][0]["using_value"]
    assert raised.startswith("raises: ") and "22P02" in raised, raised


def test_a_constant_policy_no_row_passes_grants_none(server):
    _, fresh = server
    ddl = (_tables("c", "select", NEVER)
           + _tables("w", "update", NEVER, clause="using (true) with check")  # no updated row may be written
           + "".join(f"create policy r on public.w{n} for select to anon using (true);\n" for n in range(len(NEVER)))
           + _tables("g", "select", ["owner_id = 1 or 1 in (2, null)", "1 in (1, null)"]))
    with fresh(ddl) as url:
        outcomes = judge_on(url, [*({"table": f"public.c{n}", "policies_for": {"select": ["anon"]}}
                                    for n in range(len(NEVER))),
                                  *({"table": f"public.w{n}", "policies_for": {"update": ["anon"]}}
                                    for n in range(len(NEVER))),
                                  *({"table": f"public.g{n}", "policies_for": {"select": ["anon"]}} for n in (0, 1))])
    expect(outcomes, [*((FAILED, f"table public.c{n} has no permissive SELECT policy for anon that grants a row")
                        for n in range(len(NEVER))),
                      *((FAILED, "p has a WITH CHECK always false") for _ in NEVER),
                      (PASSED, "1 table as expected"), (PASSED, "1 table as expected")])


def test_no_code_of_the_databases_own_runs_to_read_a_policy(server):
    """An IMMUTABLE function of the database's own with constant arguments is never called to read a policy (it runs
    as the checker): a policy calling one is read as depending on the row, whatever the function would do."""
    _, fresh = server
    ddl = ("create function public.boom(int) returns int language plpgsql immutable as"
           " $$ begin raise exception 'called by the checker'; end $$;\n"
           + _tables("x", "update", ["owner_id = public.boom(1)", "public.boom(1) = 1 or true"])
           + "".join(f"create policy r on public.x{n} for select to anon using (true);\n" for n in (0, 1)))
    with fresh(ddl) as url:
        outcomes = judge_on(url, [{"table": "public.x0", "policies_for": {"update": ["anon"]}},
                                  {"table": "public.x1", "no_open_write_policies_for": ["anon"]}])
    expect(outcomes, [(PASSED, "1 table as expected"),  # never evaluated: no raise seen
                      (FAILED, "always true for anon")])  # `… or true`, as sqlglot folds it, the call never made
    assert all("called by the checker" not in repr(outcome) for outcome in outcomes), outcomes


def test_a_constant_postgresql_could_not_evaluate_in_time_is_an_error(server):
    """Undecided is never a pass; the other constants of the same run are still decided."""
    _, fresh = server
    slow = "array_length(array(select generate_series(1, 50000000)), 1) > 0"
    folded = [f"coalesce({slow}, owner_id = 1)", f"case when {slow} then true else owner_id = 1 end"]
    with fresh(_tables("s", "update", [slow, "1 in (1, null)", *folded])) as url:
        target = make_target({"database": url}, timeouts={"statement_ms": 300})
        try:
            checks = [make_check("schema", {"table": f"public.s{n}", "no_open_write_policies_for": ["anon"]},
                                 item=f"X{n}", name=f"item{n}") for n in range(4)]
            slow_one, open_one, *in_folded = gather_and_judge(target, schema, checks)
        finally:
            target.close()
    for outcome in in_folded:  # the planner folds it there too: whether anon may update is not known
        assert outcome.status is ERROR and "could not tell whether policy p is always true" in outcome.observed, \
            outcome
    assert slow_one.status is ERROR, slow_one
    assert ("public.s0: could not tell whether policy p is always true for anon: PostgreSQL did not evaluate its"
            " constant USING: ") in slow_one.observed, slow_one.observed
    assert "57014" in slow_one.observed and "fix: check again" in slow_one.observed, slow_one.observed
    assert open_one.status is FAILED and "always true for anon" in open_one.observed, open_one


def test_a_database_without_constant_policies_is_asked_once(server):
    _, fresh = server
    with fresh(_tables("q", "update", ["owner_id = 1"])) as url:
        target = make_target({"database": url})
        asked = []
        try:
            query_many = target.database.query_many
            target.database.query_many = lambda statements: asked.append(len(statements)) or query_many(statements)
            (outcome,) = gather_and_judge(target, schema, [make_check("schema", {
                "table": "public.q0", "no_open_write_policies_for": ["anon"]})])
        finally:
            target.close()
    assert outcome.status is PASSED, outcome
    assert asked == [1], asked  # the catalog query alone


@pytest.mark.parametrize("text, parts", [
    ("((owner_id = 1) OR ('a AND b'::text = 'a AND b'::text))",
     ["(owner_id = 1)", "('a AND b'::text = 'a AND b'::text)"]),
    ('(("x)" = 1) AND (1 = 1))', None),  # the tree below has one argument, the text two: not matched
])
def test_the_arguments_of_a_boolean_are_split_where_postgresql_printed_them(text, parts):
    tree = read_tree("{BOOLEXPR :boolop " + ("or" if " OR " in text else "and") + " :args ({CONST :consttype 16}"
                     + (" {CONST :consttype 16}" if parts else "") + ") :location 1}")
    assert split_bool(text, tree) == parts


# -- IS TRUE, COALESCE and CASE are read through as PostgreSQL prints and stores them ----------------
PRINTED = [
    *(f"(owner_id = 1 or 1 in (1, null)) {test.lower()}" for test in BOOL_TESTS.values()),
    "coalesce(case when owner_id = 1 then true end, owner_id = 3, ('x, (y'::text = 'x, (y'), false)",
    "owner_id = 2 or case when owner_id = 1 then array[true, false] = array[true, false] else (1, 2) < (1, 3) end",
    "not case when owner_id = 1 then true else false end",
    "(case when owner_id = 1 then true end) is not false",
    "case when owner_id::text = 'a, b' then (case when owner_id = 2 then true else false end)"
    " when owner_id::text = E'WHEN x THEN\\nEND' then coalesce(null, true) end",
]


def test_each_argument_is_read_where_postgresql_printed_it(server):
    """Each node's arguments split from the text pg_get_expr printed, one for one with the stored tree: a
    BooleanTest's number as PostgreSQL's enum has it (the text says which test it is), a CASE after OR and NOT on a
    line of its own, commas and keywords in strings and nested CASEs."""
    import psycopg

    _, fresh = server
    with fresh(_tables("t", "update", PRINTED)) as url, psycopg.connect(url) as conn:
        stored = conn.execute("select c.relname, pg_get_expr(p.polqual, p.polrelid), p.polqual::text from pg_policy p"
                              " join pg_class c on c.oid = p.polrelid where c.relname like 't%'"
                              " order by length(c.relname), c.relname").fetchall()
    assert len(stored) == len(PRINTED)
    for _, text, tree in stored:
        pending = [(text, read_tree(tree))]
        while pending:
            part, node = pending.pop()
            found = arguments(part, node)
            if node.name in ("BOOLEXPR", "BOOLEANTEST", "COALESCEEXPR", "CASEEXPR"):
                assert found is not None, (part, node.name)
                if node.name == "BOOLEANTEST":
                    assert part.endswith(f" {BOOL_TESTS[node.fields['booltesttype']]})"), part
                pending.extend(found)
    tests = [tree for _, _, tree in stored[:len(BOOL_TESTS)]]
    assert [read_tree(tree).fields["booltesttype"] for tree in tests] == list(BOOL_TESTS)


CASE_NODE = read_tree("{CASEEXPR :casetype 16 :arg <> :args ({CASEWHEN :expr {CONST :consttype 16} :result {CONST"
                      " :consttype 16}}) :defresult {CONST :consttype 16}}")


@pytest.mark.parametrize("node, text, parts", [
    (CASE_NODE, "\nCASE\n    WHEN (s = 'a\nEND'::text) THEN true\n    ELSE false\nEND",
     ["(s = 'a\nEND'::text)", "true", "false"]),
    (CASE_NODE, "CASE WHEN (a) THEN CASE WHEN (b) THEN true ELSE false END ELSE false END",
     ["(a)", "CASE WHEN (b) THEN true ELSE false END", "false"]),
    (CASE_NODE, "CASE WHEN (a) THEN true WHEN (b) THEN true ELSE false END", None),  # two WHEN of the tree's one
    (CASE_NODE, "CASE WHEN (a) THEN true ELSE false END OR CASE WHEN (b) THEN true ELSE false END", None),
    (CASE_NODE, "CASE owner_id WHEN 1 THEN true ELSE false END", None),
    (CASE_NODE, "CASE WHEN (a) THEN true END", None),                # no ELSE: not as PostgreSQL prints it
    (read_tree("{COALESCEEXPR :coalescetype 16 :args ({CONST :consttype 16} {CONST :consttype 16})}"),
     "COALESCE(a, b) = COALESCE(c, d)", None),
    (read_tree("{COALESCEEXPR :coalescetype 16 :args ({CONST :consttype 16} {CONST :consttype 16})}"),
     "COALESCE((ARRAY[true, false])[1], 'a, b'::text = 'c')", ["(ARRAY[true, false])[1]", "'a, b'::text = 'c'"]),
    (read_tree("{COALESCEEXPR :coalescetype 25 :args ({CONST :consttype 25} {CONST :consttype 25})}"),
     "COALESCE(s, 'x'::text)", None),                                # not boolean: decides no boolean's value
    (read_tree("{BOOLEANTEST :arg {CONST :consttype 16} :booltesttype 1}"), "((a) IS TRUE)", None),
    (read_tree("{BOOLEANTEST :arg {CONST :consttype 16} :booltesttype 0}"), "(a) IS TRUE) OR ((b IS TRUE)", None),
    (read_tree("{CASEEXPR :casetype 16 :arg {VAR :varno 1} :args ({CASEWHEN :expr {CONST :consttype 16} :result"
               " {CONST :consttype 16}}) :defresult {CONST :consttype 16}}"),
     "CASE owner_id WHEN 1 THEN true ELSE false END", None),        # `CASE x WHEN …`: its conditions print no test
])
def test_a_text_that_does_not_split_into_the_nodes_arguments_is_not_read(node, text, parts):
    found = arguments(text, node)
    assert (found if found is None else [part for part, _ in found]) == parts


# -- the reader takes each field's value as PostgreSQL wrote it ------------------------------------
# nodeToString escapes no leading ':' in a value: a sub-select's column alias ":expr" is stored `:resname :expr`
COLON_ALIAS = ["(select current_user = 'anon' as \":expr\")",     # the session's: anon's value is not the checker's
               "(select public.opens() as \":expr\")"]             # a VOLATILE function of the database's own


def test_a_value_that_starts_with_a_colon_is_that_fields_value():
    tree = read_tree("{TARGETENTRY :expr {SQLVALUEFUNCTION :op 12 :type 19 :typmod -1 :location 8} :resno 1"
                     " :resname :expr :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjunk false}")
    assert tree is not None and tree.fields["resname"] == ":expr" and tree.fields["expr"].name == "SQLVALUEFUNCTION"
    assert not is_constant(tree, frozenset({"type:19"}))


@pytest.mark.parametrize("text", [
    "{CONST :consttype 16 :consttype 16}",                  # a field written twice: not a tree PostgreSQL wrote
    "{CONST :consttype}",                                   # a field with no value
    "{CONST :consttype 16 17}",                             # a second value no field of PostgreSQL's writes
    "{CONST :consttype 16 :constvalue 1 [ 1 0 0 0 0 0 0 0 ] 3}",
])
def test_a_tree_not_as_postgresql_writes_it_is_not_read(text):
    assert read_tree(text) is None


def test_a_datum_is_read_beside_its_field():
    tree = read_tree("{CONST :consttype 16 :constlen 1 :constbyval true :constisnull false :location -1"
                     " :constvalue 1 [ 1 0 0 0 0 0 0 0 ]}")
    assert tree is not None and tree.fields["location"] == "-1" and is_constant(tree, frozenset({"type:16"}))


def test_an_alias_spelled_like_a_field_name_hides_no_part_of_the_expression(server):
    _, fresh = server
    ddl = ("create function public.opens() returns boolean language sql volatile as 'select true';\n"
           + _tables("a", "update", COLON_ALIAS) + _tables("s", "select", COLON_ALIAS[:1]))
    with fresh(ddl) as url:
        outcomes = judge_on(url, [*({"table": f"public.a{n}", "no_open_write_policies_for": ["anon"]}
                                    for n in range(len(COLON_ALIAS))),
                                  {"table": "public.s0", "policies_for": {"select": ["anon"]}}])
    # read as depending on the session (never evaluated), as the same expression without the alias is
    expect(outcomes, [(PASSED, "1 table as expected")] * 3)
    for outcome in outcomes:
        for table in outcome.evidence["tables"].values():
            assert "using_value" not in table["policies"][0], table


# -- a tree deeper than the reader follows is not read, never an error -----------------------------
def _sum_tree(terms: int) -> str:
    """`1 + 1 + … > 0` as PostgreSQL stores it: each `+` one level deeper, on its left."""
    tree = "{CONST :consttype 23 :constvalue 4 [ 1 0 0 0 0 0 0 0 ]}"
    for _ in range(terms - 1):
        tree = f"{{OPEXPR :opno 551 :opfuncid 177 :opresulttype 23 :args ({tree} {{CONST :consttype 23}})}}"
    return f"{{OPEXPR :opno 521 :opfuncid 147 :opresulttype 16 :args ({tree} {{CONST :consttype 23}})}}"


def test_a_tree_too_deep_to_read_has_no_constant_part():
    assert read_tree(_sum_tree(2000)) is None
    tree = read_tree(_sum_tree(30))
    assert tree is not None and is_constant(tree, frozenset({
        "function:177", "function:147", "operator:551", "operator:521", "type:23", "type:16"}))


def test_the_nodes_of_a_tree_are_walked_without_recursion():
    deep = Node("CONST", {})
    for _ in range(5000):
        deep = Node("BOOLEXPR", {"boolop": "not", "args": [deep]})
    assert len(list(nodes(deep))) == 5001 and not has_sublink(deep)


def test_a_deep_policy_leaves_the_other_items_of_its_database_judged(server):
    """A valid sum of 340 terms (PostgreSQL stores and applies it) beside an always-true write policy."""
    _, fresh = server
    deep = "o + " + " + ".join(["1"] * 340) + " > 0"
    ddl = (_tables("open", "update", ["1 in (1, null)"])
           + "create table public.deep (id int, o int); alter table public.deep enable row level security;\n"
           + f"create policy r on public.deep for select to anon using ({deep});\n")
    with fresh(ddl) as url:
        outcomes = judge_on(url, [{"table": "public.open0", "no_open_write_policies_for": ["anon"]},
                                  {"table": "public.deep", "rls": True, "policies_for": {"select": ["anon"]}}])
    expect(outcomes, [(FAILED, "table public.open0 has UPDATE policy p that is always true for anon"),
                      (PASSED, "1 table as expected")])


def test_a_subscript_is_constant_only_of_a_container_type_of_postgresqls_own():
    text = ("{SUBSCRIPTINGREF :refcontainertype %s :refelemtype 0 :refrestype %s :reftypmod -1 :refcollid 0"
            " :refupperindexpr ({CONST :consttype 25}) :reflowerindexpr <> :refexpr {CONST :consttype %s}"
            " :refassgnexpr <>}")
    safe = frozenset({"type:25", "type:3802"})
    assert is_constant(read_tree(text % (3802, 3802, 3802)), safe)  # jsonb: no element type
    # a type of the database's own, with a subscript handler of its own, is never found safe
    assert not is_constant(read_tree(text % (16390, 16390, 16390)), safe)


# -- a built-in IMMUTABLE function whose text is a session setting's is never evaluated ------------
# each TRUE in a session of its database's own default (extra_float_digits 0) or after one SET (bytea_output =
# escape, quote_all_identifiers = on), FALSE in the checker's: its value is the session's, not a constant
SETTING_DEPENDENT = [
    "((0.1::float8 + 0.2::float8))::text = '0.3'",          # float8out: extra_float_digits
    "((0.1::float4 + 0.2::float4))::text = '0.3'",          # float4out
    "float8out(0.1::float8 + 0.2::float8)::text = '0.3'",   # the output function called by name
    "(point(0.1::float8 + 0.2::float8, 0))::text = '(0.3,0)'",  # the geometric types print their floats so
    "(circle(point(0.1::float8 + 0.2::float8, 0), 1))::text = '<(0.3,0),1>'",
    "('\\x41'::bytea)::text = 'A'",                         # byteaout: bytea_output
    "quote_ident('abc') <> 'abc'",                          # quote_all_identifiers
]


def test_a_value_printed_by_a_session_setting_is_not_evaluated(server):
    _, fresh = server
    ddl = ("do $$ begin execute format('alter database %I set extra_float_digits = 0', current_database()); end $$;\n"
           + _tables("v", "select", SETTING_DEPENDENT) + _tables("u", "update", SETTING_DEPENDENT[:1]))
    with fresh(ddl) as url:
        outcomes = judge_on(url, [*({"table": f"public.v{n}", "policies_for": {"select": ["anon"]}}
                                    for n in range(len(SETTING_DEPENDENT))),
                                  {"table": "public.u0", "no_open_write_policies_for": ["anon"]}])
    evaluated = [(name, table["policies"][0]["using"]) for outcome in outcomes
                 for name, table in outcome.evidence["tables"].items() if "using_value" in table["policies"][0]]
    assert evaluated == []
    # the role's rows are not "none" by the checker's own extra_float_digits
    expect(outcomes[:-1], [(PASSED, "1 table as expected")] * len(SETTING_DEPENDENT))


@pytest.mark.parametrize("setting, always", [
    ("array_nulls = off", "('{a,NULL}'::text[])[2] is null"),
    ("xmloption = document", "'abc'::xml is not null"),
], ids=["array_nulls", "xmloption"])
def test_a_constant_reads_back_as_stored_whatever_the_database_sets_for_reading_literals(server, setting, always):
    """`'{a,NULL}'::text[]` and `'abc'::xml` as pg_get_expr prints them, read again in the checker's session: under
    a database's `array_nulls = off` the NULL read as the text "NULL", under `xmloption = document` the fragment did
    not parse — the stored constant, which PostgreSQL applies for the role, is neither; the always-true policies
    passed."""
    import psycopg

    _, fresh = server
    ddl = (f"do $$ begin execute format('alter database %I set {setting}', current_database()); end $$;\n"
           + _tables("s", "delete", [always]))
    try:
        with fresh(ddl) as url:
            outcomes = judge_on(url, [{"table": "public.s0", "no_open_write_policies_for": ["anon"]}])
    except psycopg.errors.FeatureNotSupported:  # the demo's PostgreSQL is built without libxml
        pytest.skip("this PostgreSQL has no xml type")
    expect(outcomes, [(FAILED, "table public.s0 has DELETE policy p that is always true for anon")])

"""A policy expression as PostgreSQL stores it (`pg_policy.polqual`, pg_node_tree text), read for one question: which
of its parts are constants PostgreSQL may be asked to evaluate, and which text `pg_get_expr` printed for each argument
of its AND / OR / NOT, IS [NOT] TRUE / FALSE / UNKNOWN, boolean COALESCE and searched CASE.

A part is constant when it is made only of the nodes `CONSTANT_NODES` lists (no Var: no row; no SQLValueFunction:
no session; no range table entry: no table read; no Aggref, NextValueExpr, CoerceToDomain …), a Param only a
sublink's own, and every function, operator and type it names is one the catalog query found safe
(`_catalog._SAFE_OIDS`: PostgreSQL's own, IMMUTABLE). Where text is cast through a type's input and output functions
(CoerceViaIO, `'1'::text::integer`) those must be IMMUTABLE too: a date's are read by DateStyle. PostgreSQL's own
IMMUTABLE functions that still print by a session setting (float8out: extra_float_digits) are never safe. Nothing here
evaluates anything: PostgreSQL does (`schema._ask_constants`), and a tree this module cannot read (one not
as nodeToString writes it, or nested deeper than `MAX_DEPTH`) has no constant part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

CONSTANT_NODES = frozenset({
    "CONST", "OPEXPR", "DISTINCTEXPR", "NULLIFEXPR", "SCALARARRAYOPEXPR", "FUNCEXPR", "BOOLEXPR", "NULLTEST",
    "BOOLEANTEST", "ARRAYEXPR", "ARRAYCOERCEEXPR", "COALESCEEXPR", "CASEEXPR", "CASEWHEN", "CASETESTEXPR",
    "RELABELTYPE", "COERCEVIAIO", "MINMAXEXPR", "ROWEXPR", "ROWCOMPAREEXPR", "COLLATEEXPR", "SUBLINK", "QUERY",
    "FROMEXPR", "TARGETENTRY", "PARAM", "SUBSCRIPTINGREF"})
FUNCTION_FIELDS = ("funcid", "opfuncid", "hashfuncid", "negfuncid")
OPERATOR_FIELDS = ("opno", "opnos")
TYPE_FIELDS = ("consttype", "resulttype", "funcresulttype", "opresulttype", "array_typeid", "element_typeid",
               "casetype", "coalescetype", "minmaxtype", "row_typeid", "paramtype",
               # a subscript's container type names its subscript handler: a type of the database's own, never safe,
               # may have one of its own
               "refcontainertype", "refelemtype", "refrestype")
PARAM_SUBLINK = "2"  # paramkind of a sublink's own output (`1 IN (SELECT …)`): no outside value
# how many `{` / `(` deep a tree is read: a long left-deep sum (`o + 1 + … + 1`, one level a term) is valid and
# applied by PostgreSQL, yet read by recursion it would exhaust Python's stack; the catalog's own views nest 25 deep
MAX_DEPTH = 200


@dataclass(frozen=True)
class Node:
    name: str
    fields: dict[str, Any]


def read_tree(text: str | None) -> Node | None:
    """The tree of `text` as PostgreSQL's nodeToString writes it; None when it is not one this reader follows."""
    if not text:
        return None
    try:
        tokens = _tokens(text)
        if next(tokens) != "{":
            return None
        node = _node(tokens, 1)
        return node if next(tokens, None) is None else None
    except (StopIteration, ValueError):
        return None


def _tokens(text: str) -> Iterator[str]:
    """As pg_strtok splits it: `(){}` alone, other runs up to a blank or one of them, a backslash keeping the next
    character in the token (kept raw: a field's `:name` is never escaped)."""
    at, end = 0, len(text)
    while at < end:
        char = text[at]
        if char.isspace():
            at += 1
        elif char in "(){}":
            yield char
            at += 1
        else:
            start = at
            while at < end and not text[at].isspace() and text[at] not in "(){}":
                at += 2 if text[at] == "\\" else 1
            yield text[start:at]


def _node(tokens: Iterator[str], depth: int) -> Node:
    name, fields = next(tokens), {}
    token = next(tokens)
    while token != "}":
        if not token.startswith(":") or token[1:] in fields:
            raise ValueError(f"a field name PostgreSQL writes once where {token!r} is")
        # the token after a field name is its value, whatever it starts with: every field writes one (`<>` for
        # none), and outToken escapes no leading ':' (an alias ":expr" is stored `:resname :expr`)
        key, value = token[1:], next(tokens)
        fields[key], token = _value(value, tokens, depth), next(tokens)
        if token == "[" and value.isdigit():  # a Const's datum: its length, then its bytes
            fields[key], token = [value, _datum(tokens)], next(tokens)
        if token != "}" and not token.startswith(":"):
            raise ValueError(f"a second value {token!r} for {key}")
    return Node(name, fields)


def _datum(tokens: Iterator[str]) -> list[str]:
    """The bytes of a datum, as outDatum writes them: `[ 1 0 0 0 ]`, each a signed number."""
    found, token = [], next(tokens)
    while token != "]":
        if not token.lstrip("-").isdigit():
            raise ValueError(f"{token!r} among a datum's bytes")
        found.append(token)
        token = next(tokens)
    return found


def _value(token: str, tokens: Iterator[str], depth: int) -> Any:
    """A field's value, or a list's item, inside `depth` brackets."""
    if token in ("{", "(") and depth >= MAX_DEPTH:
        raise ValueError(f"a tree deeper than {MAX_DEPTH}")
    if token == "{":
        return _node(tokens, depth + 1)
    if token == "(":
        items, token = [], next(tokens)
        while token != ")":
            items.append(_value(token, tokens, depth + 1))
            token = next(tokens)
        return items
    if token in (")", "}"):
        raise ValueError(f"{token} where a value belongs")
    return token


def nodes(value: Any) -> Iterator[Node]:
    """Every node in `value`, itself included (walked without recursion: however deep a tree is built)."""
    pending = [value]
    while pending:
        value = pending.pop()
        if isinstance(value, Node):
            yield value
            pending.extend(reversed(list(value.fields.values())))
        elif isinstance(value, list):
            pending.extend(reversed(value))


def _numbers(value: Any) -> list[str]:
    """The oids a field holds: one, or a list (`(o 96 97)`, its `o` marker dropped)."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str) and item.isdigit()]


def is_constant(node: Node, safe: frozenset[str]) -> bool:
    """`node` is a constant PostgreSQL may evaluate, given the oids the catalog found safe (`function:65`,
    `operator:96`, `type:23`, and `io:23` where its input and output functions are IMMUTABLE too)."""
    found = list(nodes(node))
    casts_through_text = any(n.name == "COERCEVIAIO" for n in found)
    for n in found:
        if n.name not in CONSTANT_NODES or (n.name == "PARAM" and n.fields.get("paramkind") != PARAM_SUBLINK):
            return False
        wanted = [f"function:{oid}" for key in FUNCTION_FIELDS for oid in _numbers(n.fields.get(key)) if oid != "0"]
        wanted += [f"operator:{oid}" for key in OPERATOR_FIELDS for oid in _numbers(n.fields.get(key))]
        # 0: no type (a jsonb subscript's element type)
        types = [oid for key in TYPE_FIELDS for oid in _numbers(n.fields.get(key)) if oid != "0"]
        wanted += [f"{'io' if casts_through_text else 'type'}:{oid}" for oid in types]
        if not all(tag in safe for tag in wanted):
            return False
    return True


def has_sublink(node: Node) -> bool:
    return any(n.name == "SUBLINK" for n in nodes(node))


def arguments(text: str, node: Node) -> list[tuple[str, Node]] | None:
    """The arguments whose value decides a boolean node's, each with the text `pg_get_expr` printed for it within
    `text`: an AND / OR / NOT's, an IS [NOT] TRUE / FALSE / UNKNOWN's, a boolean COALESCE's, a boolean searched CASE's
    (each condition, then its result, …, then ELSE). None for any other node, or where the text does not split into
    its arguments one for one."""
    if node.name == "BOOLEXPR":
        args = node.fields.get("args")
    elif node.name in ("BOOLEANTEST", "NULLTEST"):
        args = [node.fields.get("arg")]
    elif node.name == "COALESCEEXPR" and node.fields.get("coalescetype") == "16":
        args = node.fields.get("args")
    elif node.name == "CASEEXPR" and node.fields.get("casetype") == "16" and node.fields.get("arg") == "<>" \
            and isinstance(node.fields.get("args"), list):
        whens = node.fields["args"]
        args = [part for when in whens if isinstance(when, Node) and when.name == "CASEWHEN"
                for part in (when.fields.get("expr"), when.fields.get("result"))]
        args = args + [node.fields.get("defresult")] if len(args) == 2 * len(whens) else None
    elif node.name == "CASEEXPR" and node.fields.get("casetype") == "16" and isinstance(node.fields.get("args"), list):
        # `CASE x WHEN 1 THEN … END`: its conditions print their value alone (`1`), no expression of their own; read
        # where each is a plain constant (nothing to raise), its results and ELSE only (see `simple_case`)
        whens = node.fields["args"]
        args = [when.fields.get("result") for when in whens if isinstance(when, Node) and when.name == "CASEWHEN"
                and _compares_a_constant(when.fields.get("expr"))]
        args = args + [node.fields.get("defresult")] if len(args) == len(whens) else None
    else:
        return None
    if not isinstance(args, list) or not all(isinstance(arg, Node) for arg in args):
        return None
    texts = {"BOOLEXPR": split_bool, "BOOLEANTEST": split_test, "NULLTEST": split_test, "COALESCEEXPR": split_coalesce,
             "CASEEXPR": split_case}[node.name](text, node)
    return list(zip(texts, args)) if texts is not None and len(texts) == len(args) else None


def split_bool(text: str, node: Node) -> list[str] | None:
    """The texts of a BoolExpr's arguments, from the text `pg_get_expr` printed for it (`(a AND b)`, `(a OR b)`,
    `(NOT a)`: parenthesised, each argument whole inside its own parentheses or quotes, or a CASE … END, which starts
    a line of its own: `(a OR\nCASE …)`); None when they do not match its arguments one for one."""
    args = node.fields.get("args")
    operator = {"and": "AND", "or": "OR", "not": None}.get(node.fields.get("boolop"))
    text = text.strip()
    if not isinstance(args, list) or not (text.startswith("(") and text.endswith(")")):
        return None
    inner = text[1:-1]
    if operator is None:  # NOT
        found = _words(inner, ("NOT",))
        return [inner[3:].strip()] if found and found[0] == (0, "NOT") and len(args) == 1 else None
    found = _words(inner, (operator,))
    if found is None:
        return None
    parts, start = [], 0
    for at, _ in found:
        parts.append(inner[start:at].strip())
        start = at + len(operator)
    parts.append(inner[start:].strip())
    return parts if len(parts) == len(args) and all(parts) else None


# how pg_get_expr prints each BoolTestType (PostgreSQL's enum order, as nodeToString writes its number)
BOOL_TESTS = {"0": "IS TRUE", "1": "IS NOT TRUE", "2": "IS FALSE", "3": "IS NOT FALSE", "4": "IS UNKNOWN",
              "5": "IS NOT UNKNOWN"}


# how pg_get_expr prints each NullTestType
NULL_TESTS = {"0": "IS NULL", "1": "IS NOT NULL"}


def split_test(text: str, node: Node) -> list[str] | None:
    """The text of a BooleanTest's or NullTest's argument: `(a IS NOT TRUE)`, `(a IS NULL)`."""
    tests = NULL_TESTS if node.name == "NULLTEST" else BOOL_TESTS
    test, text = tests.get(node.fields.get("nulltesttype" if node.name == "NULLTEST" else "booltesttype")), text.strip()
    if test is None or not (text.startswith("(") and text.endswith(f" {test})")):
        return None
    arg = text[1:-len(test) - 2]
    return [arg.strip()] if arg.strip() and _top_level(arg) is not None else None


def split_coalesce(text: str, node: Node) -> list[str] | None:
    """The texts of a COALESCE's arguments: `COALESCE(a, b, …)`, split where a comma is outside every parenthesis,
    bracket (`ARRAY[1, 2]`) and quote."""
    text = text.strip()
    if not (text.startswith("COALESCE(") and text.endswith(")")):
        return None
    inner = text[len("COALESCE("):-1]
    top = _top_level(inner)
    if top is None:
        return None
    parts, start = [], 0
    for at in top:
        if inner[at] == ",":
            parts.append(inner[start:at].strip())
            start = at + 1
    parts.append(inner[start:].strip())
    return parts if all(parts) else None


def simple_case(node: Node) -> bool:
    """A CASE of a test value (`CASE x WHEN 1 …`), whose `arguments` are its results and ELSE alone."""
    return node.name == "CASEEXPR" and node.fields.get("arg") != "<>"


def _compares_a_constant(expr: Any) -> bool:
    """A simple CASE's WHEN: the test value compared with a plain constant."""
    args = expr.fields.get("args") if isinstance(expr, Node) and expr.name == "OPEXPR" else None
    return (isinstance(args, list) and len(args) == 2 and all(isinstance(arg, Node) for arg in args)
            and args[0].name == "CASETESTEXPR" and args[1].name == "CONST")


def split_case(text: str, node: Node) -> list[str] | None:
    """The texts of a searched CASE's conditions and results, then its ELSE (PostgreSQL prints one always, `ELSE
    NULL::boolean` where none was written): `CASE WHEN c THEN r … ELSE d END`, each keyword a word outside every
    parenthesis, quote and nested CASE … END; of a simple CASE (`CASE x WHEN v THEN r …`), its results and ELSE."""
    text = text.strip()
    if not (text.startswith("CASE") and text.endswith("END")):
        return None
    found = _words(text, ("CASE", "WHEN", "THEN", "ELSE", "END"))
    if found is None:
        return None
    level, marks = 0, []
    for at, word in found:
        level += word == "CASE"
        if level == 1 and word != "CASE":
            marks.append((at, word))
        level -= word == "END"
        if level < 0:
            return None
    if level or not found or found[0] != (0, "CASE") or marks[-1:] != [(len(text) - 3, "END")]:
        return None
    words = [word for _, word in marks]
    if words[-2:] != ["ELSE", "END"] or words[:-2] != ["WHEN", "THEN"] * ((len(words) - 2) // 2) or len(words) < 4 \
            or bool(text[4:marks[0][0]].strip()) != simple_case(node):
        return None
    parts = [text[at + len(word):marks[n + 1][0]].strip() for n, (at, word) in enumerate(marks[:-1])]
    if simple_case(node):  # its results and ELSE: after each THEN, and the ELSE
        parts = [part for (_, word), part in zip(marks[:-1], parts) if word in ("THEN", "ELSE")]
    return parts if all(parts) else None


def _top_level(text: str) -> list[int] | None:
    """Where `text` is outside every parenthesis, bracket and quote (the positions of its characters there); None
    where those do not close as they open."""
    found, closing, quote = [], [], ""
    for at, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote  # a doubled quote closes and opens again
        elif char in "'\"":
            quote = char
        elif char in "([":
            closing.append(")" if char == "(" else "]")
        elif char in ")]":
            if not closing or closing.pop() != char:
                return None
        elif not closing:
            found.append(at)
    return found if not closing and not quote else None


def _words(text: str, words: tuple[str, ...]) -> list[tuple[int, str]] | None:
    """Where each of `words` stands alone (whitespace or the text's end either side) outside every parenthesis,
    bracket and quote, in order; None where those do not close as they open."""
    top = _top_level(text)
    if top is None:
        return None
    outside = set(top)
    found = []
    for at in top:
        if at and not text[at - 1].isspace():
            continue
        for word in words:
            end = at + len(word)
            if text.startswith(word, at) and (end == len(text) or text[end].isspace()) \
                    and all(n in outside for n in range(at, end)):
                found.append((at, word))
    return found


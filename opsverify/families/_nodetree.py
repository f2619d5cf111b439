"""A policy expression as PostgreSQL stores it (`pg_policy.polqual`, pg_node_tree text), read for one question: which
of its parts are constants PostgreSQL may be asked to evaluate, and which text `pg_get_expr` printed for each argument
of its AND / OR / NOT.

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


def split_bool(text: str, node: Node) -> list[str] | None:
    """The texts of a BoolExpr's arguments, from the text `pg_get_expr` printed for it (`(a AND b)`, `(a OR b)`,
    `(NOT a)`: parenthesised, each argument whole inside its own parentheses or quotes); None when they do not match
    its arguments one for one."""
    args = node.fields.get("args")
    operator = {"and": " AND ", "or": " OR ", "not": None}.get(node.fields.get("boolop"))
    text = text.strip()
    if not isinstance(args, list) or not (text.startswith("(") and text.endswith(")")):
        return None
    inner = text[1:-1]
    if operator is None:  # NOT
        return [inner[4:]] if inner.startswith("NOT ") and len(args) == 1 and _balanced(inner[4:]) else None
    parts, depth, quote, start, at = [], 0, "", 0, 0
    while at < len(inner):
        char = inner[at]
        if quote:
            quote = "" if char == quote else quote  # a doubled quote closes and opens again
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0 and inner.startswith(operator, at):
            parts.append(inner[start:at])
            at = start = at + len(operator)
            continue
        at += 1
    parts.append(inner[start:])
    return parts if len(parts) == len(args) and depth == 0 and not quote else None


def _balanced(text: str) -> bool:
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                return False
    return depth == 0 and not quote

"""Reading CEL source without evaluating it: field paths, parameter inlining, literals.

The `common-expression-language` binding only reports which variables an expression
uses, not which fields. The engine needs the fields twice: to record as evidence the
values a condition read, and to hand CEL only those values (converting a Python value
into CEL costs microseconds per string, so a projected resource is several times faster
than the whole one). This module tokenizes CEL just enough to find `resource.a.b`,
`resource.tags["k"]` and `params.x` chains, conservatively: a chain stops at a method
call or a computed index, so the projection always contains everything the expression
can reach.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import cel

__all__ = [
    "FieldPath",
    "Token",
    "chain_end",
    "check_syntax",
    "field_paths",
    "inline_params",
    "is_root",
    "literal_key",
    "tag_keys",
    "to_cel_literal",
    "tokenize",
]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''
        |"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|\d+\.\d*(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+|[uU])?
        |\.\d+(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>==|!=|<=|>=|&&|\|\||\.\?|[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE,
)

_SIMPLE_STRING = re.compile(r"""^(?:"([^"\\]*)"|'([^'\\]*)')$""")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class FieldPath:
    """A chain such as `resource.tags["owner"]`: root variable, keys, and display text."""

    root: str
    keys: tuple[str | int, ...]
    indexed: tuple[bool, ...] = field(default=(), compare=False)

    @cached_property
    def text(self) -> str:
        """The chain as written: `.name` for a selection, `["key"]` for an index."""
        parts = [self.root]
        for position, key in enumerate(self.keys):
            indexed = position < len(self.indexed) and self.indexed[position]
            if isinstance(key, int) or indexed:
                parts.append(f"[{json.dumps(key)}]")
            else:
                parts.append(f".{key}")
        return "".join(parts)


def tokenize(source: str) -> list[Token]:
    """The tokens of a CEL source, without spaces and comments."""
    tokens = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup or "punct"
        if kind != "space":
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
    return tokens


def literal_key(token: Token) -> str | int | None:
    """The value of a digit-only integer or an escape-free string token, else None."""
    if token.kind == "number" and token.text.isdigit():
        return int(token.text)
    if token.kind == "string":
        simple = _SIMPLE_STRING.match(token.text)
        if simple:
            return simple.group(1) if simple.group(1) is not None else simple.group(2)
    return None


def is_root(tokens: list[Token], index: int, roots: Iterable[str]) -> bool:
    """Whether the token at `index` is one of the variables `roots` (not a field name)."""
    token = tokens[index]
    previous = tokens[index - 1].text if index else ""
    return token.kind == "ident" and token.text in roots and previous not in (".", ".?")


def _chain(tokens: list[Token], index: int) -> tuple[list[str | int], list[bool]]:
    """Keys selected after the root at `index`, and whether each was an index."""
    keys, indexed, _ = _walk(tokens, index)
    return keys, indexed


def chain_end(tokens: list[Token], index: int) -> tuple[tuple[str | int, ...], int]:
    """The keys of the chain whose root is at `index`, and the index of its last token."""
    keys, _, last = _walk(tokens, index)
    return tuple(keys), last


def _walk(tokens: list[Token], index: int) -> tuple[list[str | int], list[bool], int]:
    keys: list[str | int] = []
    indexed: list[bool] = []
    last = index
    while last + 1 < len(tokens):
        nxt = tokens[last + 1]
        if nxt.text == "." and last + 2 < len(tokens) and tokens[last + 2].kind == "ident":
            if last + 3 < len(tokens) and tokens[last + 3].text == "(":
                break  # a method call or macro: the chain ends at its receiver
            keys.append(tokens[last + 2].text)
            indexed.append(False)
            last += 2
        elif nxt.text == "[" and last + 3 < len(tokens) and tokens[last + 3].text == "]":
            key = literal_key(tokens[last + 2])
            if key is None:
                break
            keys.append(key)
            indexed.append(True)
            last += 3
        else:
            break
    return keys, indexed, last


def field_paths(source: str, roots: Iterable[str]) -> list[FieldPath]:
    """The distinct field chains on the given root variables, in order of appearance."""
    roots = frozenset(roots)
    tokens = tokenize(source)
    found: dict[FieldPath, None] = {}
    for index in range(len(tokens)):
        if is_root(tokens, index, roots):
            keys, indexed = _chain(tokens, index)
            path = FieldPath(tokens[index].text, tuple(keys), tuple(indexed))
            found.setdefault(path, None)
    return list(found)


def to_cel_literal(value: Any) -> str:
    """Render a YAML/JSON value as CEL source. Raises TypeError for anything else."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON escapes are valid CEL string escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_cel_literal(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}: {to_cel_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot express a {type(value).__name__} in CEL")


def _atom(value: Any) -> str:
    literal = to_cel_literal(value)
    return f"({literal})" if literal.startswith("-") else literal


def inline_params(
    source: str, params: Mapping[str, Any], bind: Callable[[str, Any], str] | None = None
) -> str:
    """Replace `params.x` with the literal of its resolved value.

    Parameters are constants for a run; inlining them lets one compiled program serve
    several rules with different parameters, spares converting them per resource, and
    lets `tag_keys` see which tag keys a rule reads. `params` in any other position
    (e.g. inside `has()`) becomes the literal of the whole map.

    `bind(name, value)`, when given, is called for list and map values instead and
    returns the variable name to write: the interpreter rebuilds a literal list on every
    evaluation (a 30-country list costs more than the rest of a rule), whereas a
    variable of a reused `cel.Context` is converted once.
    """
    whole = "(" + to_cel_literal(dict(params)) + ")"
    tokens = tokenize(source)
    out, position, skip_to = [], 0, -1
    for index, token in enumerate(tokens):
        if index <= skip_to or not is_root(tokens, index, ("params",)):
            continue
        out.append(source[position : token.start])
        keys, _ = _chain(tokens, index)
        in_has = index >= 2 and tokens[index - 1].text == "(" and tokens[index - 2].text == "has"
        selected = index + 2 < len(tokens) and tokens[index + 1].text == "."
        name = keys[0] if keys and isinstance(keys[0], str) else None
        if selected and name is not None and name in params and not in_has:
            value = params[name]
            big = bind is not None and isinstance(value, list | tuple | Mapping)
            out.append(bind(name, value) if bind is not None and big else _atom(value))
            skip_to = index + 2  # `params` `.` `name`
            position = tokens[index + 2].end
        else:
            out.append(whole)
            position = token.end
    out.append(source[position:])
    return "".join(out)


_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_BEFORE_OPERAND = frozenset({"(", "&&", "||", "!", ",", "?", ":", ""})


def _string_list(tokens: list[Token], close: int) -> frozenset[str] | None:
    """The strings of the list literal ending at `close` (a `]`), or None if not one."""
    values: set[str] = set()
    index = close - 1
    while index >= 0 and tokens[index].text != "[":
        token = tokens[index]
        if token.text != ",":
            key = literal_key(token)
            if not isinstance(key, str):
                return None
            values.add(key)
        index -= 1
    return frozenset(values) if index >= 0 else None


def _bindings(tokens: list[Token]) -> dict[str, frozenset[str] | None]:
    """Comprehension variables and the strings they range over (None: not a literal list)."""
    bound: dict[str, frozenset[str] | None] = {}
    for index in range(1, len(tokens) - 3):
        if tokens[index].text == "." and tokens[index + 1].text in _MACROS:
            if tokens[index + 2].text != "(" or tokens[index + 3].kind != "ident":
                continue
            name = tokens[index + 3].text
            values = _string_list(tokens, index - 1) if tokens[index - 1].text == "]" else None
            known = bound.get(name, frozenset())
            bound[name] = None if values is None or known is None else known | values
    return bound


def _key_values(token: Token, bound: Mapping[str, frozenset[str] | None]) -> frozenset[str] | None:
    key = literal_key(token)
    if isinstance(key, str):
        return frozenset({key})
    return bound.get(token.text) if token.kind == "ident" else None


def tag_keys(source: str) -> frozenset[str] | None:
    """The tag keys an (inlined) expression can read, or None when it may read any.

    `resource.tags["k"]`, `resource.tags[v]` and `v in resource.tags`, where `v` is a
    string literal or ranges over a list literal of strings, read known keys; any other
    use of `resource.tags` (size, iteration, a computed key) needs the whole map.
    """
    tokens = tokenize(source)
    bound = _bindings(tokens)
    keys: set[str] = set()
    for index in range(len(tokens)):
        if not is_root(tokens, index, ("resource",)):
            continue
        chain, _ = _chain(tokens, index)
        if not chain or chain[0] != "tags":
            continue
        if len(chain) > 1:
            keys.add(str(chain[1]))
            continue
        if index + 2 >= len(tokens) or tokens[index + 2].text != "tags":
            return None  # resource["tags"] and other spellings: be safe
        after = tokens[index + 3].text if index + 3 < len(tokens) else ""
        found: frozenset[str] | None = None
        if after == "[" and index + 5 < len(tokens) and tokens[index + 5].text == "]":
            found = _key_values(tokens[index + 4], bound)
        elif after not in (".", "[") and index >= 2 and tokens[index - 1].text == "in":
            before = tokens[index - 3].text if index >= 3 else ""
            if before in _BEFORE_OPERAND:
                found = _key_values(tokens[index - 2], bound)
        if found is None:
            return None
        keys |= found
    return frozenset(keys)


def check_syntax(source: str) -> str | None:
    """None when `source` compiles, else the compiler's message (with its caret)."""
    try:
        cel.compile(source)
    except ValueError as error:
        return str(error)
    return None

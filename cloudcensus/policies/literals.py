"""Which strings a condition can tell apart: the coarse key of the verdict memo.

The verdict memo (`verdicts.py`) keys each rule on the values it reads. Many fields are
only ever compared with constants: `resource.tags["owner"] != ""`,
`resource.properties.key_management == "customer"`, `tag in params.vocabulary`. For such
a field every string outside those constants gives the same verdict (CEL compares a
string with a constant without error, and the comparison is false for all of them), so
the verdict may be keyed on "which constant, or another string" instead of the string
itself: a thousand owner names fall into two classes for a rule that only checks that
the owner is not empty.

`literal_sets` finds, for each path a condition reads, the strings it is compared with,
or None when any use of the path is something else (a method call, an ordering, an
index, a function argument, arithmetic): such a path is keyed exactly. Only these uses
count, each the whole operand of `&&`, `||`, `?:`, `!(...)`, a call argument or a list
item:

    X == lit    X != lit    lit == X    lit != X    X in [lit, ...]    X in <constant>
    has(X)                               (presence only)
    key in resource.tags, resource.tags[key] compared as above   (narrowed tag keys)

where `lit` is a string without escapes, a number, `true`, `false` or `null`, and
`<constant>` a list or map parameter bound as a variable (`compiled.py`). The analysis
reads tokens, not a parse tree, so it is written to be conservative: anything it does
not recognise is keyed exactly. Non-string values are always keyed exactly (`keys.py`),
and evidence is never abstracted: it shows the values themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cloudcensus.policies.expressions import Token, chain_end, is_root, literal_key, tokenize

__all__ = ["Literals", "literal_sets"]

#: The strings a path is compared with; None: the path must be keyed exactly.
Literals = frozenset[str] | None
Path = tuple[str | int, ...]

# Tokens that may stand right before / after an operand that is a whole relation.
_BEFORE = frozenset({"", "(", "[", ",", "{", "?", ":", "&&", "||"})
_AFTER = frozenset({"", ")", "]", ",", "}", "?", ":", "&&", "||"})
_EQUALITY = frozenset({"==", "!="})
_CONSTANT_IDENTS = frozenset({"true", "false", "null"})
_NONE: frozenset[str] = frozenset()


def literal_sets(
    source: str, root: str, paths: Iterable[Path], constants: Mapping[str, Any]
) -> dict[Path, Literals]:
    """For each of `paths` (chains on the variable `root`), the strings `source` compares
    it with, or None when it must be keyed exactly.

    `source` is the condition with its parameters inlined or bound (`constants`: the
    bound variables). A path `source` never names gets the empty set: no string can
    change the verdict through it.
    """
    tokens = tokenize(source)
    found: dict[Path, Literals] = dict.fromkeys(paths, _NONE)
    for index in range(len(tokens)):
        if not is_root(tokens, index, (root,)):
            continue
        chain, end = chain_end(tokens, index)
        for path in found:
            if path == chain:
                use = _compared(tokens, index, end, constants)
            elif path[: len(chain)] == chain:
                if chain in found:
                    continue  # read whole: the chain's own key holds the path's value
                narrowed = root == "resource" and chain == ("tags",)
                use = _tag_use(tokens, index, end, constants) if narrowed else None
            elif path == chain[: len(path)]:
                if chain in found:
                    continue  # a field of the path, read: the field's own key holds it
                use = None
            else:
                continue
            known = found[path]
            found[path] = None if use is None or known is None else known | use
    return found


def _text(tokens: list[Token], index: int) -> str:
    return tokens[index].text if 0 <= index < len(tokens) else ""


def _scalar(tokens: list[Token], index: int) -> Literals:
    """The strings a literal token can equal: itself if a string; None if not a literal."""
    if not 0 <= index < len(tokens):
        return None
    token = tokens[index]
    if token.kind == "string":
        value = literal_key(token)
        return frozenset({value}) if isinstance(value, str) else None
    if token.kind == "number" or (token.kind == "ident" and token.text in _CONSTANT_IDENTS):
        return _NONE
    return None


def _compared(tokens: list[Token], start: int, end: int, constants: Mapping[str, Any]) -> Literals:
    """The strings the operand `tokens[start..end]` is compared with, None for other uses."""
    before, after = _text(tokens, start - 1), _text(tokens, end + 1)
    has_call = _text(tokens, start - 2) == "has" and _text(tokens, start - 3) not in (".", ".?")
    if before == "(" and after == ")" and has_call:
        return _NONE
    if before in _BEFORE and after in _EQUALITY:
        found = _scalar(tokens, end + 2)
        return found if _text(tokens, end + 3) in _AFTER else None
    if before in _BEFORE and after == "in":
        return _members(tokens, end + 2, constants)
    if before in _EQUALITY and after in _AFTER and _text(tokens, start - 3) in _BEFORE:
        return _scalar(tokens, start - 2)
    return None


def _members(tokens: list[Token], index: int, constants: Mapping[str, Any]) -> Literals:
    """The strings of the list literal or bound constant at `index` (a map: its keys)."""
    if _text(tokens, index) == "[":
        values: set[str] = set()
        position = index + 1
        while _text(tokens, position) != "]":
            found = _scalar(tokens, position)
            if found is None:
                return None
            values |= found
            position += 1
            if _text(tokens, position) == ",":
                position += 1
            elif _text(tokens, position) != "]":
                return None
        return frozenset(values) if _text(tokens, position + 1) in _AFTER else None
    name = _text(tokens, index)
    if name not in constants or tokens[index].kind != "ident":
        return None  # `name` is "" past the end
    if _text(tokens, index + 1) not in _AFTER:
        return None
    value = constants[name]
    if isinstance(value, Mapping | list | tuple):
        return frozenset(item for item in value if isinstance(item, str))
    return None


def _tag_use(tokens: list[Token], start: int, end: int, constants: Mapping[str, Any]) -> Literals:
    """`resource.tags` where only named keys are read: `k in resource.tags` (presence)
    or `resource.tags[k]` (the value, analysed as an operand)."""
    if _text(tokens, end + 1) == "[" and _text(tokens, end + 3) == "]":
        return _compared(tokens, start, end + 3, constants)
    if _text(tokens, start - 1) == "in" and _text(tokens, end + 1) in _AFTER:
        return _NONE
    return None

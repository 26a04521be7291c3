"""Parser: path text to an immutable syntax tree (tokens, predicates, filter pipelines).

Everything that can be wrong with a path's text is found here, before any data is touched,
so that a write that does not parse changes nothing (spec 9.7). The grammar is in
spec section 2; the token table is tried in the order of that table.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dictwalk.backends.python import arguments, filters
from dictwalk.errors import DictWalkParseError

__all__ = [
    "BoolAnd",
    "BoolNot",
    "BoolOr",
    "DeepWildcard",
    "Filter",
    "FilterCall",
    "Get",
    "Index",
    "Literal",
    "Map",
    "Path",
    "Pipeline",
    "Predicate",
    "RelPath",
    "Root",
    "RootRef",
    "RootSelector",
    "Slice",
    "Token",
    "Wildcard",
    "clear_cache",
    "parse_path",
    "parse_pipeline",
]

ROOT = "$$root"
# The deepest nesting of brackets, parentheses and braces a path may have (spec 2.1: at least
# 1,000 levels); deeper is a parse error. The native backend has the same limit (syntax.rs,
# MAX_NESTING). Parsing recurses a few frames per level within a raised recursion limit
# (`_parse_cached`), and reading it within the public functions' retry (`_deeper`).
MAX_NESTING = 1000
_FILTER_ERROR = "Failed to parse filter token."
_ROOT_REF_ERROR = (
    "Invalid '$$root' value expression. Expected '$$root', '$$root.<path>', or '$$root|$filter'."
)
_PIPE_ERROR = "Invalid path filter expression. Expected a '$name' / '$name(...)' built-in filter string."


# ---------------------------------------------------------------------------------------------
# Syntax tree
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RootRef:
    """A ``$$root...`` reference, resolved against the document root when evaluated."""

    path: str  # the whole text, ``$$root`` included


@dataclass(frozen=True)
class FilterCall:
    """One pipeline step: ``$name(args)``, with ``[]`` when it maps over a list."""

    name: str
    args: tuple[Any, ...]  # parsed literals, raw strings, or RootRef
    spec: filters.FilterSpec
    maps: bool


@dataclass(frozen=True)
class Pipeline:
    """``$f|$g(1)[]|...``: filter steps applied left to right."""

    text: str
    steps: tuple[FilterCall, ...]


@dataclass(frozen=True)
class Literal:
    """A predicate right-hand side that is a value; ``raw`` is its text for str() matching."""

    value: Any
    raw: str


@dataclass(frozen=True)
class BoolNot:
    operand: BoolExpr


@dataclass(frozen=True)
class BoolAnd:
    operands: tuple[BoolExpr, ...]


@dataclass(frozen=True)
class BoolOr:
    operands: tuple[BoolExpr, ...]


BoolExpr = Pipeline | BoolNot | BoolAnd | BoolOr


@dataclass(frozen=True)
class RelPath:
    """A predicate left-hand side ``.a.b|$f``: a path relative to the item, and a pipeline."""

    path: Path | None  # None for the item itself (``.`` or ``.|$f``)
    pipeline: Pipeline | None


@dataclass(frozen=True)
class Predicate:
    """``[?lhs op rhs]``; no operator means ``== True`` in the flag sense of spec 4."""

    text: str
    lhs: RelPath
    op: str | None
    rhs: Literal | Pipeline | RootRef | BoolExpr | None


@dataclass(frozen=True)
class Get:
    key: str
    raw: str


@dataclass(frozen=True)
class Map:
    key: str
    raw: str


@dataclass(frozen=True)
class Index:
    key: str
    index: int
    raw: str


@dataclass(frozen=True)
class Slice:
    key: str
    start: int | None
    stop: int | None
    raw: str


@dataclass(frozen=True)
class Filter:
    key: str
    predicate: Predicate
    raw: str


@dataclass(frozen=True)
class Wildcard:
    raw: str = "*"


@dataclass(frozen=True)
class DeepWildcard:
    raw: str = "**"


@dataclass(frozen=True)
class Root:
    raw: str = ROOT


@dataclass(frozen=True)
class RootSelector:
    """``.[..]`` or ``$$root[..]``: a selector applied to the root itself."""

    selector: Map | Index | Slice | Filter
    raw: str


Token = Get | Map | Index | Slice | Filter | Wildcard | DeepWildcard | Root | RootSelector


@dataclass(frozen=True)
class Path:
    text: str
    tokens: tuple[Token, ...]  # empty for the root path "."
    transform: Pipeline | None


# ---------------------------------------------------------------------------------------------
# Scanning helpers
# ---------------------------------------------------------------------------------------------

_OPEN = {"[": "]", "(": ")", "{": "}"}
_CLOSE = {"]", ")", "}"}

# The ways the parser scans text for brackets (each scanner below names its own):
# _ONE: ``[]`` only, no quotes; a ``]`` closes the last ``[`` and an unmatched one is text.
# _SPLIT: ``[]``, ``()`` and ``{}`` as a stack of kinds, quotes with backslash escapes inside and
#   outside them; a closing bracket closes only the kind on top, any other is text.
# _STRICT: the same kinds, quotes and escapes (a backslash outside quotes escapes the next
#   character too, as in 2.6.0: ``[?.a\]==1]`` is the key ``a\]``, ``$add(\))`` adds ``\)``),
#   and a closing bracket of the wrong kind is an error.
_ONE, _SPLIT, _STRICT = 0, 1, 2

# A path longer than this is parsed with a table of where its bracket groups close (`_Jumps`),
# so that each scan skips the groups nested in its text instead of reading them again at
# every level; a shorter one costs too little to need it.
_JUMP_AFTER = 128
# A path longer than this may nest deeply enough to need its nesting measured (against the
# limit, and for the recursion it takes); a shorter one cannot.
_LONG = 128
# Python frames the parser takes per level of nesting (five for a nested predicate), with room.
_PARSE_FRAMES = 8


class _Jumps:
    """Where each bracket group of one path's text closes, found once per way of scanning.

    Without it a path of n nested predicates is scanned again at each of its n levels, and
    parsing takes time quadratic in its length (spec 2.1 wants it linear). A scan that meets
    an opening bracket asks `end` for where the group closes and jumps there. Whether and where
    a group closes depends only on the text from its opening bracket on (whatever is outside
    it, the scan is outside quotes when it opens), so one table serves the scans of every
    level, each of which passes where its text starts in the whole path (``base``).
    """

    __slots__ = ("_ends", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._ends: tuple[dict[int, int], dict[int, int], dict[int, int]] = ({}, {}, {})

    def end(self, way: int, at: int) -> int:
        """The index in the path of the bracket that closes the one at ``at``; -1 when the
        group is not closed (for _STRICT also when a bracket of another kind closes first)."""
        ends = self._ends[way]
        found = ends.get(at)
        if found is None:
            self._scan(way, at, ends)
            found = ends[at]
        return found

    def _scan(self, way: int, at: int, ends: dict[int, int]) -> None:
        """Scan the group opened at ``at``, noting where it and every group in it closes."""
        text = self.text
        opened: list[int] = []
        quote: str | None = None
        quotes = way != _ONE
        i = at
        while i < len(text):
            ch = text[i]
            if quote is not None:
                if ch == "\\":
                    i += 2
                    continue
                if ch == quote:
                    quote = None
            elif quotes and ch in "'\"":
                quote = ch
            elif way != _ONE and ch == "\\":
                i += 2
                continue
            elif ch == "[" or (quotes and ch in "({"):
                known = ends.get(i)
                if known is not None and i != at:
                    if known < 0:
                        break
                    i = known + 1
                    continue
                opened.append(i)
            elif ch in _CLOSE and opened:
                if _OPEN[text[opened[-1]]] == ch:
                    ends[opened.pop()] = i
                    if not opened:
                        return
                elif way == _STRICT:
                    break
            elif way == _STRICT and ch in _CLOSE:
                break
            i += 1
        for start in opened:
            ends[start] = -1


def _split_top_level(
    text: str,
    sep: str,
    *,
    quotes: bool,
    brackets: str = "[({",
    jumps: _Jumps | None = None,
    base: int = 0,
) -> list[str]:
    """Split ``text`` on ``sep`` where it stands outside brackets (and quotes, if asked).

    The brackets are a stack of separate kinds: a closing bracket closes only the kind on top
    (spec 2.1: a ``)`` never closes a ``[``), and one that closes nothing is plain text. With
    quotes that is the _SPLIT way of scanning, without them (and ``brackets="["``) _ONE.
    """
    parts: list[str] = []
    stack: list[str] = []
    quote: str | None = None
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif quotes and ch in "'\"":
            quote = ch
        elif quotes and ch == "\\":
            # As in 2.6.0, a backslash keeps the next character from splitting (``$join(\\,)``).
            i += 2
            continue
        elif ch in brackets:
            if jumps is not None:
                end = jumps.end(_SPLIT if quotes else _ONE, base + i) - base
                if end < 0 or end >= len(text):
                    break  # the rest of the text is inside the group
                i = end + 1
                continue
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif not stack and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _closing(
    text: str, at: int, *, whole: bool = False, jumps: _Jumps | None = None, base: int = 0
) -> int | None:
    """The index of the bracket that closes the one at ``text[at]``, quotes and escapes
    honoured; None when it is not closed or a bracket of another kind closes first (the
    _STRICT way of scanning). With ``whole``, instead: ``len(text)`` when every bracket,
    parenthesis, brace and quote from ``at`` on is closed, in order, else None."""
    stack: list[str] = []
    quote: str | None = None
    i = at
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "\\":
            # A backslash escapes the next character; one with nothing after it escapes the
            # closing bracket the text was cut at (``[?.\]`` is not closed).
            if i + 1 == len(text):
                return None
            i += 1
        elif ch in _OPEN:
            if jumps is not None and not stack:
                end = jumps.end(_STRICT, base + i) - base
                if end < 0 or end >= len(text):
                    return None
                if not whole:
                    return end
                i = end
            else:
                stack.append(_OPEN[ch])
        elif ch in _CLOSE:
            if not stack or stack.pop() != ch:
                return None
            if not stack and not whole:
                return i
        i += 1
    return len(text) if whole and quote is None and not stack else None


def _balanced(text: str, jumps: _Jumps | None = None, base: int = 0) -> bool:
    """Whether every bracket, parenthesis, brace and quote in ``text`` is closed, in order."""
    return _closing(text, 0, whole=True, jumps=jumps, base=base) is not None


def nesting(text: str) -> int:
    """How deeply brackets, parentheses and braces nest in ``text``: one linear scan, so that
    a path nested past the limit is refused before any recursion (spec 2.1)."""
    deepest = depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE and depth > 0:
            depth -= 1
    return deepest


def _split_transform(text: str, jumps: _Jumps | None = None, base: int = 0) -> tuple[str, str | None]:
    """Split off the output transform at the first top-level ``|`` followed by ``$``.

    Bracket-depth aware (only ``[]``, the _ONE way of scanning) and not quote-aware, as spec
    section 2 says.
    """
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "[":
            if jumps is not None and depth == 0:
                end = jumps.end(_ONE, base + i) - base
                if end < 0 or end >= len(text):
                    break
                i = end + 1
                continue
            depth += 1
        elif ch == "]" and depth > 0:
            depth -= 1
        elif ch == "|" and depth == 0 and text.startswith("$", i + 1):
            return text[:i], text[i + 1 :]
        i += 1
    return text, None


def _offsets(parts: list[str], base: int, sep: str) -> list[int]:
    """Where each of the ``parts`` of a split text starts, the text starting at ``base``."""
    offsets = []
    for part in parts:
        offsets.append(base)
        base += len(part) + len(sep)
    return offsets


# ---------------------------------------------------------------------------------------------
# Pipelines
# ---------------------------------------------------------------------------------------------

_SEGMENT_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _match_segment(
    seg: str, jumps: _Jumps | None = None, base: int = 0
) -> tuple[str, str | None, bool] | None:
    """``$name``, ``$name(args)``, each with an optional ``[]``: the name, the argument text
    and whether the step maps; None when ``seg`` is not one (spec 2.1: the argument list's
    parenthesis must close at its end, so ``$add(2)$mul(3)`` and ``$mul(()`` are not)."""
    # Python's ``$`` also matches before one trailing newline, and no segment holds it.
    body = seg[:-1] if seg.endswith("\n") else seg
    match = _SEGMENT_NAME.match(body)
    if match is None:
        return None
    name, rest = match.group(1), body[match.end() :]
    maps = rest.endswith("[]")
    if maps:
        rest = rest[:-2]
    if rest == "":
        return name, None, maps
    if not rest.startswith("(") or _closing(rest, 0, jumps=jumps, base=base + match.end()) != len(rest) - 1:
        return None
    return name, rest[1:-1], maps


def parse_pipeline(
    text: str, path: str | None = None, jumps: _Jumps | None = None, base: int = 0
) -> Pipeline:
    """Parse ``$f|$g(args)[]``; unknown filters and wrong arities are parse errors (spec 9.1).

    Inside a path, ``jumps`` and ``base`` are the path's table of bracket groups and where
    ``text`` starts in it (see `_Jumps`)."""
    where = path if path is not None else repr(text)
    segments = _split_top_level(text, "|", quotes=True, jumps=jumps, base=base)
    steps = []
    for seg, at in zip(segments, _offsets(segments, base, "|"), strict=True):
        match = _match_segment(seg, jumps, at)
        if match is None:
            raise DictWalkParseError(where, seg or None, _PIPE_ERROR)
        name, arg_text, maps = match
        spec = filters.lookup(name)
        if spec is None:
            raise DictWalkParseError(where, seg, f"Unknown path filter '${name}'.")
        # The arguments start after ``$name(``.
        args = _parse_args(arg_text, where, seg, jumps, at + len(name) + 2) if arg_text is not None else ()
        if not spec.accepts(len(args)):
            raise DictWalkParseError(where, seg, f"{_arity_text(spec)}, got {len(args)}.")
        steps.append(FilterCall(name, args, spec, maps))
    return Pipeline(text, tuple(steps))


def _arity_text(spec: filters.FilterSpec) -> str:
    low, high = spec.min_args, spec.max_args
    if high is None:
        wanted = f"at least {low}"
    elif low == high:
        wanted = str(low)
    else:
        wanted = f"{low} to {high}"
    return f"Path filter '${spec.name}' takes {wanted} argument(s)"


def _parse_args(text: str, path: str, seg: str, jumps: _Jumps | None, base: int) -> tuple[Any, ...]:
    if not text.strip():
        return ()
    parts = [part.strip() for part in _split_top_level(text, ",", quotes=True, jumps=jumps, base=base)]
    # An empty argument (``$between(0, )``) is a malformed list (spec 2.1), not a missing value.
    if "" in parts:
        raise DictWalkParseError(path, seg, "Invalid path filter arguments: an argument is empty.")
    for part in parts:
        if part.startswith(ROOT) and not _is_root_form(part):
            raise DictWalkParseError(path, part, _ROOT_REF_ERROR)
    return tuple(_parse_value(part) for part in parts)


def _parse_value(text: str) -> Any:
    """A Python literal when it is one, a ``$$root`` reference, else the raw text."""
    if text.startswith(ROOT):
        return RootRef(text)
    return _literal(text)


def _literal(text: str) -> Any:
    # An invalid escape in a str literal ('\<') warns (DeprecationWarning; SyntaxWarning from
    # Python 3.12), and a caller whose filters turn warnings into errors would make it a
    # SyntaxError, so the raw text: what a path means must not depend on warning filters.
    # Only a literal with a backslash can hold an escape: the others never touch the
    # process-wide filters that catch_warnings saves, changes and restores.
    if "\\" not in text:
        return _literal_of(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        return _literal_of(text)


def _literal_of(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except UnicodeEncodeError:
        # A lone surrogate ('\ud800'), which Python's compiler cannot read but a str holds
        # (spec 1.1): written as its escape, which means the same inside a string literal.
        pass
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    try:
        return ast.literal_eval(_SURROGATE.sub(_escape, text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


# ---------------------------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------------------------

_OPERATORS = ("==", "!=", ">=", "<=", ">", "<")


def _find_operator(text: str, jumps: _Jumps | None = None, base: int = 0) -> tuple[int, str] | None:
    """The first top-level comparison operator, outside quotes and brackets (the _SPLIT way
    of scanning)."""
    stack: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "\\":
            # Outside quotes too a backslash escapes the next character (``.id\\!=1`` has no
            # operator), as 2.6.0 reads it.
            i += 2
            continue
        elif ch in _OPEN:
            if jumps is not None:
                end = jumps.end(_SPLIT, base + i) - base
                if end < 0 or end >= len(text):
                    return None
                i = end + 1
                continue
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif not stack:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    return i, op
        i += 1
    return None


def _parse_predicate(text: str, path: str, token: str, jumps: _Jumps | None, base: int) -> Predicate:
    found = _find_operator(text, jumps, base)
    if found is None:
        lhs_text, op, rhs_text = text, None, None
    else:
        at, op = found
        lhs_text, rhs_text = text[:at], text[at + len(op) :]
    lhs_base = base + len(lhs_text) - len(lhs_text.lstrip())
    # Balanced as written, with the whitespace that ends it: a backslash before that whitespace
    # escapes it, and the stripped side ends with a literal backslash (``[?.\ ==2]`` reads the
    # key ``\``, as 2.6.0 does), not with one escaping the bracket.
    lhs_raw = lhs_text.lstrip()
    lhs_text = lhs_text.strip()
    if not lhs_text.startswith("."):
        raise DictWalkParseError(
            path,
            lhs_text or None,
            "Predicate field expressions must start with '.' (for example: '[?.id==1]' or '[?.|$len>3]').",
        )
    # Spec 2.1: the left side's brackets and quotes balance, and an operator has a right side.
    if not _balanced(lhs_raw, jumps, lhs_base) or (rhs_text is not None and not rhs_text.strip()):
        raise DictWalkParseError(path, token, _FILTER_ERROR)
    lhs = _parse_lhs(lhs_text, path, jumps, lhs_base)
    if rhs_text is None:
        return Predicate(text, lhs, op, None)
    rhs_base = base + len(text) - len(rhs_text) + len(rhs_text) - len(rhs_text.lstrip())
    return Predicate(text, lhs, op, _parse_rhs(rhs_text.strip(), path, jumps, rhs_base))


def _parse_lhs(text: str, path: str, jumps: _Jumps | None, base: int) -> RelPath:
    if text.startswith(".|") and not text.startswith(".|$"):
        raise DictWalkParseError(path, text, f"Invalid left-hand predicate expression '{text}'.")
    body, pipe = _split_transform(text[1:], jumps, base + 1)
    pipeline = parse_pipeline(pipe, path, jumps, base + 2 + len(body)) if pipe is not None else None
    if body == "":
        return RelPath(None, pipeline)
    if body == ".":
        # Relative to the item, ``..`` is the key "" twice (as a write path reads "."), not
        # the item itself: 2.6.0 reads it so.
        return RelPath(Path(body, (Get("", ""), Get("", "")), None), pipeline)
    relative = _parse_path(body, read=True, outer=path, jumps=jumps, base=base + 1)
    if len(relative.tokens) == 1 and isinstance(relative.tokens[0], (Wildcard, DeepWildcard)):
        # ``.*`` and ``.**`` are keys, as every ``.key`` is (spec 4, as in 2.6.0).
        relative = Path(relative.text, (Get(body, body),), relative.transform)
    if relative.tokens and isinstance(relative.tokens[0], Root):
        # Relative to the item, as 2.6.0 reads it: ``.$$root`` alone is the key "$$root", and
        # ``.$$root.x`` starts at the item (its root), as ``.x`` does.
        tokens = relative.tokens[1:] or (Get(ROOT, ROOT),)
        relative = Path(relative.text, tokens, relative.transform)
    return RelPath(relative, pipeline)


def _parse_rhs(
    text: str, path: str, jumps: _Jumps | None, base: int
) -> Literal | Pipeline | RootRef | BoolExpr:
    if any(mark in text for mark in ("&&", "||", "!")):
        return _BoolParser(text, path).parse()
    if text.startswith(ROOT):
        return _root_ref(text, path, jumps, base)
    if text.startswith("$"):
        return parse_pipeline(text, path, jumps, base)
    return Literal(_literal(text), text)


def _root_ref(text: str, path: str, jumps: _Jumps | None, base: int) -> RootRef:
    """A predicate's ``$$root`` right side: ``$$root``, ``$$root.<path>`` or ``$$root|$f``
    (spec 2.1), parsed now so that a malformed one is a parse error before any data is read."""
    if not _is_root_form(text):
        raise DictWalkParseError(path, text, _ROOT_REF_ERROR)
    _parse_path(text, read=True, outer=path, jumps=jumps, base=base)
    return RootRef(text)


def _is_root_form(text: str) -> bool:
    """Whether a ``$$root...`` text is ``$$root``, ``$$root.<path>`` or ``$$root|$f`` (spec 2.1);
    the same forms are references in a predicate's right side and in filter arguments. ``$$root.``
    with no path is malformed, followed by a pipeline (``$$root.|$f``) too, as in 2.6.0."""
    rest = text[len(ROOT) :]
    if rest and rest[0] not in ".|":
        return False
    return not (rest == "." or rest.startswith(("..", ".|")))


class _BoolParser:
    """Recursive descent over ``!``, ``&&``, ``||`` and parentheses with pipelines as atoms."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.pos = 0

    def parse(self) -> BoolExpr:
        expr = self._or()
        self._skip_space()
        if self.pos != len(self.text):
            self._fail("Unexpected trailing input in boolean path filter expression.")
        return expr

    def _fail(self, message: str) -> DictWalkParseError:
        raise DictWalkParseError(self.path, self.text, message)

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _eat(self, mark: str) -> bool:
        self._skip_space()
        if self.text.startswith(mark, self.pos):
            self.pos += len(mark)
            return True
        return False

    def _or(self) -> BoolExpr:
        operands = [self._and()]
        while self._eat("||"):
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else BoolOr(tuple(operands))

    def _and(self) -> BoolExpr:
        operands = [self._not()]
        while self._eat("&&"):
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else BoolAnd(tuple(operands))

    def _not(self) -> BoolExpr:
        # A run of ``!`` is read in a loop and only its parity kept (``!!x`` is the truth of
        # ``x``), so that a long run costs neither recursion nor nesting.
        negate = False
        while self._eat("!"):
            negate = not negate
        operand = self._primary()
        return BoolNot(operand) if negate else operand

    def _primary(self) -> BoolExpr:
        self._skip_space()
        if self.pos >= len(self.text):
            self._fail("Unexpected end of boolean path filter expression.")
        if self._eat("("):
            inner = self._or()
            if not self._eat(")"):
                self._fail("Missing ')' in boolean path filter expression.")
            return inner
        start = self.pos
        depth = 0
        quote: str | None = None
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if quote is not None:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (
                self.text.startswith("&&", self.pos) or self.text.startswith("||", self.pos)
            ):
                break
            self.pos += 1
        atom = self.text[start : self.pos].strip()
        if not atom.startswith("$") or atom.startswith(ROOT):
            raise DictWalkParseError(
                self.path, atom or None, f"Invalid path filter token '{atom}' in boolean expression."
            )
        return parse_pipeline(atom, self.path)


# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------

# The token forms of spec 2 are regular expressions in their first statement (2.6.0's):
#   Map ``^(.*)\[\]$`` (the key may be empty: ``[]`` maps the key "", spec 1.1),
#   Index ``^(.+)\[(-?\d+)\]$``, Slice ``^(.+)\[(-?\d*):(-?\d*)\]$``,
#   Filter ``^(.+?)\[\?(.*)\]$``, root selector ``^(?:\[\]|\[-?\d+\]|\[-?\d*:-?\d*\]|\[\?.*\])$``,
#   and ``^\[.*\]$`` for what reads as an attempt at one, all with ``re.DOTALL``.
# Each is matched below by looking at the token's ends only, which gives the same groups (the
# part after the key is fixed by the end of the token), in time that does not grow with the
# predicate inside: matched by ``re``, the patterns read the whole token, which the token of
# every nested level holds again. ``$`` also matches before one trailing newline (`_subject`)
# and ``\d`` is any Unicode decimal digit (``str.isdecimal``).
_BOUND = re.compile(r"-?\d*")


def _subject(raw: str) -> str:
    """What a ``^...$`` pattern sees of ``raw``: none of them can match a trailing newline."""
    return raw[:-1] if raw.endswith("\n") else raw


def _digits_before(body: str, end: int) -> int:
    r"""Where the run of ``-?\d*`` that ends at ``body[end]`` (excluded) starts."""
    i = end
    while i > 0 and body[i - 1].isdecimal():
        i -= 1
    if i > 0 and body[i - 1] == "-":
        i -= 1
    return i


def _match_index(body: str) -> tuple[str, str] | None:
    r"""``^(.+)\[(-?\d+)\]$`` on a ``body`` ending in ``]``: the key and the index text."""
    last = len(body) - 1
    start = _digits_before(body, last)
    digits = body[start:last]
    if digits in ("", "-") or start < 2 or body[start - 1] != "[":
        return None
    return body[: start - 1], digits


def _match_slice(body: str) -> tuple[str, str, str] | None:
    r"""``^(.+)\[(-?\d*):(-?\d*)\]$`` on a ``body`` ending in ``]``: the key and both bounds."""
    last = len(body) - 1
    colon = _digits_before(body, last) - 1
    if colon < 0 or body[colon] != ":":
        return None
    start = _digits_before(body, colon)
    if start < 2 or body[start - 1] != "[":
        return None
    return body[: start - 1], body[start:colon], body[colon + 1 : last]


def _selector_like(raw: str) -> bool:
    r"""``^\[.*\]$``: what reads as an attempt at a root selector."""
    body = _subject(raw)
    return len(body) >= 2 and body[0] == "[" and body[-1] == "]"


def _selector_full(text: str) -> bool:
    r"""``^(?:\[\]|\[-?\d+\]|\[-?\d*:-?\d*\]|\[\?.*\])$``: a valid root selector."""
    if not _selector_like(text):
        return False
    inner = _subject(text)[1:-1]
    if inner == "" or inner[0] == "?":
        return True
    if inner.count(":") == 1:
        low, high = inner.split(":")
        return _BOUND.fullmatch(low) is not None and _BOUND.fullmatch(high) is not None
    return inner not in ("", "-") and _BOUND.fullmatch(inner) is not None


def parse_path(text: str, *, write: bool = False) -> Path:
    """Parse a whole path; ``write`` rejects the bare ``$$root`` token (spec section 2)."""
    if not isinstance(text, str):
        raise arguments.not_str("path", text)
    return _parse_cached(text, write)


def clear_cache() -> None:
    """Forget parsed paths (they hold filter lookups, which a new custom filter can change)."""
    _parse_cached.cache_clear()


@lru_cache(maxsize=2048)
def _parse_cached(text: str, write: bool) -> Path:
    # A path nests no deeper than it has characters: a short one needs neither the nesting scan
    # nor the table of bracket groups, which keeps them off the common path (counting the
    # brackets with str.count cost a first parse 1% more instructions).
    jumps = _Jumps(text) if len(text) > _JUMP_AFTER else None
    if len(text) <= _LONG:
        return _parse_path(text, read=not write, outer=text, jumps=jumps)
    levels = nesting(text)
    if levels > MAX_NESTING:
        raise DictWalkParseError(text, None, f"The path nests brackets deeper than {MAX_NESTING} levels.")
    # The parser recurses a few frames per level (`_PARSE_FRAMES`): a path nested up to the
    # limit parses whatever the caller's recursion limit and depth.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(old + levels * _PARSE_FRAMES)
    try:
        return _parse_path(text, read=not write, outer=text, jumps=jumps)
    finally:
        sys.setrecursionlimit(old)


def _parse_path(text: str, *, read: bool, outer: str, jumps: _Jumps | None = None, base: int = 0) -> Path:
    if text == "":
        raise DictWalkParseError(outer, None, "Path cannot be empty.")
    # Write paths have no output transform: ``set(d, "a|$f", v)`` writes the key "a|$f".
    body, transform_text = _split_transform(text, jumps, base) if read else (text, None)
    if body == "":
        raise DictWalkParseError(outer, None, "Path cannot be empty.")
    transform = None
    if transform_text is not None:
        transform = parse_pipeline(transform_text, outer, jumps, base + len(body) + 1)
    # "." is the root in read paths; a write path "." is two empty keys, as in 2.6.0.
    if body == "." and read:
        return Path(text, (), transform)
    raw_tokens = _split_top_level(body, ".", quotes=False, brackets="[", jumps=jumps, base=base)
    starts = _offsets(raw_tokens, base, ".")
    # A leading empty token followed by a bracket selector is the root selector ``.[..]``,
    # read as ``$$root[..]`` (whose bracket is where the selector's is in the text).
    if len(raw_tokens) > 1 and raw_tokens[0] == "" and _selector_like(raw_tokens[1]):
        raw_tokens = [ROOT + raw_tokens[1], *raw_tokens[2:]]
        starts = [starts[1] - len(ROOT), *starts[2:]]
    # A list comprehension, not a generator given to tuple(): a generator is resumed from C,
    # which costs C stack at every level of a nested path (a thread with a small stack overflows).
    tokens = tuple(
        [
            _parse_token(raw, i == 0, read=read, path=outer, jumps=jumps, base=starts[i])
            for i, raw in enumerate(raw_tokens)
        ]
    )
    return Path(text, tokens, transform)


def _parse_token(
    raw: str, first: bool, *, read: bool, path: str, jumps: _Jumps | None = None, base: int = 0
) -> Token:
    # ``$$root[`` starts a root selector, malformed or not (spec 2.1: ``$$root[`` is an error).
    if raw.startswith(ROOT) and (raw == ROOT or raw.startswith(ROOT + "[")):
        if not first:
            raise DictWalkParseError(
                path,
                raw,
                "Root selectors are only allowed at the start of a path; mid-path usage is not supported.",
            )
        if raw == ROOT:
            if not read:
                raise DictWalkParseError(path, raw, "The '$$root' token is only supported in read paths.")
            return Root()
        if not _selector_full(raw[len(ROOT) :]):
            shown = "." + raw[len(ROOT) :] if path.startswith(".") else raw
            raise DictWalkParseError(path, shown, "Failed to parse root selector token.")
        inner = "_" + raw[len(ROOT) :]
        inner_base = base + len(ROOT) - 1
        if raw.startswith(ROOT + "[?") and raw[len(ROOT) + 2 :].lstrip().startswith("."):
            # A root predicate runs to the last bracket, as in 2.6.0: `.[?.==[]` compares with "[".
            content = _subject(inner)[3:-1]
            predicate = _parse_predicate(content, path, inner, jumps, inner_base + 3)
            selector: Token = Filter("_", predicate, inner)
        else:
            selector = _parse_token(inner, False, read=read, path=path, jumps=jumps, base=inner_base)
        assert isinstance(selector, (Map, Index, Slice, Filter))
        if raw.startswith(ROOT + "[?") and not isinstance(selector, Filter):
            # Spec 2.1: ``.[?`` starts a predicate or is an error (``.[?[]``, ``.[?][]``).
            shown = "." + raw[len(ROOT) :] if path.startswith(".") else raw
            raise DictWalkParseError(path, shown, _FILTER_ERROR)
        return RootSelector(selector, raw)
    if raw == "*":
        return Wildcard()
    if raw == "**":
        return DeepWildcard()
    body = _subject(raw)
    if body.endswith("]"):
        if body.endswith("[]"):
            return Map(body[:-2], raw)  # the key may be empty: `[]` maps "" (spec 1.1, as in 2.6.0)
        if index := _match_index(body):
            key, digits = index
            if not digits.isascii():  # spec 2.1: `\d` takes any digit, an index does not
                raise DictWalkParseError(path, raw, "Failed to parse list index.")
            return Index(key, int(digits), raw)
        if bounds := _match_slice(body):
            key, start, stop = bounds
            if not (start + stop).isascii():
                raise DictWalkParseError(path, raw, "Failed to parse list slice.")
            return Slice(key, _bound(start), _bound(stop), raw)
        if body.startswith("[?"):
            # Spec 2.1: a predicate with no key (the root's is `.[?..]`), as in 2.6.0, which
            # reads `[?[]` as the key "[?" mapped first.
            raise DictWalkParseError(path, raw, _FILTER_ERROR)
        # The first ``[?`` after at least one character of key.
        opened = body.find("[?", 1)
        if opened > 0:
            content = body[opened + 2 : -1]
            predicate = _parse_predicate(content, path, raw, jumps, base + opened + 2)
            return Filter(body[:opened], predicate, raw)
    if "[?" in raw:
        # Spec 2.1: a token holding ``[?`` is a predicate or an error (unclosed, no key).
        raise DictWalkParseError(path, raw, _FILTER_ERROR)
    return Get(raw, raw)


def _bound(text: str) -> int | None:
    return int(text) if text not in ("", "-") else None

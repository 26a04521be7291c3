"""Parser: path text to an immutable syntax tree (tokens, predicates, filter pipelines).

Everything that can be wrong with a path's text is found here, before any data is touched,
so that a write that does not parse changes nothing (spec 9.7). The grammar is in
spec section 2; the token table is tried in the order of that table.
"""

from __future__ import annotations

import ast
import re
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
# The deepest nesting of brackets, parentheses and braces a path may have (spec 2.1); deeper
# is a parse error. The native backend has the same limit (syntax.rs, MAX_NESTING), which its
# recursion on a thread's stack sets.
MAX_NESTING = 64
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


def _split_top_level(text: str, sep: str, *, quotes: bool, brackets: str = "[({") -> list[str]:
    """Split ``text`` on ``sep`` where it stands outside brackets (and quotes, if asked).

    The brackets are a stack of separate kinds: a closing bracket closes only the kind on top
    (spec 2.1: a ``)`` never closes a ``[``), and one that closes nothing is plain text.
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


def _balanced(text: str) -> bool:
    """Whether every bracket, parenthesis, brace and quote in ``text`` is closed, in order."""
    stack: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif ch in _CLOSE and (not stack or stack.pop() != ch):
            return False
        i += 1
    return quote is None and not stack


def _closing(text: str, at: int) -> int | None:
    """The index of the bracket that closes the one at ``text[at]``, quotes and escapes
    honoured; None when it is not closed or a bracket of another kind closes first."""
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
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif ch in _CLOSE:
            if stack.pop() != ch:
                return None
            if not stack:
                return i
        i += 1
    return None


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


def _split_transform(text: str) -> tuple[str, str | None]:
    """Split off the output transform at the first top-level ``|`` followed by ``$``.

    Bracket-depth aware (only ``[]``) and not quote-aware, as spec section 2 says.
    """
    depth = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]" and depth > 0:
            depth -= 1
        elif ch == "|" and depth == 0 and text.startswith("$", i + 1):
            return text[:i], text[i + 1 :]
    return text, None


# ---------------------------------------------------------------------------------------------
# Pipelines
# ---------------------------------------------------------------------------------------------

_SEGMENT_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _match_segment(seg: str) -> tuple[str, str | None, bool] | None:
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
    if not rest.startswith("(") or _closing(rest, 0) != len(rest) - 1:
        return None
    return name, rest[1:-1], maps


def parse_pipeline(text: str, path: str | None = None) -> Pipeline:
    """Parse ``$f|$g(args)[]``; unknown filters and wrong arities are parse errors (spec 9.1)."""
    where = path if path is not None else repr(text)
    segments = _split_top_level(text, "|", quotes=True)
    steps = []
    for seg in segments:
        match = _match_segment(seg)
        if match is None:
            raise DictWalkParseError(where, seg or None, _PIPE_ERROR)
        name, arg_text, maps = match
        spec = filters.lookup(name)
        if spec is None:
            raise DictWalkParseError(where, seg, f"Unknown path filter '${name}'.")
        args = _parse_args(arg_text, where, seg) if arg_text is not None else ()
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


def _parse_args(text: str, path: str, seg: str) -> tuple[Any, ...]:
    if not text.strip():
        return ()
    parts = [part.strip() for part in _split_top_level(text, ",", quotes=True)]
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


def _find_operator(text: str) -> tuple[int, str] | None:
    """The first top-level comparison operator, outside quotes and brackets."""
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
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif not stack:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    return i, op
        i += 1
    return None


def _parse_predicate(text: str, path: str, token: str) -> Predicate:
    found = _find_operator(text)
    if found is None:
        lhs_text, op, rhs_text = text, None, None
    else:
        at, op = found
        lhs_text, rhs_text = text[:at], text[at + len(op) :]
    lhs_text = lhs_text.strip()
    if not lhs_text.startswith("."):
        raise DictWalkParseError(
            path,
            lhs_text or None,
            "Predicate field expressions must start with '.' (for example: '[?.id==1]' or '[?.|$len>3]').",
        )
    # Spec 2.1: the left side's brackets and quotes balance, and an operator has a right side.
    if not _balanced(lhs_text) or (rhs_text is not None and not rhs_text.strip()):
        raise DictWalkParseError(path, token, _FILTER_ERROR)
    lhs = _parse_lhs(lhs_text, path)
    rhs = None if rhs_text is None else _parse_rhs(rhs_text.strip(), path)
    return Predicate(text, lhs, op, rhs)


def _parse_lhs(text: str, path: str) -> RelPath:
    if text.startswith(".|") and not text.startswith(".|$"):
        raise DictWalkParseError(path, text, f"Invalid left-hand predicate expression '{text}'.")
    body, pipe = _split_transform(text[1:])
    pipeline = parse_pipeline(pipe, path) if pipe is not None else None
    if body == "":
        return RelPath(None, pipeline)
    if body == ".":
        # Relative to the item, ``..`` is the key "" twice (as a write path reads "."), not
        # the item itself: 2.6.0 reads it so.
        return RelPath(Path(body, (Get("", ""), Get("", "")), None), pipeline)
    relative = _parse_path(body, read=True, outer=path)
    if relative.tokens and isinstance(relative.tokens[0], Root):
        # Relative to the item, as 2.6.0 reads it: ``.$$root`` alone is the key "$$root", and
        # ``.$$root.x`` starts at the item (its root), as ``.x`` does.
        tokens = relative.tokens[1:] or (Get(ROOT, ROOT),)
        relative = Path(relative.text, tokens, relative.transform)
    return RelPath(relative, pipeline)


def _parse_rhs(text: str, path: str) -> Literal | Pipeline | RootRef | BoolExpr:
    if any(mark in text for mark in ("&&", "||", "!")):
        return _BoolParser(text, path).parse()
    if text.startswith(ROOT):
        return _root_ref(text, path)
    if text.startswith("$"):
        return parse_pipeline(text, path)
    return Literal(_literal(text), text)


def _root_ref(text: str, path: str) -> RootRef:
    """A predicate's ``$$root`` right side: ``$$root``, ``$$root.<path>`` or ``$$root|$f``
    (spec 2.1), parsed now so that a malformed one is a parse error before any data is read."""
    if not _is_root_form(text):
        raise DictWalkParseError(path, text, _ROOT_REF_ERROR)
    _parse_path(text, read=True, outer=path)
    return RootRef(text)


def _is_root_form(text: str) -> bool:
    """Whether a ``$$root...`` text is ``$$root``, ``$$root.<path>`` or ``$$root|$f`` (spec 2.1);
    the same forms are references in a predicate's right side and in filter arguments."""
    rest = text[len(ROOT) :]
    if rest and rest[0] not in ".|":
        return False
    return not (rest.startswith(".") and (rest == "." or rest.startswith("..")))


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

# The key may be empty: a token `[]` maps the key "" (spec 1.1, as in 2.6.0).
_MAP = re.compile(r"^(.*)\[\]$", re.DOTALL)
_INDEX = re.compile(r"^(.+)\[(-?\d+)\]$", re.DOTALL)
_SLICE = re.compile(r"^(.+)\[(-?\d*):(-?\d*)\]$", re.DOTALL)
_FILTER = re.compile(r"^(.+?)\[\?(.*)\]$", re.DOTALL)
_SELECTOR = re.compile(r"^(?:\[\]|\[-?\d+\]|\[-?\d*:-?\d*\]|\[\?.*\])$", re.DOTALL)
# What reads as an attempt at a root selector; one that is not a valid selector is an error.
_SELECTOR_LIKE = re.compile(r"^\[.*\]$", re.DOTALL)


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
    # A path nests no deeper than it has characters: only one longer than the limit needs the
    # scan, which keeps it off the common short path (counting the brackets with str.count
    # cost a first parse 1% more instructions).
    if len(text) > MAX_NESTING and nesting(text) > MAX_NESTING:
        raise DictWalkParseError(text, None, f"The path nests brackets deeper than {MAX_NESTING} levels.")
    return _parse_path(text, read=not write, outer=text)


def _parse_path(text: str, *, read: bool, outer: str) -> Path:
    if text == "":
        raise DictWalkParseError(outer, None, "Path cannot be empty.")
    # Write paths have no output transform: ``set(d, "a|$f", v)`` writes the key "a|$f".
    base, transform_text = _split_transform(text) if read else (text, None)
    if base == "":
        raise DictWalkParseError(outer, None, "Path cannot be empty.")
    transform = parse_pipeline(transform_text, outer) if transform_text is not None else None
    # "." is the root in read paths; a write path "." is two empty keys, as in 2.6.0.
    if base == "." and read:
        return Path(text, (), transform)
    raw_tokens = _split_top_level(base, ".", quotes=False, brackets="[")
    # A leading empty token followed by a bracket selector is the root selector ``.[..]``.
    if len(raw_tokens) > 1 and raw_tokens[0] == "" and _SELECTOR_LIKE.match(raw_tokens[1]):
        raw_tokens = [ROOT + raw_tokens[1], *raw_tokens[2:]]
    tokens = tuple(_parse_token(raw, i == 0, read=read, path=outer) for i, raw in enumerate(raw_tokens))
    return Path(text, tokens, transform)


def _parse_token(raw: str, first: bool, *, read: bool, path: str) -> Token:
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
        if not _SELECTOR.match(raw[len(ROOT) :]):
            shown = "." + raw[len(ROOT) :] if path.startswith(".") else raw
            raise DictWalkParseError(path, shown, "Failed to parse root selector token.")
        inner = "_" + raw[len(ROOT) :]
        match = _FILTER.match(inner) if raw.startswith(ROOT + "[?.") else None
        if match:
            # A root predicate runs to the last bracket, as in 2.6.0: `.[?.==[]` compares with "[".
            selector: Token = Filter(match.group(1), _parse_predicate(match.group(2), path, inner), inner)
        else:
            selector = _parse_token(inner, False, read=read, path=path)
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
    if match := _MAP.match(raw):
        return Map(match.group(1), raw)
    if match := _INDEX.match(raw):
        if not match.group(2).isascii():  # spec 2.1: `\d` takes any digit, an index does not
            raise DictWalkParseError(path, raw, "Failed to parse list index.")
        return Index(match.group(1), int(match.group(2)), raw)
    if match := _SLICE.match(raw):
        start, stop = match.group(2), match.group(3)
        if not (start + stop).isascii():
            raise DictWalkParseError(path, raw, "Failed to parse list slice.")
        return Slice(match.group(1), _bound(start), _bound(stop), raw)
    if raw.startswith("[?"):
        # Spec 2.1: a predicate with no key (the root's is `.[?..]`), as in 2.6.0, which reads
        # `[?[]` as the key "[?" mapped first.
        raise DictWalkParseError(path, raw, _FILTER_ERROR)
    if match := _FILTER.match(raw):
        return Filter(match.group(1), _parse_predicate(match.group(2), path, raw), raw)
    if "[?" in raw:
        # Spec 2.1: a token holding ``[?`` is a predicate or an error (unclosed, no key).
        raise DictWalkParseError(path, raw, _FILTER_ERROR)
    return Get(raw, raw)


def _bound(text: str) -> int | None:
    return int(text) if text not in ("", "-") else None

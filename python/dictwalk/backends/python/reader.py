"""Reader: resolve a parsed path against data (``get``, ``exists``) and match predicates.

Resolution walks the tokens left to right over one current value; a token that fans out
(a list pluck, ``k[]``, ``*``, ``**``, a slice or a predicate) leaves a list as the current
value. Soft failures (spec section 3) raise ``Soft``; the public functions turn it into the
default, ``False`` or a DictWalkResolutionError.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator
from typing import Any

from dictwalk.backends.python import filters, parser, storage
from dictwalk.backends.python.parser import (
    BoolAnd,
    BoolNot,
    BoolOr,
    DeepWildcard,
    Filter,
    Get,
    Index,
    Literal,
    Map,
    Path,
    Pipeline,
    Predicate,
    Root,
    RootRef,
    RootSelector,
    Slice,
    Token,
    Wildcard,
)
from dictwalk.backends.python.storage import MISSING, dict_get, list_copy
from dictwalk.errors import DictWalkParseError, DictWalkResolutionError

__all__ = ["Soft", "apply_pipeline", "descendants", "exists", "get", "lookup", "resolve"]

# A built-in filter that fails on its input (including a failure inside the value's own
# methods, such as a __lt__ that raises) is a soft error in a path operation: spec 9, no
# raw Python exception escapes get/exists/set/unset. Custom filters are the user's own
# code: their exceptions propagate unchanged (spec 9.5).


class Soft(Exception):
    """A soft resolution failure at ``token``; ``message`` reads like ``KeyError: 'a'``."""

    def __init__(self, token: str | None, message: str) -> None:
        super().__init__(message)
        self.token = token
        self.message = message


def _type_name(value: Any) -> str:
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------


def get(data: Any, path: str, default: Any = None, *, strict: bool = False) -> Any:
    parsed = parser.parse_path(path)
    try:
        return resolve(data, parsed)
    except Soft as soft:
        if not strict:
            return default
        failure = soft
    # Raised outside the handler, so that the error carries no internal exception as its
    # __context__ (spec 1.1); the same for every error a public function raises.
    raise DictWalkResolutionError(path, failure.token, failure.message)


def exists(data: Any, path: str, *, strict: bool = False) -> bool:
    parsed = parser.parse_path(path)
    try:
        resolve(data, parsed)
    except Soft as soft:
        if not strict:
            return False
        failure = soft
    else:
        return True
    raise DictWalkResolutionError(path, failure.token, failure.message)


def lookup(data: Any, path: str) -> tuple[bool, Any]:
    """``(True, value)`` when ``path`` resolves in ``data``, else ``(False, None)``."""
    try:
        return True, resolve(data, parser.parse_path(path))
    except Soft:
        return False, None


def resolve(root: Any, path: Path) -> Any:
    """The value ``path`` selects in ``root``, output transform applied; raises Soft."""
    value = walk(root, root, path.tokens)
    if path.transform is not None:
        value = apply_pipeline(path.transform, value, root)
    return value


def walk(root: Any, value: Any, tokens: tuple[Token, ...]) -> Any:
    """Apply read tokens one after the other, starting from ``value``."""
    for token in tokens:
        value = step(root, value, token)
    return value


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


def step(root: Any, value: Any, token: Token) -> Any:
    """Apply one read token to the current value."""
    if isinstance(token, Get):
        return _get(value, token.key, token.raw)
    if isinstance(token, Map):
        if not isinstance(value, list):
            raise Soft(
                token.raw, f"TypeError: Expected a list for key '{token.key}', got {_type_name(value)}."
            )
        return _pluck(value, token.key)
    if isinstance(token, Index):
        items = _keyed_list(value, token.key, token.raw)
        try:
            return storage.item(items, token.index)
        except IndexError:
            raise Soft(token.raw, f"IndexError: list index {token.index} out of range.") from None
    if isinstance(token, Slice):
        return storage.sliced(_keyed_list(value, token.key, token.raw), token.start, token.stop)
    if isinstance(token, Filter):
        items = _keyed_or_empty(value, token.key) if isinstance(value, dict) else value
        return select(root, items, token.predicate, token.raw)
    if isinstance(token, Wildcard):
        if storage.is_container(value):
            return storage.children(value)
        raise Soft(token.raw, f"TypeError: Expected dict or list for wildcard '*', got {_type_name(value)}.")
    if isinstance(token, DeepWildcard):
        if not isinstance(value, (dict, list)):
            raise Soft(
                token.raw, f"TypeError: Expected dict or list for wildcard '**', got {_type_name(value)}."
            )
        return list(descendants(value))
    if isinstance(token, Root):
        return root
    assert isinstance(token, RootSelector)
    return _root_selector(root, token)


def _get(value: Any, key: str, raw: str) -> Any:
    if isinstance(value, dict):
        found = dict_get(value, key, MISSING)
        if found is MISSING:
            raise Soft(raw, f"KeyError: {key!r}")
        return found
    if isinstance(value, list):
        return _pluck(value, key)
    raise Soft(raw, f"TypeError: Key '{key}' not found in current context.")


def _pluck(items: list[Any], key: str) -> list[Any]:
    return [
        found
        for item in list_copy(items)
        if isinstance(item, dict) and (found := dict_get(item, key, MISSING)) is not MISSING
    ]


def _keyed_or_empty(mapping: dict[Any, Any], key: str) -> Any:
    """``d.get(key, [])`` through the storage: what a Filter token reads on a dict."""
    found = storage.lookup(mapping, key)
    return [] if found is storage.MISSING else found


def _keyed_list(value: Any, key: str, raw: str) -> list[Any]:
    """``value[key]`` for Index and Slice tokens, which need a dict holding a list."""
    if not isinstance(value, dict):
        raise Soft(raw, f"TypeError: Expected a dict for key '{key}', got {_type_name(value)}.")
    items = storage.lookup(value, key)
    if items is storage.MISSING:
        raise Soft(raw, f"KeyError: {key!r}")
    if not isinstance(items, list):
        raise Soft(raw, f"TypeError: Expected a list for key '{key}', got {_type_name(items)}.")
    return items


def _root_selector(root: Any, token: RootSelector) -> Any:
    if not isinstance(root, list):
        raise Soft(token.raw, f"TypeError: Expected a list at the root, got {_type_name(root)}.")
    selector = token.selector
    if isinstance(selector, Map):
        # The root list itself, as in 2.6.0 (spec 1.1): every later step reads its items.
        return root
    if isinstance(selector, Index):
        try:
            return storage.item(root, selector.index)
        except IndexError:
            raise Soft(token.raw, f"IndexError: list index {selector.index} out of range.") from None
    if isinstance(selector, Slice):
        return storage.sliced(root, selector.start, selector.stop)
    return select(root, root, selector.predicate, token.raw)


def descendants(value: Any) -> Iterator[Any]:
    """Every value below ``value``, depth-first pre-order, containers included.

    Iterative, so depth costs no recursion, and each container is entered once below each
    child of the start, so a document that contains itself ends (spec 9.6). Each child of the
    start is walked afresh: ``**.**`` repeats what the first ``**`` found, as consecutive steps
    compose in 2.6.0 (spec 9).
    """
    for top in storage.children(value):
        if not isinstance(top, (dict, list)):
            yield top
            continue
        if top is value:
            continue
        seen: set[int] = {id(value), id(top)}
        yield top
        stack: list[Iterator[Any]] = [iter(storage.children(top))]
        while stack:
            child = next(stack[-1], storage.MISSING)
            if child is storage.MISSING:
                stack.pop()
                continue
            if isinstance(child, (dict, list)):
                if id(child) in seen:
                    continue
                seen.add(id(child))
                yield child
                stack.append(iter(storage.children(child)))
            else:
                yield child


# ---------------------------------------------------------------------------------------------
# Pipelines
# ---------------------------------------------------------------------------------------------


def apply_pipeline(pipeline: Pipeline, value: Any, root: Any, *, soft: bool = True) -> Any:
    """Run the steps; consecutive ``[]`` steps map over a list together, item by item.

    With ``soft`` a built-in filter that fails on its input raises Soft; a custom filter's
    own exceptions always propagate unchanged (spec 9.5).
    """
    steps = pipeline.steps
    i = 0
    while i < len(steps):
        if not steps[i].maps:
            value = _call(steps[i], value, root, pipeline, soft)
            i += 1
            continue
        j = i
        while j < len(steps) and steps[j].maps:
            j += 1
        group = steps[i:j]
        if isinstance(value, list):
            # A snapshot: a custom filter that appends to this list cannot make the map endless.
            value = [_call_all(group, item, root, pipeline, soft) for item in storage.items(value)]
        else:
            value = _call_all(group, value, root, pipeline, soft)
        i = j
    return value


def _call_all(
    group: tuple[parser.FilterCall, ...], value: Any, root: Any, pipeline: Pipeline, soft: bool
) -> Any:
    for call in group:
        value = _call(call, value, root, pipeline, soft)
    return value


def _call(call: parser.FilterCall, value: Any, root: Any, pipeline: Pipeline, soft: bool) -> Any:
    args = [_root_value(root, arg) if isinstance(arg, RootRef) else arg for arg in call.args]
    if not call.spec.builtin:
        # A custom filter is looked up when applied (spec 1.1): registering its name again,
        # even from inside a filter of the same pipeline, takes effect at once.
        return filters.custom(call.name, call.spec).fn(value, *args)
    if not soft:
        return call.spec.fn(value, *args)
    try:
        return call.spec.fn(value, *args)
    except DictWalkParseError:
        # A key path argument that does not parse ($sort_by('')) is a fault of the path, not
        # of the value: it raises as every other parse error does (as in 2.6.0), never soft.
        raise
    except Exception as exc:
        raise Soft(pipeline.text, f"{type(exc).__name__}: {exc}") from None


def _root_value(root: Any, ref: RootRef) -> Any:
    """The value a ``$$root...`` reference names; a reference that does not resolve is soft."""
    return resolve(root, parser.parse_path(ref.path))


def _lookup_root(root: Any, ref: RootRef) -> tuple[bool, Any]:
    """``(True, value)`` of a ``$$root...`` reference, or ``(False, the Soft failure)`` when its
    path does not resolve; a transform that fails on what it resolves raises Soft (a failing
    filter, as any other: ``$$root.x|$inc`` on a list, as in 2.6.0)."""
    path = parser.parse_path(ref.path)
    try:
        value = walk(root, root, path.tokens)
    except Soft as soft:
        return False, soft
    if path.transform is not None:
        value = apply_pipeline(path.transform, value, root)
    return True, value


# ---------------------------------------------------------------------------------------------
# Predicates (spec section 4)
# ---------------------------------------------------------------------------------------------

_ORDERED: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on"})

# A value whose own ``bool()``, ``==``, ordering or ``str()`` raises is falsy, unequal,
# unordered and without a str: predicates and comparisons never let such an exception out.


def select(root: Any, items: Any, predicate: Predicate, raw: str) -> list[Any]:
    """The items of a list that match the predicate, in order."""
    if not isinstance(items, list):
        raise Soft(raw, f"TypeError: Expected a list for predicate '{raw}', got {_type_name(items)}.")
    # A snapshot: a custom filter in the predicate may change the list it is matching.
    return [item for item in list_copy(items) if matches(root, item, predicate, raw)]


def matches(root: Any, item: Any, predicate: Predicate, raw: str) -> bool:
    """Whether one item satisfies ``predicate``."""
    try:
        lhs = _lhs_value(root, item, predicate.lhs)
    except Soft:
        # A left side whose pipeline fails on this item: the item does not match, and the
        # read goes on with the others (spec 9, as in 2.6.0's intent).
        return False
    op, rhs = predicate.op, predicate.rhs
    if op is None or rhs is None:
        return _flag(lhs)
    if isinstance(rhs, (Pipeline, BoolNot, BoolAnd, BoolOr)):
        if op not in ("==", "!="):
            message = f"Operator '{op}' is not supported with path filters."
            raise Soft(raw, f"DictWalkOperatorError: {message}")
        result = _bool_value(root, rhs, lhs)
        return result if op == "==" else not result
    if isinstance(rhs, RootRef):
        # A missing $$root right-hand side is an error even in non-strict reads, as in 2.6.0.
        found, literal = _lookup_root(root, rhs)
        if not found:
            assert isinstance(literal, Soft)
            raise DictWalkResolutionError(rhs.path, literal.token, literal.message)
        if op in ("==", "!="):
            # Values only, without a literal's str() fallback (spec 1.1, as in 2.6.0).
            return _equals(lhs, literal) == (op == "==")
        # An ordering that fails falls back on the reference's text, as for a literal.
        return _compare(lhs, op, literal, rhs.path)
    assert isinstance(rhs, Literal)
    return _compare(lhs, op, rhs.value, rhs.raw)


def _lhs_value(root: Any, item: Any, lhs: parser.RelPath) -> Any:
    value = item
    if lhs.path is not None:
        tokens = lhs.path.tokens
        if len(tokens) == 1 and isinstance(tokens[0], Get):
            value = dict_get(item, tokens[0].key, None) if isinstance(item, dict) else None
        else:
            try:
                value = walk(root, item, tokens)
            except Soft:
                value = None
    if lhs.pipeline is not None:
        value = apply_pipeline(lhs.pipeline, value, root)
    return value


def _flag(value: Any) -> bool:
    """The no-operator predicate test: true words for strings, truthiness otherwise."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    try:
        return bool(value)
    except Exception:  # the value's own __bool__/__eq__/__lt__/__str__ failed
        return False


def _bool_value(root: Any, expr: parser.BoolExpr, value: Any) -> bool:
    if isinstance(expr, Pipeline):
        return _truthy(apply_pipeline(expr, value, root))
    if isinstance(expr, BoolNot):
        return not _bool_value(root, expr.operand, value)
    if isinstance(expr, BoolAnd):
        return all(_bool_value(root, operand, value) for operand in expr.operands)
    return any(_bool_value(root, operand, value) for operand in expr.operands)


def _truthy(value: Any) -> bool:
    try:
        return bool(value)
    except Exception:  # the value's own __bool__/__eq__/__lt__/__str__ failed
        return False


def _compare(lhs: Any, op: str, literal: Any, raw: str) -> bool:
    if op in ("==", "!="):
        equal = _equals(lhs, literal) or _str(lhs) == raw
        return equal if op == "==" else not equal
    compare = _ORDERED[op]
    try:
        return bool(compare(lhs, literal))
    except TypeError:
        pass
    except Exception:  # the value's own __bool__/__eq__/__lt__/__str__ failed
        return False
    if isinstance(lhs, str):
        try:
            return bool(compare(ast.literal_eval(lhs), literal))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
    try:
        return bool(compare(_str(lhs), raw))
    except Exception:  # the value's own __bool__/__eq__/__lt__/__str__ failed
        return False


def _equals(left: Any, right: Any) -> bool:
    try:
        return bool(left == right)
    except Exception:  # the value's own __bool__/__eq__/__lt__/__str__ failed
        return False


def _str(value: Any) -> str | None:
    try:
        return str(value)
    except Exception:  # the value's own __bool__/__eq__/__lt__/__str__ failed
        return None

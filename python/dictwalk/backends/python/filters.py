"""Filters: every built-in ``$filter`` of spec section 5, and the registry of custom filters.

A filter is a plain function called as ``fn(value, *args)`` with arguments that the parser
has already turned into Python values. Built-ins reproduce dictwalk 2.6.0 result for result:
the same types (int, float, Decimal, bool), the same ``None`` cases, and the same ordinary
Python exceptions where 2.6.0 raises them (``$len`` of an int is a TypeError). Whether such an
exception is a soft error is for the caller to decide, not for the filter.

Several 2.6.0 behaviours look odd but are kept because existing paths rely on them; each one
is explained where it is implemented (dunder arithmetic, comparisons that fall back to
``str()``, the sort order of statistics, date parsing).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import functools
import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from dictwalk.errors import DictWalkError

__all__ = ["BUILTINS", "FilterSpec", "custom", "get_path_filter", "lookup", "register"]


@dataclass(frozen=True)
class FilterSpec:
    """A filter's name, its callable and how many arguments it takes."""

    name: str
    fn: Callable[..., Any]  # called as fn(value, *args)
    min_args: int
    max_args: int | None  # None: any number from min_args up
    builtin: bool

    def accepts(self, count: int) -> bool:
        """Whether the filter can be called with ``count`` arguments."""
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


_F = TypeVar("_F", bound=Callable[..., Any])
_BUILTINS: dict[str, FilterSpec] = {}
_CUSTOM: dict[str, FilterSpec] = {}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _builtin(name: str, arity: int | tuple[int, int | None] = 0) -> Callable[[_F], _F]:
    """Declare the decorated function as the built-in ``$name``; ``arity`` is n or (min, max).

    The Rust core keeps the same list, in the same order and with the same arities, in its
    table of built-in filters (crates/dictwalk-core/src/filters/mod.rs), which also says where
    the native backend runs each filter. A test reads this file as text to hold the two equal
    (crates/dictwalk-corpus/tests/python_tables.rs), so each built-in is declared by one
    decorator line, with its name and arity as literals.
    """
    low, high = (arity, arity) if isinstance(arity, int) else arity

    def declare(fn: _F) -> _F:
        _BUILTINS[name] = FilterSpec(name, fn, low, high, builtin=True)
        return fn

    return declare


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
}


def _arithmetic(value: Any, other: Any, name: str) -> Any:
    """``value <op> other`` dispatched as 2.6.0 does: ``value.__op__``, then ``other.__rop__``.

    The visible difference from the operator is the exception: a value without the method
    (None, a dict, a str for ``-``) raises AttributeError, as in 2.6.0.
    """
    result = getattr(value, f"__{name}__")(other)
    if result is NotImplemented:
        result = getattr(other, f"__r{name}__")(value)
        if result is NotImplemented:
            # Both sides declined (Decimal and float): the operator raises its usual TypeError.
            result = _OPERATORS[name](value, other)
    return result


def _compare(op: Callable[[Any, Any], Any], left: Any, right: Any) -> bool:
    """``op(left, right)``, comparing ``str()`` forms when the values do not order (``None > 2``)."""
    try:
        return bool(op(left, right))
    except TypeError:
        return bool(op(str(left), str(right)))


def _is_sequence(value: Any) -> bool:
    """Lists and tuples are what collection and statistics filters work on; all else passes."""
    return isinstance(value, (list, tuple))


def _resolve(item: Any, path: str) -> tuple[bool, Any]:
    """Resolve ``path`` in ``item`` with read semantics: ``(True, value)`` or ``(False, None)``."""
    # Imported here because the reader imports the parser, which imports this module.
    from dictwalk.backends.python import reader  # noqa: PLC0415

    return reader.lookup(item, path)


def _check_selector(path: Any, filter_name: str) -> None:
    if not isinstance(path, str):
        raise TypeError(f"Filter '${filter_name}' expects selector path to be a string.")


# ---------------------------------------------------------------------------------------------
# Numeric
# ---------------------------------------------------------------------------------------------


@_builtin("inc")
def filter_inc(value: Any) -> Any:
    """Add 1."""
    return _arithmetic(value, 1, "add")


@_builtin("dec")
def filter_dec(value: Any) -> Any:
    """Subtract 1."""
    return _arithmetic(value, 1, "sub")


@_builtin("double")
def filter_double(value: Any) -> Any:
    """Multiply by 2 (a str or list repeats)."""
    return _arithmetic(value, 2, "mul")


@_builtin("square")
def filter_square(value: Any) -> Any:
    """Multiply the value by itself."""
    return _arithmetic(value, value, "mul")


@_builtin("neg")
def filter_neg(value: Any) -> Any:
    """Negate through ``__neg__`` (AttributeError for types without it, as in 2.6.0)."""
    return getattr(value, "__neg__")()  # noqa: B009 - the AttributeError is the 2.6.0 behaviour


@_builtin("sqrt")
def filter_sqrt(value: Any) -> Any:
    """Square root as ``value ** 0.5``; None for a negative value."""
    if _compare(operator.lt, value, 0):
        return None
    return value**0.5


@_builtin("floor")
def filter_floor(value: Any) -> Any:
    """Round down to an int (``math.floor``)."""
    return math.floor(value)


@_builtin("ceil")
def filter_ceil(value: Any) -> Any:
    """Round up to an int (``math.ceil``)."""
    return math.ceil(value)


@_builtin("abs")
def filter_abs(value: Any) -> Any:
    """Absolute value."""
    return abs(value)


@_builtin("sign")
def filter_sign(value: Any) -> int:
    """1, -1 or 0 by comparison with 0 (str() fallback, so ``"-5"`` gives -1 and NaN gives 0)."""
    if _compare(operator.gt, value, 0):
        return 1
    if _compare(operator.lt, value, 0):
        return -1
    return 0


@_builtin("exp")
def filter_exp(value: Any) -> float:
    """e to the power of the value (``math.exp``)."""
    return math.exp(value)


@_builtin("add", 1)
def filter_add(value: Any, amount: Any) -> Any:
    """Add the argument (concatenates strs, lists and tuples)."""
    return _arithmetic(value, amount, "add")


@_builtin("sub", 1)
def filter_sub(value: Any, amount: Any) -> Any:
    """Subtract the argument."""
    return _arithmetic(value, amount, "sub")


@_builtin("mul", 1)
def filter_mul(value: Any, factor: Any) -> Any:
    """Multiply by the argument."""
    return _arithmetic(value, factor, "mul")


@_builtin("div", 1)
def filter_div(value: Any, divisor: Any) -> Any:
    """True division; None when the divisor equals 0."""
    if divisor == 0:
        return None
    return _arithmetic(value, divisor, "truediv")


@_builtin("idiv", 1)
def filter_idiv(value: Any, divisor: Any) -> Any:
    """Floor division; None when the divisor equals 0."""
    if divisor == 0:
        return None
    # 2.6.0 returns the NotImplemented singleton for an int divided by a float (``5 // 2.0``);
    # we complete the dispatch instead and give 2.0, the only meaningful result.
    return _arithmetic(value, divisor, "floordiv")


@_builtin("mod", 1)
def filter_mod(value: Any, divisor: Any) -> Any:
    """Remainder (Python's sign rule; a str value formats); None when the divisor equals 0."""
    if divisor == 0:
        return None
    return _arithmetic(value, divisor, "mod")


@_builtin("pow", 1)
def filter_pow(value: Any, exponent: Any) -> Any:
    """The value to the power of the argument."""
    return value**exponent


@_builtin("rpow", 1)
def filter_rpow(value: Any, base: Any) -> Any:
    """The argument to the power of the value."""
    return base**value


@_builtin("root", 1)
def filter_root(value: Any, degree: Any) -> Any:
    """The ``degree``-th root, ``value ** (1 / degree)``; None if value < 0 or degree <= 0."""
    if _compare(operator.lt, value, 0) or _compare(operator.le, degree, 0):
        return None
    return value ** _arithmetic(1, degree, "truediv")


@_builtin("pct", 1)
def filter_pct(value: Any, percent: Any) -> float:
    """``percent`` per cent of the value, as a float: ``float(value) * (float(percent) / 100)``."""
    # The rate is computed first, as in 2.6.0: it decides both the rounding of the result
    # (3 at 7% is 0.21000000000000002) and which bad input is reported when both are bad.
    rate = float(percent) / 100
    return float(value) * rate


@_builtin("round", (0, 1))
def filter_round(value: Any, *ndigits: Any) -> Any:
    """Round half to even through ``__round__``: an int without ndigits, the value's type with."""
    return getattr(value, "__round__")(*ndigits)  # noqa: B009 - AttributeError as in 2.6.0


@_builtin("clamp", 2)
def filter_clamp(value: Any, low: Any, high: Any) -> Any:
    """Limit the value to ``low``..``high``; ``high`` wins when the bounds are reversed."""
    # Written as max-then-min with these exact comparisons: NaN gives ``low``, and a value
    # that does not order with the bounds raises the TypeError of ``value > low``.
    raised = value if value > low else low
    return raised if raised < high else high


@_builtin("log", (0, 1))
def filter_log(value: Any, *base: Any) -> float | None:
    """Natural logarithm, or to the given base; None unless value > 0, base > 0 and base != 1."""
    # Tested as "not > 0" rather than "<= 0" so that NaN gives None, as in 2.6.0.
    if not _compare(operator.gt, value, 0):
        return None
    if not base:
        return math.log(value)
    (chosen,) = base
    if not _compare(operator.gt, chosen, 0) or chosen == 1:
        return None
    return math.log(value, chosen)


# ---------------------------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------------------------


@_builtin("even")
def filter_even(value: Any) -> bool:
    """True for an even int (bools count as ints); False for anything else."""
    return isinstance(value, int) and value % 2 == 0


@_builtin("odd")
def filter_odd(value: Any) -> bool:
    """True for an odd int (bools count as ints); False for anything else."""
    return isinstance(value, int) and value % 2 == 1


@_builtin("gt", 1)
def filter_gt(value: Any, other: Any) -> bool:
    """``value > other``, comparing str() forms when the types do not order."""
    return _compare(operator.gt, value, other)


@_builtin("lt", 1)
def filter_lt(value: Any, other: Any) -> bool:
    """``value < other``, comparing str() forms when the types do not order."""
    return _compare(operator.lt, value, other)


@_builtin("gte", 1)
def filter_gte(value: Any, other: Any) -> bool:
    """``value >= other``, comparing str() forms when the types do not order."""
    return _compare(operator.ge, value, other)


@_builtin("lte", 1)
def filter_lte(value: Any, other: Any) -> bool:
    """``value <= other``, comparing str() forms when the types do not order."""
    return _compare(operator.le, value, other)


@_builtin("between", 2)
def filter_between(value: Any, low: Any, high: Any) -> bool:
    """``low <= value <= high`` (inclusive), comparing str() forms when the types do not order."""
    return _compare(operator.ge, value, low) and _compare(operator.le, value, high)


@_builtin("contains", 1)
def filter_contains(value: Any, item: Any) -> bool:
    """``item in value`` (substring, list member or dict key)."""
    return item in value


@_builtin("in", 1)
def filter_in(value: Any, container: Any) -> bool:
    """``value in container``."""
    return value in container


@_builtin("type_is", 1)
def filter_type_is(value: Any, name: Any) -> bool:
    """Whether the value's type name, lower-cased, is ``name`` lower-cased (``"nonetype"`` for None)."""
    return type(value).__name__.lower() == str(name).lower()


def _is_empty(value: Any) -> bool:
    return value is None or (hasattr(value, "__len__") and len(value) == 0)


@_builtin("is_empty")
def filter_is_empty(value: Any) -> bool:
    """True for None and for anything of length 0 (0 and False are not empty)."""
    return _is_empty(value)


@_builtin("non_empty")
def filter_non_empty(value: Any) -> bool:
    """The opposite of ``$is_empty``."""
    return not _is_empty(value)


# ---------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on"})


@_builtin("string")
def filter_string(value: Any) -> str:
    """``str(value)`` (so None gives ``"None"`` and a dict its Python repr)."""
    return str(value)


@_builtin("int")
def filter_int(value: Any) -> int:
    """``int(value)``: truncates floats, parses base-10 strs."""
    return int(value)


@_builtin("float")
def filter_float(value: Any) -> float:
    """``float(value)``."""
    return float(value)


@_builtin("decimal")
def filter_decimal(value: Any) -> decimal.Decimal:
    """``decimal.Decimal(value)`` (a float keeps its exact binary value)."""
    return decimal.Decimal(value)


@_builtin("bool")
def filter_bool(value: Any) -> bool:
    """A str is True when, trimmed and lower-cased, it is 1/true/yes/y/on; else truthiness."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    return bool(value)


@_builtin("quote")
def filter_quote(value: Any) -> str:
    """``str(value)`` between double quotes, nothing escaped."""
    return f'"{value}"'


# ---------------------------------------------------------------------------------------------
# Strings: each works on str(value)
# ---------------------------------------------------------------------------------------------


@_builtin("lower")
def filter_lower(value: Any) -> str:
    """Lower-case ``str(value)``."""
    return str(value).lower()


@_builtin("upper")
def filter_upper(value: Any) -> str:
    """Upper-case ``str(value)``."""
    return str(value).upper()


@_builtin("title")
def filter_title(value: Any) -> str:
    """``str(value).title()``."""
    return str(value).title()


@_builtin("strip", (0, 1))
def filter_strip(value: Any, *chars: Any) -> str:
    """Strip whitespace, or the given characters, from both ends of ``str(value)``."""
    return str(value).strip(*chars)


@_builtin("replace", 2)
def filter_replace(value: Any, old: Any, new: Any) -> str:
    """Replace every ``old`` with ``new`` in ``str(value)``."""
    return str(value).replace(old, new)


@_builtin("regex_replace", 2)
def filter_regex_replace(value: Any, pattern: Any, replacement: Any) -> str:
    """``re.sub(pattern, replacement, str(value))``."""
    return re.sub(pattern, replacement, str(value))


@_builtin("split", (0, 1))
def filter_split(value: Any, *sep: Any) -> list[str]:
    """Split ``str(value)`` on whitespace, or on the given separator."""
    return str(value).split(*sep)


@_builtin("startswith", 1)
def filter_startswith(value: Any, prefix: Any) -> bool:
    """Whether ``str(value)`` starts with the prefix (a str or a tuple of strs)."""
    return str(value).startswith(prefix)


@_builtin("endswith", 1)
def filter_endswith(value: Any, suffix: Any) -> bool:
    """Whether ``str(value)`` ends with the suffix (a str or a tuple of strs)."""
    return str(value).endswith(suffix)


@_builtin("matches", 1)
def filter_matches(value: Any, pattern: Any) -> bool:
    """Whether the regular expression matches anywhere in ``str(value)`` (``re.search``)."""
    return re.search(pattern, str(value)) is not None


@_builtin("join", 1)
def filter_join(value: Any, sep: Any) -> str:
    """Join a list or tuple's items as strs with ``str(sep)``; anything else gives ``str(value)``."""
    if _is_sequence(value):
        return str(sep).join(map(str, value))
    return str(value)


# ---------------------------------------------------------------------------------------------
# Collections
# ---------------------------------------------------------------------------------------------


@_builtin("len")
def filter_len(value: Any) -> int:
    """``len(value)``; a TypeError for values without a length."""
    return len(value)


@_builtin("keys")
def filter_keys(value: Any) -> list[Any] | None:
    """A dict's keys as a list; None for anything else."""
    return list(value) if isinstance(value, dict) else None


@_builtin("values")
def filter_values(value: Any) -> list[Any] | None:
    """A dict's values as a list; None for anything else."""
    return list(value.values()) if isinstance(value, dict) else None


@_builtin("items")
def filter_items(value: Any) -> list[dict[str, Any]] | None:
    """A dict's entries as ``[{"key": k, "value": v}, ...]``; None for anything else."""
    if not isinstance(value, dict):
        return None
    return [{"key": key, "value": item} for key, item in value.items()]


@_builtin("max")
def filter_max(value: Any) -> Any:
    """The largest item of a list or tuple (ValueError when empty); anything else passes."""
    return max(value) if _is_sequence(value) else value


@_builtin("min")
def filter_min(value: Any) -> Any:
    """The smallest item of a list or tuple (ValueError when empty); anything else passes."""
    return min(value) if _is_sequence(value) else value


@_builtin("first")
def filter_first(value: Any) -> Any:
    """The first item of a list or tuple, None when empty; anything else passes."""
    if _is_sequence(value):
        return value[0] if value else None
    return value


@_builtin("last")
def filter_last(value: Any) -> Any:
    """The last item of a list or tuple, None when empty; anything else passes."""
    if _is_sequence(value):
        return value[-1] if value else None
    return value


@_builtin("unique")
def filter_unique(value: Any) -> Any:
    """A list without repeated (hashable) items, first occurrences in order; anything else passes."""
    # Only lists: 2.6.0 passes tuples through unchanged here, unlike the other filters.
    return list(dict.fromkeys(value)) if isinstance(value, list) else value


@_builtin("reverse")
def filter_reverse(value: Any) -> Any:
    """A list or tuple reversed, as a new list; anything else passes."""
    return list(reversed(value)) if _is_sequence(value) else value


@_builtin("chunk", 1)
def filter_chunk(value: Any, size: Any) -> Any:
    """A list or tuple cut into lists of ``int(size)`` items; None if size <= 0; anything else passes."""
    if not _is_sequence(value):
        return value
    step = int(size)
    if step <= 0:
        return None
    return [list(value[start : start + step]) for start in range(0, len(value), step)]


@_builtin("flatten")
def filter_flatten(value: Any) -> Any:
    """A list or tuple with its list and tuple items spliced in, one level; anything else passes."""
    if not _is_sequence(value):
        return value
    flat: list[Any] = []
    for item in value:
        if _is_sequence(item):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _flatten_into(flat: list[Any], items: Iterable[Any]) -> list[Any]:
    for item in items:
        if _is_sequence(item):
            _flatten_into(flat, item)
        else:
            flat.append(item)
    return flat


@_builtin("flatten_deep")
def filter_flatten_deep(value: Any) -> Any:
    """A list or tuple with nested lists and tuples spliced in at every depth; anything else passes."""
    return _flatten_into([], value) if _is_sequence(value) else value


@_builtin("sorted", (0, 1))
def filter_sorted(value: Any, reverse: Any = False) -> Any:
    """A list or tuple sorted ascending (descending if reverse), as a new list; anything else passes.

    ``reverse`` must be an integer (a bool is one), as ``sorted()`` required before Python 3.12.
    """
    if not _is_sequence(value):
        return value
    return sorted(value, reverse=bool(operator.index(reverse)))


def _order(left: Any, right: Any) -> int:
    if _compare(operator.lt, left, right):
        return -1
    if _compare(operator.gt, left, right):
        return 1
    return 0


@_builtin("sort_by", (1, 2))
def filter_sort_by(value: Any, path: Any, reverse: Any = False) -> Any:
    """Stable sort of a list or tuple by the value at ``path`` in each item; unresolved items last."""
    _check_selector(path, "sort_by")
    if not _is_sequence(value):
        return value
    keyed: list[tuple[Any, Any]] = []
    unresolved: list[Any] = []
    for item in value:
        found, key = _resolve(item, path)
        if found:
            keyed.append((key, item))
        else:
            unresolved.append(item)
    # Keys of different types still order, by their str() forms (``None`` after ``"M"``).
    by_key = functools.cmp_to_key(_order)
    keyed.sort(key=lambda pair: by_key(pair[0]), reverse=bool(reverse))
    return [item for _, item in keyed] + unresolved


@_builtin("unique_by", 1)
def filter_unique_by(value: Any, path: Any) -> Any:
    """The items of a list or tuple whose value at ``path`` was not seen before; unresolved items stay."""
    _check_selector(path, "unique_by")
    if not _is_sequence(value):
        return value
    seen: list[Any] = []  # a list, not a set: keys may be unhashable lists or dicts
    kept: list[Any] = []
    for item in value:
        found, key = _resolve(item, path)
        if found:
            if key in seen:
                continue
            seen.append(key)
        kept.append(item)
    return kept


@_builtin("index_by", 1)
def filter_index_by(value: Any, path: Any) -> Any:
    """A dict from the value at ``path`` to the item (later items win; unresolved are skipped)."""
    _check_selector(path, "index_by")
    if not _is_sequence(value):
        return value
    index: dict[Any, Any] = {}
    for item in value:
        found, key = _resolve(item, path)
        if found:
            index[key] = item
    return index


@_builtin("group_by", 1)
def filter_group_by(value: Any, path: Any) -> Any:
    """A dict from the value at ``path`` to the list of items that have it (unresolved are skipped)."""
    _check_selector(path, "group_by")
    if not _is_sequence(value):
        return value
    groups: dict[Any, list[Any]] = {}
    for item in value:
        found, key = _resolve(item, path)
        if found:
            groups.setdefault(key, []).append(item)
    return groups


@_builtin("pick", (0, None))
def filter_pick(value: Any, *keys: Any) -> dict[Any, Any] | None:
    """A dict with only the given keys that it has, in argument order; None for non-dicts."""
    if not isinstance(value, dict):
        return None
    return {key: value[key] for key in keys if key in value}


@_builtin("unpick", (0, None))
def filter_unpick(value: Any, *keys: Any) -> dict[Any, Any] | None:
    """A dict without the given keys; None for non-dicts."""
    if not isinstance(value, dict):
        return None
    return {key: item for key, item in value.items() if key not in keys}


# ---------------------------------------------------------------------------------------------
# Statistics: on lists and tuples; anything else passes through
# ---------------------------------------------------------------------------------------------


def _total_order(number: float) -> tuple[int, float, float]:
    """A sort key that orders floats like IEEE 754 totalOrder, as 2.6.0 does.

    Negative NaN sorts first, positive NaN last, and -0.0 before 0.0; ``sorted()`` alone
    would leave NaNs wherever they happen to be.
    """
    sign = math.copysign(1.0, number)
    if math.isnan(number):
        return (int(sign), 0.0, 0.0)
    return (0, number, sign)


def _sorted_floats(values: Iterable[Any]) -> list[float]:
    return sorted((float(item) for item in values), key=_total_order)


def _percentile(ordered: list[float], percent: float) -> float:
    """Linear interpolation between closest ranks, rank = percent / 100 * (n - 1)."""
    rank = percent / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _sum(values: Iterable[Any]) -> Any:
    """The items added left to right from 0, as ``sum()`` did before Python 3.12.

    Python 3.12's ``sum()`` compensates float rounding, so ``sum([0.1, 0.2, 0.3])`` depends on
    the interpreter; the path language's answer must not.
    """
    total: Any = 0
    for item in values:
        total = total + item
    return total


@_builtin("sum")
def filter_sum(value: Any) -> Any:
    """The items of a list or tuple added left to right (0 when empty; ints stay ints)."""
    return _sum(value) if _is_sequence(value) else value


@_builtin("avg")
def filter_avg(value: Any) -> Any:
    """``$sum`` of a list or tuple divided by its length; None when empty."""
    if not _is_sequence(value):
        return value
    return _sum(value) / len(value) if value else None


@_builtin("median")
def filter_median(value: Any) -> Any:
    """The 50th percentile of the items as floats; None when empty."""
    if not _is_sequence(value):
        return value
    return _percentile(_sorted_floats(value), 50) if value else None


@_builtin("q1")
def filter_q1(value: Any) -> Any:
    """The 25th percentile of the items as floats; None when empty."""
    if not _is_sequence(value):
        return value
    return _percentile(_sorted_floats(value), 25) if value else None


@_builtin("q3")
def filter_q3(value: Any) -> Any:
    """The 75th percentile of the items as floats; None when empty."""
    if not _is_sequence(value):
        return value
    return _percentile(_sorted_floats(value), 75) if value else None


@_builtin("iqr")
def filter_iqr(value: Any) -> Any:
    """The interquartile range, q3 - q1, of the items as floats; None when empty."""
    if not _is_sequence(value):
        return value
    if not value:
        return None
    ordered = _sorted_floats(value)
    return _percentile(ordered, 75) - _percentile(ordered, 25)


@_builtin("pctile", 1)
def filter_pctile(value: Any, percent: Any) -> Any:
    """The given percentile (0..100, else None) of the items as floats; None when empty."""
    if not _is_sequence(value):
        return value
    if not value:
        return None
    ordered = _sorted_floats(value)  # a bad item is reported before a bad percent
    rank = float(percent)
    if rank < 0 or rank > 100:
        return None
    return _percentile(ordered, rank)


@_builtin("mode")
def filter_mode(value: Any) -> Any:
    """The most frequent item of a list or tuple, the first seen on a tie; None when empty."""
    if not _is_sequence(value):
        return value
    # As in 2.6.0, an item counts the items equal to it by ``==`` alone, with no identity
    # shortcut: a NaN equals nothing, counts 0 and is never the mode (``[nan, nan, 1.0]``
    # gives 1.0, ``[nan]`` None).
    counts: list[list[Any]] = []  # [item, count] pairs: items may be unhashable
    for item in value:
        for entry in counts:
            if entry[0] == item:
                entry[1] += 1
                break
        else:
            counts.append([item, 1 if item == item else 0])  # noqa: PLR0124 (NaN)
    best: list[Any] | None = None
    for entry in counts:
        if entry[1] > (0 if best is None else best[1]):
            best = entry
    return None if best is None else best[0]


@_builtin("stdev")
def filter_stdev(value: Any) -> Any:
    """The population standard deviation of the items as floats; None when empty."""
    if not _is_sequence(value):
        return value
    if not value:
        return None
    numbers = [float(item) for item in value]
    mean = sum(numbers) / len(numbers)
    return math.sqrt(sum((number - mean) ** 2 for number in numbers) / len(numbers))


# ---------------------------------------------------------------------------------------------
# Null handling
# ---------------------------------------------------------------------------------------------


@_builtin("const", 1)
def filter_const(value: Any, constant: Any) -> Any:
    """The argument, whatever the value."""
    return constant


@_builtin("default", 1)
def filter_default(value: Any, fallback: Any) -> Any:
    """The argument when the value is None, else the value (0, "" and [] are kept)."""
    return fallback if value is None else value


@_builtin("coalesce", (1, None))
def filter_coalesce(value: Any, *fallbacks: Any) -> Any:
    """The first of the value and the arguments that is not None; None if all are."""
    return next((item for item in (value, *fallbacks) if item is not None), None)


@_builtin("compact")
def filter_compact(value: Any) -> Any:
    """A list or tuple without its None items, as a list; anything else passes."""
    return [item for item in value if item is not None] if _is_sequence(value) else value


# ---------------------------------------------------------------------------------------------
# Date and time
# ---------------------------------------------------------------------------------------------

_NO_FORMAT: Any = object()


def _to_datetime(value: Any, fmt: Any = _NO_FORMAT) -> _dt.datetime | None:
    """The datetime a value stands for, or None for types that stand for none.

    A datetime passes; an int or float (bools too) is a Unix timestamp, read in UTC; a str is
    parsed with ``strptime(fmt)`` when a format is given, else as ISO 8601 with a ``Z`` read as
    ``+00:00``. A str that does not parse raises ValueError.
    """
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, (int, float)):
        return _dt.datetime.fromtimestamp(value, tz=_dt.timezone.utc)
    if isinstance(value, str):
        if fmt is not _NO_FORMAT:
            return _dt.datetime.strptime(value, fmt)
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


@_builtin("to_datetime", (0, 1))
def filter_to_datetime(value: Any, *fmt: Any) -> _dt.datetime | None:
    """Parse a datetime (see ``_to_datetime``); None for values that are not dates or numbers."""
    return _to_datetime(value, *fmt)


@_builtin("strftime", 1)
def filter_strftime(value: Any, fmt: Any) -> str | None:
    """Format the value's datetime with ``fmt``; None when it has none or does not parse."""
    try:
        moment = _to_datetime(value)
    except ValueError:
        return None
    return None if moment is None else moment.strftime(fmt)


@_builtin("timestamp")
def filter_timestamp(value: Any) -> float | None:
    """The value's datetime as a Unix timestamp (a naive one is local time); None if it has none."""
    moment = _to_datetime(value)
    return None if moment is None else moment.timestamp()


@_builtin("age_seconds")
def filter_age_seconds(value: Any) -> float | None:
    """Seconds from the value's datetime to now (naive datetimes raise TypeError); None if it has none."""
    moment = _to_datetime(value)
    if moment is None:
        return None
    return (_dt.datetime.now(_dt.timezone.utc) - moment).total_seconds()


def _date_compare(op: Callable[[Any, Any], Any], value: Any, other: Any) -> bool:
    moment = _to_datetime(value)
    if moment is None:
        return False
    reference = _to_datetime(other)
    if reference is None:
        return False
    # Naive against aware does not order; like every comparison here it falls back to str().
    return _compare(op, moment, reference)


@_builtin("before", 1)
def filter_before(value: Any, other: Any) -> bool:
    """Whether the value's datetime is earlier than the argument's; False if either has none."""
    return _date_compare(operator.lt, value, other)


@_builtin("after", 1)
def filter_after(value: Any, other: Any) -> bool:
    """Whether the value's datetime is later than the argument's; False if either has none."""
    return _date_compare(operator.gt, value, other)


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


@_builtin("from_json")
def filter_from_json(value: Any) -> Any:
    """Parse a JSON str; None for invalid JSON and for anything that is not a str."""
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


@_builtin("to_json")
def filter_to_json(value: Any) -> str:
    """``json.dumps(value)``; a TypeError for values JSON cannot hold (sets, datetimes)."""
    return json.dumps(value)


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

BUILTINS: Mapping[str, FilterSpec] = MappingProxyType(_BUILTINS)


def lookup(name: str) -> FilterSpec | None:
    """The built-in or custom filter called ``name``, or None."""
    return _BUILTINS.get(name) or _CUSTOM.get(name)


def custom(name: str, spec: FilterSpec) -> FilterSpec:
    """The custom filter ``$name`` as registered now; ``spec`` (what the path was parsed
    with) when the name is no longer registered."""
    return _CUSTOM.get(name, spec)


def register(name: str, fn: Callable[..., Any]) -> None:
    """Register (or replace) the custom filter ``$name``, called as ``fn(value, *args)``."""
    _check_name(name)
    if not callable(fn):
        raise ValueError(f"path filter '{name}' must be callable, not {type(fn).__name__}")
    if name in _BUILTINS:
        raise ValueError(f"'{name}' is a built-in path filter and cannot be replaced")
    _CUSTOM[name] = FilterSpec(name, fn, 0, None, builtin=False)


def _check_name(name: str) -> None:
    """Spec 1.1: a filter name that is a str but no name is a ValueError."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid path filter name {name!r}: it must match [A-Za-z_][A-Za-z0-9_]*")


def get_path_filter(name: str) -> Callable[..., Any]:
    """The callable behind ``$name``, built-in or custom."""
    _check_name(name)
    spec = lookup(name)
    if spec is None:
        raise DictWalkError(f"unknown path filter '{name}'")
    return spec.fn

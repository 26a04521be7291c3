"""Containers through their own storage: what every path step reads and writes (spec section 3).

A dict or list subclass (``Counter``, ``defaultdict``, ``OrderedDict``, a user's class) is
read and changed through the built-in type's own methods, called on the class, so that no
override of ``__getitem__``, ``__missing__``, ``__iter__``, ``__contains__``, ``__len__``,
``get`` or of a writing method runs: a missing key of a ``Counter`` or a ``defaultdict`` is
missing, and no read ever inserts one. An ``OrderedDict`` keeps its order beside the dict's
storage, so writes to one go through ``OrderedDict``'s own methods, which update both (the
dict's alone would leave it listing keys it does not hold). Filters compute on values with
ordinary Python and do not come here.

Lists are read as snapshots (``items``): a custom filter that changes a list while a step
walks it cannot make the walk skip, repeat or never end. Writes to a list position that no
longer exists (a custom filter emptied the list after the write was planned) do nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = [
    "MISSING",
    "append",
    "children",
    "clear",
    "contains",
    "dict_get",
    "is_container",
    "item",
    "items",
    "keys",
    "length",
    "list_copy",
    "lookup",
    "put",
    "remove",
    "replace_all",
    "sliced",
    "values",
]

MISSING: Any = object()

# The two reads every walk makes most, as the built-in methods themselves rather than
# functions around them, which would cost a Python call each: ``dict_get(d, key, MISSING)``
# is ``lookup(d, key)`` and ``list_copy(items)`` is ``items(items)``.
dict_get = dict.get
list_copy = list.copy


def is_container(value: Any) -> bool:
    return isinstance(value, (dict, list))


# Reading


def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """The dict's own entry for ``key``, or ``MISSING``; never ``__missing__``."""
    return dict.get(mapping, key, MISSING)


def contains(mapping: dict[Any, Any], key: Any) -> bool:
    return dict.__contains__(mapping, key)


def keys(mapping: dict[Any, Any]) -> list[Any]:
    return list(dict.keys(mapping))


def values(mapping: dict[Any, Any]) -> list[Any]:
    return list(dict.values(mapping))


def items(sequence: list[Any]) -> list[Any]:
    """A list's items, as a new list (a snapshot)."""
    return list.copy(sequence)


def length(container: dict[Any, Any] | list[Any]) -> int:
    if isinstance(container, dict):
        return dict.__len__(container)
    return list.__len__(container)


def item(sequence: list[Any], index: int) -> Any:
    """``sequence[index]`` with Python's negative indexes; IndexError when out of range."""
    return list.__getitem__(sequence, index)


def sliced(sequence: list[Any], start: int | None, stop: int | None) -> list[Any]:
    return list.__getitem__(sequence, slice(start, stop))


def children(value: Any) -> list[Any]:
    """A dict's values or a list's items (a snapshot); nothing for anything else."""
    if isinstance(value, dict):
        return list(dict.values(value))
    if isinstance(value, list):
        return list.copy(value)
    return []


# Writing


def put(container: Any, key: Any, value: Any) -> None:
    """``container[key] = value``; a list position that no longer exists is left alone."""
    if isinstance(container, OrderedDict):
        OrderedDict.__setitem__(container, key, value)
    elif isinstance(container, dict):
        dict.__setitem__(container, key, value)
    elif -list.__len__(container) <= key < list.__len__(container):
        list.__setitem__(container, key, value)


def remove(container: Any, key: Any) -> None:
    """``del container[key]``, ignored when missing (paths like ``**.**.b`` reach a key twice)."""
    if isinstance(container, OrderedDict):
        OrderedDict.pop(container, key, None)
    elif isinstance(container, dict):
        dict.pop(container, key, None)
    elif -list.__len__(container) <= key < list.__len__(container):
        list.__delitem__(container, key)


def append(sequence: list[Any], value: Any) -> None:
    list.append(sequence, value)


def clear(container: Any) -> None:
    if isinstance(container, OrderedDict):
        OrderedDict.clear(container)
    elif isinstance(container, dict):
        dict.clear(container)
    else:
        list.clear(container)


def replace_all(sequence: list[Any], new: list[Any]) -> None:
    """``sequence[:] = new``, in place."""
    list.__setitem__(sequence, slice(None), new)

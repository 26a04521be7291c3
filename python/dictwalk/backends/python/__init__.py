"""The pure-Python reference backend: the path language in executable, readable form.

It is organised as ``parser`` (path text to syntax tree), ``reader`` (get, exists,
predicates, pipelines), ``writer`` (set, unset) and ``filters`` (the built-in filters and
the custom filter registry). It is the specification the native backend is held to.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from dictwalk.backends.python import arguments, filters, parser, reader, writer
from dictwalk.errors import DictWalkParseError, DictWalkResolutionError

__all__ = [
    "NAME",
    "exists",
    "get",
    "get_path_filter",
    "register_path_filter",
    "run_filter_function",
    "set",
    "unset",
]

NAME = "python"

TData = TypeVar("TData")
T = TypeVar("T")


# Python frames that parsing and walking take per level of a path's nesting (measured: about
# eight), and the length below which a path cannot nest deeply enough to need more frames
# than the interpreter's default limit gives.
_FRAMES_PER_LEVEL = 10
_SHALLOW = 60


def _guard_depth(path: str) -> DictWalkResolutionError:
    return DictWalkResolutionError(path, None, "RecursionError: the data is nested too deeply to walk.")


def _deeper(path: Any, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``call(*args, **kwargs)`` again, with the recursion limit raised by what ``path``'s
    nesting needs, after it ran out of stack at the interpreter's limit.

    Nesting up to ``parser.MAX_NESTING`` levels must give the same answer as the native
    backend (spec 2.1), and the parser and reader recurse once per level. Only the rare path
    that runs out of stack pays for this: measuring the nesting before every call, or a closure
    in the public functions (which turns their arguments into cells), cost a short `get` 5-12%
    more instructions (read.get on the reference, `cargo xtask bench`). A retry is safe: reads
    change nothing, and a write raises while it plans, before it changes anything. A path too
    short to nest deeply ran out of stack for another reason (a custom filter's own recursion):
    that is the depth error at once.
    """
    levels = 0
    if isinstance(path, str) and len(path) > _SHALLOW:
        levels = min(parser.nesting(path), parser.MAX_NESTING)
    if not levels:
        raise _guard_depth(path)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(old + levels * _FRAMES_PER_LEVEL)
    try:
        return call(*args, **kwargs)
    except RecursionError:
        pass
    finally:
        sys.setrecursionlimit(old)
    # Raised outside the handler: the error carries no internal exception (spec 1.1).
    raise _guard_depth(path)


def get(data: Any, path: str, default: Any = None, *, strict: bool = False) -> Any:
    """Return the value at path in data, or default when it does not resolve."""
    if type(strict) is not bool:
        raise arguments.not_bool("strict", strict)
    try:
        return reader.get(data, path, default, strict=strict)
    except RecursionError:
        pass
    return _deeper(path, reader.get, data, path, default, strict=strict)


def exists(data: Any, path: str, *, strict: bool = False) -> bool:
    """Return True when path resolves in data (as a strict get would)."""
    if type(strict) is not bool:
        raise arguments.not_bool("strict", strict)
    try:
        return reader.exists(data, path, strict=strict)
    except RecursionError:
        pass
    return _deeper(path, reader.exists, data, path, strict=strict)


def set(
    data: TData,
    path: str,
    value: Any,
    *,
    strict: bool = False,
    create_missing: bool = True,
    create_filter_match: bool = True,
    overwrite_incompatible: bool = True,
) -> TData:
    """Write value at path in data, in place, and return data."""
    if type(strict) is not bool:
        raise arguments.not_bool("strict", strict)
    if type(create_missing) is not bool:
        raise arguments.not_bool("create_missing", create_missing)
    if type(create_filter_match) is not bool:
        raise arguments.not_bool("create_filter_match", create_filter_match)
    if type(overwrite_incompatible) is not bool:
        raise arguments.not_bool("overwrite_incompatible", overwrite_incompatible)
    try:
        result: TData = writer.set_value(
            data,
            path,
            value,
            strict=strict,
            create_missing=create_missing,
            create_filter_match=create_filter_match,
            overwrite_incompatible=overwrite_incompatible,
        )
    except RecursionError:
        pass
    else:
        return result
    # The same call, retried with more stack (no shared closure: see `_deeper`).
    retried: TData = _deeper(
        path,
        writer.set_value,
        data,
        path,
        value,
        strict=strict,
        create_missing=create_missing,
        create_filter_match=create_filter_match,
        overwrite_incompatible=overwrite_incompatible,
    )
    return retried


def unset(data: TData, path: str, *, strict: bool = False) -> TData:
    """Remove what path selects in data, in place, and return data."""
    if type(strict) is not bool:
        raise arguments.not_bool("strict", strict)
    try:
        result: TData = writer.unset_value(data, path, strict=strict)
    except RecursionError:
        pass
    else:
        return result
    retried: TData = _deeper(path, writer.unset_value, data, path, strict=strict)
    return retried


def run_filter_function(path_filter: str, value: Any) -> Any:
    """Apply a filter pipeline such as "$add(2)|$string" to one value."""
    if not isinstance(path_filter, str):
        raise arguments.not_str("path_filter", path_filter)
    pipeline = parser.parse_pipeline(path_filter)
    for call in pipeline.steps:
        if any(isinstance(arg, parser.RootRef) for arg in call.args):
            raise DictWalkParseError(
                repr(path_filter), None, "'$$root' arguments need a document; use get()."
            )
    return reader.apply_pipeline(pipeline, value, value, soft=False)


def register_path_filter(name: str, path_filter: Callable[..., Any]) -> None:
    """Register a custom filter $name, called as path_filter(value, *args)."""
    if not isinstance(name, str):
        raise arguments.not_str("name", name)
    # Paths hold no custom filter's function (it is looked up when applied, spec 1.1), but
    # a parsed path that named an unknown filter was an error, which a new one can cure.
    filters.register(name, path_filter)
    parser.clear_cache()


def get_path_filter(name: str) -> Callable[..., Any]:
    """The callable behind the filter $name (built-in or custom)."""
    if not isinstance(name, str):
        raise arguments.not_str("name", name)
    return filters.get_path_filter(name)

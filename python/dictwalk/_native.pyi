"""Type stubs of the native extension ``dictwalk._native`` (built from crates/dictwalk-py)."""

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "exists",
    "get",
    "get_path_filter",
    "register_path_filter",
    "run_filter_function",
    "set",
    "unset",
]

_TData = TypeVar("_TData")

def get(data: Any, path: str, default: Any = None, *, strict: bool = False) -> Any:
    """Return the value at path in data, or default when it does not resolve."""

def exists(data: Any, path: str, *, strict: bool = False) -> bool:
    """Return True when path resolves in data (as a strict get would)."""

def set(
    data: _TData,
    path: str,
    value: Any,
    *,
    strict: bool = False,
    create_missing: bool = True,
    create_filter_match: bool = True,
    overwrite_incompatible: bool = True,
) -> _TData:
    """Write value at path in data, in place, and return data."""

def unset(data: _TData, path: str, *, strict: bool = False) -> _TData:
    """Remove what path selects in data, in place, and return data."""

def run_filter_function(path_filter: str, value: Any) -> Any:
    """Apply a filter pipeline such as "$add(2)|$string" to one value."""

def register_path_filter(name: str, path_filter: Callable[..., Any]) -> None:
    """Register a custom filter $name, called as path_filter(value, *args)."""

def get_path_filter(name: str) -> Callable[..., Any]:
    """The callable behind the filter $name (built-in or custom)."""

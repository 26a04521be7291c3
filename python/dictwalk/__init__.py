"""dictwalk: read and mutate nested dicts and lists with path expressions.

``from dictwalk import dictwalk`` gives the API object; its methods run on the backend
chosen by the ``DICTWALK_BACKEND`` environment variable when the package is imported:

- ``python``: the pure-Python reference backend;
- ``rust``: the native backend (ImportError, saying how to build it, when it is missing);
- ``auto`` (the default): the native backend when it imports, else the Python one.

Both backends stay importable side by side as ``dictwalk.backends.python`` and
``dictwalk.backends.rust``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from dictwalk import backends, errors
from dictwalk._version import __version__
from dictwalk.errors import (
    DictWalkError,
    DictWalkOperatorError,
    DictWalkParseError,
    DictWalkResolutionError,
)

__all__ = [
    "DictWalk",
    "DictWalkError",
    "DictWalkOperatorError",
    "DictWalkParseError",
    "DictWalkResolutionError",
    "__version__",
    "backend_name",
    "backends",
    "dictwalk",
    "errors",
    "register_path_filter",
    "run_filter_function",
]

_BACKEND_CHOICES = ("python", "rust", "auto")

TData = TypeVar("TData")


def _select_backend(choice: str) -> ModuleType:
    """Import the backend that ``DICTWALK_BACKEND=choice`` asks for."""
    if choice not in _BACKEND_CHOICES:
        raise ValueError(f"invalid DICTWALK_BACKEND={choice!r}; valid values: {', '.join(_BACKEND_CHOICES)}")
    if choice != "auto":
        return backends.load(choice)
    # ``auto`` falls back to Python only when the native module cannot be imported,
    # never because a call failed later on.
    try:
        return backends.load("rust")
    except ImportError:
        return backends.load("python")


class DictWalk:
    """The dictwalk API, bound to one backend module (by default the one ``DICTWALK_BACKEND`` chose)."""

    errors = errors
    backends = backends

    def __init__(self, backend: ModuleType | None = None) -> None:
        # With no backend, the one ``dictwalk`` runs on (spec 1.1, as ``DictWalk()`` in 2.x).
        self._backend: ModuleType = dictwalk._backend if backend is None else backend

    def backend_name(self) -> str:
        """Return the name of the backend this object runs on ("python" or "rust")."""
        name: str = self._backend.NAME
        return name

    def get(self, data: Any, path: str, default: Any = None, *, strict: bool = False) -> Any:
        """Return the value at ``path`` in ``data``, or ``default`` when it does not resolve.

        With ``strict=True`` a path that does not resolve raises DictWalkResolutionError.
        """
        return self._backend.get(data, path, default, strict=strict)

    def exists(self, data: Any, path: str, *, strict: bool = False) -> bool:
        """Return True when ``path`` resolves in ``data`` (as a strict ``get`` would)."""
        result: bool = self._backend.exists(data, path, strict=strict)
        return result

    def set(
        self,
        data: TData,
        path: str,
        value: Any,
        *,
        strict: bool = False,
        create_missing: bool = True,
        create_filter_match: bool = True,
        overwrite_incompatible: bool = True,
    ) -> TData:
        """Write ``value`` at ``path`` in ``data``, in place, and return ``data``."""
        result: TData = self._backend.set(
            data,
            path,
            value,
            strict=strict,
            create_missing=create_missing,
            create_filter_match=create_filter_match,
            overwrite_incompatible=overwrite_incompatible,
        )
        return result

    def unset(self, data: TData, path: str, *, strict: bool = False) -> TData:
        """Remove what ``path`` selects in ``data``, in place, and return ``data``."""
        result: TData = self._backend.unset(data, path, strict=strict)
        return result

    def run_filter_function(self, path_filter: str, value: Any) -> Any:
        """Apply a filter pipeline such as ``"$add(2)|$string"`` to one value."""
        return self._backend.run_filter_function(path_filter, value)

    def register_path_filter(self, name: str, path_filter: Callable[..., Any]) -> None:
        """Register a custom filter ``$name``, called as ``path_filter(value, *args)``."""
        self._backend.register_path_filter(name, path_filter)

    def get_path_filter(self, name: str) -> Callable[..., Any]:
        """Return the callable behind the filter ``$name`` (built-in or custom)."""
        fn: Callable[..., Any] = self._backend.get_path_filter(name)
        return fn


dictwalk = DictWalk(_select_backend(os.environ.get("DICTWALK_BACKEND", "auto")))


def backend_name() -> str:
    """Return the name of the backend that ``dictwalk`` runs on ("python" or "rust")."""
    return dictwalk.backend_name()


def register_path_filter(name: str, path_filter: Callable[..., Any]) -> None:
    """Register a custom filter ``$name`` on the active backend."""
    dictwalk.register_path_filter(name, path_filter)


def run_filter_function(path_filter: str, value: Any) -> Any:
    """Apply a filter pipeline such as ``"$add(2)|$string"`` to one value."""
    return dictwalk.run_filter_function(path_filter, value)

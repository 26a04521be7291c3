"""The dictwalk backends, importable side by side in one process.

``dictwalk.backends.python`` is the pure-Python reference engine and always imports.
``dictwalk.backends.rust`` wraps the native extension ``dictwalk._native`` and raises
ImportError, saying how to build it, when the extension is missing.
Each backend module exposes the same functions: ``get``, ``exists``, ``set``, ``unset``,
``run_filter_function``, ``register_path_filter`` and ``get_path_filter``, plus ``NAME``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["BACKEND_NAMES", "load"]

BACKEND_NAMES = ("python", "rust")


def load(name: str) -> ModuleType:
    """Import the backend module called ``name`` ("python" or "rust")."""
    if name not in BACKEND_NAMES:
        raise ValueError(f"unknown dictwalk backend {name!r}; valid backends: {', '.join(BACKEND_NAMES)}")
    return importlib.import_module(f"{__name__}.{name}")


def __getattr__(name: str) -> ModuleType:
    # ``dictwalk.backends.rust`` works as an attribute without an explicit import,
    # and fails with the backend's own ImportError when the extension is missing.
    if name in BACKEND_NAMES:
        return load(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

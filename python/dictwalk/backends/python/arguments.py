"""The checks of the public functions' arguments (spec 1.1), in one place.

``path`` and a pipeline's text must be a ``str`` and the flags a ``bool`` (no truthiness), as
in 2.6.0; anything else is a TypeError naming the argument, so that ``except TypeError``
keeps working. The checks themselves are written inline where each argument arrives
(``type(flag) is not bool`` costs a few instructions, a call per argument would not); the
errors are made here. The native backend raises the same messages (crates/dictwalk-py,
``error.rs``), which ``test_api.py`` holds equal.
"""

from __future__ import annotations

from typing import Any

__all__ = ["not_bool", "not_str"]


def _type_name(value: Any) -> str:
    return type(value).__name__


def not_str(name: str, value: Any) -> TypeError:
    """The error of an argument ``name`` that must be a str and is ``value``."""
    return TypeError(f"argument '{name}' must be str, not {_type_name(value)}")


def not_bool(name: str, value: Any) -> TypeError:
    """The error of a flag ``name`` that must be a bool and is ``value``."""
    return TypeError(f"argument '{name}' must be bool, not {_type_name(value)}")

"""Exception classes shared by every dictwalk backend.

The classes, their attributes and their ``str()`` form match dictwalk 2.6.0 so that
code written against it keeps catching the same errors.
"""

from __future__ import annotations

__all__ = [
    "DictWalkError",
    "DictWalkOperatorError",
    "DictWalkParseError",
    "DictWalkResolutionError",
]


class DictWalkError(Exception):
    """Base class of every error that dictwalk raises on its own account."""


class _PathError(DictWalkError):
    """An error tied to a path and to the token of that path where it arose."""

    def __init__(self, path: str, token: str | None, message: str) -> None:
        super().__init__(f"{message} (path='{path}', token='{token}')")
        self.path = path
        self.token = token
        self.message = message

    def __reduce__(self) -> tuple[type[_PathError], tuple[str, str | None, str]]:
        # Keep the three fields across pickling (multiprocessing, worker pools).
        return (type(self), (self.path, self.token, self.message))


class DictWalkParseError(_PathError):
    """The path (or a filter pipeline inside it) does not parse."""


class DictWalkResolutionError(_PathError):
    """A strict read or write could not resolve the path against the data."""


class DictWalkOperatorError(DictWalkError):
    """A predicate used an operator that its right-hand side does not support."""

"""Shared fixtures: ``backend`` runs a test once per available backend, ``candidate`` once per
backend other than the reference (for tests that compare a backend's answers with the reference's,
which would compare the reference with itself if run on it)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def available_backends() -> list[str]:
    """The backends this installation can run; DICTWALK_TEST_BACKENDS narrows the list."""
    names = ["python"]
    try:
        importlib.import_module("dictwalk.backends.rust")
    except ImportError:
        pass
    else:
        names.append("rust")
    wanted = os.environ.get("DICTWALK_TEST_BACKENDS")
    if wanted:
        chosen = [name.strip() for name in wanted.split(",") if name.strip()]
        missing = [name for name in chosen if name not in names]
        if missing:
            raise pytest.UsageError(
                f"DICTWALK_TEST_BACKENDS asks for {', '.join(missing)}, which cannot be imported here"
            )
        return chosen
    return names


@pytest.fixture(params=available_backends())
def backend(request: pytest.FixtureRequest) -> ModuleType:
    """A dictwalk backend module (``dictwalk.backends.python`` or ``.rust``)."""
    return importlib.import_module(f"dictwalk.backends.{request.param}")


REFERENCE = "python"


@pytest.fixture(params=[name for name in available_backends() if name != REFERENCE])
def candidate(request: pytest.FixtureRequest) -> ModuleType:
    """A backend other than the reference (``dictwalk.backends.rust``), to be judged against it."""
    return importlib.import_module(f"dictwalk.backends.{request.param}")

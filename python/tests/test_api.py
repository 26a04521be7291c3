"""The package surface: backend selection, the API object, errors, custom filters, robustness.

Path behaviour lives in the parity corpus (test_corpus.py); these tests cover what a corpus
case cannot express: environment variables, process start-up, object identity, callables,
self-referencing and very deep documents.
"""

from __future__ import annotations

import importlib
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import dictwalk
from dictwalk.errors import DictWalkError, DictWalkParseError, DictWalkResolutionError

ROOT = Path(__file__).resolve().parents[2]


WITHOUT_NATIVE = "import sys; sys.modules['dictwalk._native'] = None; "


def run_python(code: str, backend: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    env.pop("DICTWALK_BACKEND", None)
    if backend is not None:
        env["DICTWALK_BACKEND"] = backend
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def native_available() -> bool:
    try:
        import dictwalk.backends.rust  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def test_invalid_backend_names_the_valid_ones() -> None:
    result = run_python("import dictwalk", "fortran")
    assert result.returncode != 0
    assert "ValueError" in result.stderr
    assert "python, rust, auto" in result.stderr


def test_python_backend_can_be_forced() -> None:
    result = run_python("import dictwalk; print(dictwalk.backend_name())", "python")
    assert result.stdout.strip() == "python", result.stderr


def test_auto_falls_back_to_python_without_native_module() -> None:
    result = run_python(WITHOUT_NATIVE + "import dictwalk; print(dictwalk.backend_name())", None)
    assert result.stdout.strip() == "python", result.stderr


def test_auto_prefers_native_when_it_imports() -> None:
    result = run_python("import dictwalk; print(dictwalk.dictwalk.backend_name())", None)
    assert result.stdout.strip() == ("rust" if native_available() else "python"), result.stderr


def test_forcing_rust_without_native_module_says_how_to_build_it() -> None:
    # A None entry in sys.modules makes the import fail as if the extension were not built.
    result = run_python(WITHOUT_NATIVE + "import dictwalk", "rust")
    assert "ImportError" in result.stderr
    assert "cargo xtask test" in result.stderr


PUBLIC_FUNCTIONS = (
    "get",
    "exists",
    "set",
    "unset",
    "run_filter_function",
    "register_path_filter",
    "get_path_filter",
)


@pytest.mark.skipif(not native_available(), reason="needs both backends")
@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_backends_carry_the_same_names_signatures_and_docstrings(name: str) -> None:
    import inspect  # noqa: PLC0415

    reference = getattr(dictwalk.backends.python, name)
    native = getattr(dictwalk.backends.rust, name)
    assert (native.__name__, native.__qualname__) == (reference.__name__, reference.__qualname__)
    assert native.__doc__ == reference.__doc__

    def shape(function: Any) -> list[tuple[str, Any, Any]]:
        parameters = inspect.signature(function).parameters.values()
        return [(parameter.name, parameter.kind, parameter.default) for parameter in parameters]

    assert shape(native) == shape(reference)


def _public_functions(module: ModuleType) -> set[str]:
    """The public functions a backend module defines or re-exports (not the modules and
    helpers it imports)."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and callable(value)
        and not isinstance(value, type)
        and getattr(value, "__module__", "").startswith(("dictwalk.backends", "dictwalk._native"))
    }


def test_reference_backend_exports_exactly_its_public_functions() -> None:
    reference = dictwalk.backends.python
    assert _public_functions(reference) == set(PUBLIC_FUNCTIONS)
    assert set(reference.__all__) == {*PUBLIC_FUNCTIONS, "NAME"}


@pytest.mark.skipif(not native_available(), reason="needs both backends")
def test_backends_export_the_same_functions() -> None:
    # A public function added to one backend only fails here: both must offer the same API.
    native_module = importlib.import_module("dictwalk._native")
    assert _public_functions(dictwalk.backends.rust) == _public_functions(dictwalk.backends.python)
    assert set(native_module.__all__) == set(PUBLIC_FUNCTIONS)
    assert {name for name in dir(native_module) if not name.startswith("_")} == set(PUBLIC_FUNCTIONS)


class _Truthy:
    def __bool__(self) -> bool:
        raise RuntimeError("a flag's __bool__ must not be called")


# Calls with a wrong argument (spec 1.1): the exception's class and message are the same on
# both backends, and name the argument.
WRONG_ARGUMENTS: list[tuple[str, Any, dict[str, Any]]] = [
    ("get", ({}, None), {}),
    ("get", ({}, 123), {}),
    ("get", ({}, b"a.b"), {}),
    ("get", ({}, "a"), {"strict": "yes"}),
    ("get", ({}, "a"), {"strict": 0}),
    ("get", ({}, "a"), {"strict": None}),
    ("get", ({}, "a"), {"strict": _Truthy()}),
    ("exists", ({}, None), {}),
    ("exists", ({}, "a"), {"strict": 1}),
    ("set", ({}, None, 1), {}),
    ("set", ({}, "a", 1), {"strict": "no"}),
    ("set", ({}, "a", 1), {"create_missing": None}),
    ("set", ({}, "a", 1), {"create_filter_match": 1}),
    ("set", ({}, "a", 1), {"overwrite_incompatible": "yes"}),
    ("unset", ({}, None), {}),
    ("unset", ({}, "a"), {"strict": []}),
    ("run_filter_function", (None, 1), {}),
    ("run_filter_function", (b"$int", 1), {}),
    ("register_path_filter", (None, len), {}),
    ("register_path_filter", (123, len), {}),
    ("register_path_filter", ("not a name", len), {}),
    ("register_path_filter", ("fine_name", 42), {}),
    ("register_path_filter", ("double", len), {}),
    ("get_path_filter", (None,), {}),
    ("get_path_filter", (123,), {}),
    ("get_path_filter", ("no_such_filter",), {}),
    ("get_path_filter", ("not a name",), {}),
    ("get_path_filter", ("\ud800",), {}),
    ("register_path_filter", ("\ud800", len), {}),
    ("get", ({}, "a"), {"strict": True, "default": 1}),
]


def _failure(function: Any, args: Any, kwargs: dict[str, Any]) -> tuple[str, str]:
    try:
        function(*args, **kwargs)
    except Exception as exc:  # the class and message are what is compared
        assert exc.__context__ is None and exc.__cause__ is None
        return type(exc).__name__, str(exc)
    raise AssertionError("the call did not fail")


@pytest.mark.parametrize(("name", "args", "kwargs"), WRONG_ARGUMENTS)
def test_wrong_arguments_fail_alike_on_every_backend(
    backend: ModuleType, name: str, args: Any, kwargs: dict[str, Any]
) -> None:
    got = _failure(getattr(backend, name), args, kwargs)
    expected = _failure(getattr(dictwalk.backends.python, name), args, kwargs)
    assert got == expected
    # Spec 1.1: a wrong type is a TypeError naming the argument.
    if got[0] == "TypeError":
        assert re.match(r"argument '\w+' must be (str|bool), not \w+$", got[1]), got


def test_root_selector_map_returns_the_root_list_itself(backend: ModuleType) -> None:
    data = [{"a": 1}, 2]
    assert backend.get(data, ".[]") is data


def test_custom_filter_exception_is_the_same_object(backend: ModuleType) -> None:
    raised = Boom("mine")

    def explode(value: Any) -> Any:
        raise raised

    name = f"explode_same_{backend.NAME}"
    backend.register_path_filter(name, explode)
    with pytest.raises(Boom) as caught:
        backend.get({"a": [1]}, f"a[?.|${name}]")
    assert caught.value is raised


def test_version_matches_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = text.split("[project]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version = "([^"]+)"$', project, re.MULTILINE)
    assert match is not None
    assert dictwalk.__version__ == match.group(1)


def test_type_information_ships() -> None:
    assert (Path(dictwalk.__file__).parent / "py.typed").is_file()


def test_api_object_exposes_errors_and_backends() -> None:
    assert dictwalk.dictwalk.errors is dictwalk.errors
    assert dictwalk.backends.python.NAME == "python"
    assert dictwalk.run_filter_function("$add(2)|$string", 5) == "7"


def test_path_errors_carry_their_fields_and_survive_pickling() -> None:
    with pytest.raises(DictWalkParseError) as caught:
        dictwalk.dictwalk.get({}, "a.$$root")
    error = caught.value
    assert (error.path, error.token) == ("a.$$root", "$$root")
    assert str(error) == f"{error.message} (path='a.$$root', token='$$root')"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.path, copy.token, copy.message) == (
        DictWalkParseError,
        error.path,
        error.token,
        error.message,
    )
    assert isinstance(copy, DictWalkError)


def test_custom_filter_is_called_with_value_and_args(backend: ModuleType) -> None:
    name = f"scale_{backend.NAME}"
    backend.register_path_filter(name, lambda value, factor=2: value * factor)
    assert backend.get({"a": [1, 2]}, f"a|${name}(3)[]") == [3, 6]
    assert backend.run_filter_function(f"${name}", 5) == 10
    assert backend.get({"a": [1, 5]}, f"a[?.|${name}>4]") == [5]


class Boom(Exception):
    """Raised by the user's own code; it must reach the caller unchanged."""


def test_custom_filter_exceptions_propagate_unchanged(backend: ModuleType) -> None:
    def explode(value: Any) -> Any:
        raise Boom(value)

    name = f"explode_{backend.NAME}"
    backend.register_path_filter(name, explode)
    with pytest.raises(Boom):
        backend.get({"a": 1}, f"a|${name}")
    data = {"a": 1}
    with pytest.raises(Boom):
        backend.set(data, "a", f"${name}")
    assert data == {"a": 1}


@pytest.mark.parametrize(
    ("name", "fn", "message"),
    [
        ("double", len, "built-in"),
        ("not a name", len, "name"),
        ("fine_name", 42, "callable"),
    ],
)
def test_register_rejects_bad_filters(backend: ModuleType, name: str, fn: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        backend.register_path_filter(name, fn)


def test_self_referencing_document_ends(backend: ModuleType) -> None:
    data: dict[str, Any] = {"x": 1}
    data["self"] = data
    data["items"] = [data, {"x": 2}]
    assert backend.get(data, "**.x") == [2]
    assert backend.get(data, "*") == [1, data, [data, {"x": 2}]]
    backend.set(data, "**.x", 9)
    assert data["x"] == 1 and data["items"][1] == {"x": 9}


def test_very_deep_nesting_gives_a_result_or_a_clear_error(backend: ModuleType) -> None:
    depth = 100_000
    data: dict[str, Any] = {}
    node = data
    for _ in range(depth):
        node["a"] = {}
        node = node["a"]
    node["leaf"] = 1
    assert backend.get(data, ".".join(["a"] * depth) + ".leaf") == 1
    found = backend.get(data, "**.leaf")
    assert found == [1]
    # Serialising it recurses past any stack: a clear resolution error, never a raw exception.
    with pytest.raises(DictWalkResolutionError, match="RecursionError"):
        backend.get(data, "a|$to_json", strict=True)
    assert backend.get(data, "a|$to_json", "fallback") == "fallback"

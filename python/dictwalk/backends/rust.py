"""The native backend: the Rust engine in the extension module ``dictwalk._native``.

Its functions are the extension's own (no Python wrapper in between); they carry the same
names, signatures and docstrings as the reference backend's.
"""

from __future__ import annotations

try:
    from dictwalk import _native
except ImportError as exc:  # pragma: no cover - depends on how the package was built
    raise ImportError(
        "the dictwalk native backend is not built: the extension module dictwalk._native is missing; "
        "build it with `cargo xtask test` (development) or install a native dictwalk wheel, "
        "or use DICTWALK_BACKEND=python"
    ) from exc

NAME = "rust"

get = _native.get
exists = _native.exists
set = _native.set
unset = _native.unset
run_filter_function = _native.run_filter_function
register_path_filter = _native.register_path_filter
get_path_filter = _native.get_path_filter

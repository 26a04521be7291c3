"""The package version, kept in step with Cargo.toml and pyproject.toml."""

__version__ = "3.0.0a1"

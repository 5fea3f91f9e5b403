"""The installed kzgeo version, for ``kzgeo.__version__`` and the build manifest."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The version pip installed, or ``0.0.0`` for a source tree that is not installed."""
    try:
        return version("kzgeo")
    except PackageNotFoundError:
        return "0.0.0"

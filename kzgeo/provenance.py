"""What an output was made from: the kzgeo version, the data date and a hash of every input.

Every output kzgeo writes can be traced back to the exact files it was built
from; the HTML pages carry this manifest, the QGIS metadata its version.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kzgeo.dataset import Dataset


def package_version() -> str:
    """The version pip installed, or ``0.0.0`` for a source tree that is not installed."""
    try:
        return version("kzgeo")
    except PackageNotFoundError:
        return "0.0.0"


def manifest(data: Dataset, **about: Any) -> dict[str, Any]:
    """The kzgeo version, the data's date, ``about`` (layers, language...) and each input's SHA-256."""
    return {
        "kzgeo_version": package_version(),
        "as_of": data.as_of,
        **about,
        "inputs": dict(sorted(data.file_hashes.items())),
    }

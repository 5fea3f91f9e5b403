"""Copy the layers and map specs people edit (``layers/``, ``maps/*.toml``) into the package.

``pip install kzgeo`` must bring the default data with it, so the wheel carries
a copy under ``kzgeo/data/``. The repository's ``layers/`` and ``maps/`` stay
the copy people edit; run this (``make package-data``) after editing them.
``tests/test_packaging.py`` fails while the two copies differ.

    python tools/sync_package_data.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: (edited source, packaged copy, which files)
COPIES = (
    (ROOT / "layers", ROOT / "kzgeo" / "data" / "layers", "*"),
    (ROOT / "maps", ROOT / "kzgeo" / "data" / "maps", "*.toml"),
)


def packaged_files(source: Path, pattern: str) -> list[Path]:
    """The files of ``source`` that belong in the package."""
    return sorted(p for p in source.glob(pattern) if p.is_file() and not p.name.startswith("."))


def sync() -> list[Path]:
    """Make each packaged copy equal its source; return the files written."""
    written = []
    for source, target, pattern in COPIES:
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for path in packaged_files(source, pattern):
            shutil.copy2(path, target / path.name)
            written.append(target / path.name)
    return written


if __name__ == "__main__":
    for path in sync():
        print(f"copied {path.relative_to(ROOT)}")
    sys.exit(0)

"""Print the project's runtime dependencies pinned at their declared minimums (``name==X``).

``make test-minimums`` installs exactly these in a separate environment and runs the
suite there, so a ``>=`` in pyproject.toml is a version that was actually tested, not
a guess. A dependency without a lower bound is printed as it is declared.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def minimums(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """One requirement per runtime dependency: ``name==lower bound`` where there is one."""
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    out = []
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
        lower = re.search(r"(?:>=|==)\s*([0-9][^,;\s]*)", requirement)
        out.append(f"{name}=={lower.group(1)}" if lower else requirement)
    return out


if __name__ == "__main__":
    sys.stdout.write("\n".join(minimums()) + "\n")

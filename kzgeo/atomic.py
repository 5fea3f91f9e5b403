"""Write outputs atomically: to a temporary file beside the target, then rename.

A build that fails part-way therefore leaves the previous output untouched,
and a reader never sees a half-written file. Operating-system failures (no
permission, a full disk, a file where the output directory should be) come
out as :class:`~kzgeo.errors.KzgeoIOError` naming the output, so the CLI
reports them as a clean ``Error:`` line.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kzgeo.errors import KzgeoIOError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` in one step; on any error the old file stays."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KzgeoIOError(path, f"cannot write here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, KzgeoIOError):
            raise KzgeoIOError(path, f"cannot write ({exc.strerror or exc}); the previous file is unchanged") from None
        raise
    return path

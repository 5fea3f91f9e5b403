"""Read input files defensively: regular files only, size-capped, never blocking.

Layer files are edited by hand and arrive from outside, so the path the
catalog names may turn out to be a directory, a named pipe (which would block
a plain ``open`` forever), a symbolic link, an unreadable file or a file of
hundreds of megabytes. :func:`read_capped` opens it once, checks what it
actually opened, and reads at most ``limit + 1`` bytes, so even a file that
grows after the check cannot exhaust memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kzgeo.errors import KzgeoIOError

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MiB" if size >= 2**20 else f"{size / 2**10:.0f} KiB" if size >= 2**10 else f"{size} bytes"


def check_regular(path: str | Path, limit: int, hint: str = "") -> int:
    """The size of the regular file ``path``, refused like :func:`read_capped` refuses it.

    For readers that hand the path to a library (pyarrow, GDAL) rather than
    read the bytes themselves: the same checks, then the library reads it.
    """
    path = Path(path)
    if path.is_symlink():
        raise KzgeoIOError(path, "is a symbolic link; copy the file in instead")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise KzgeoIOError(path, "file not found") from None
    except OSError as exc:
        raise KzgeoIOError(path, f"cannot be opened ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a pipe, socket or device"
        raise KzgeoIOError(path, f"is {kind}, not a regular file")
    if info.st_size > limit:
        raise KzgeoIOError(path, f"file is {_megabytes(info.st_size)}; kzgeo refuses input files over {_megabytes(limit)}{hint}")
    if not os.access(path, os.R_OK):
        raise KzgeoIOError(path, "cannot be opened (Permission denied)")
    return info.st_size


def read_capped(path: str | Path, limit: int, hint: str = "") -> bytes:
    """The bytes of the regular file ``path``, refusing anything over ``limit`` bytes.

    Raises :class:`~kzgeo.errors.KzgeoIOError` (whose ``reason`` reads well
    after the file name) when the file is missing, not a regular file, a
    symbolic link, unreadable or too large; ``hint`` follows the size refusal
    (how to raise the cap).
    """
    path = Path(path)
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise KzgeoIOError(path, "file not found") from None
    except OSError as exc:
        if os.path.islink(path):
            raise KzgeoIOError(path, "is a symbolic link; copy the file in instead") from None
        raise KzgeoIOError(path, f"cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a pipe, socket or device"
            raise KzgeoIOError(path, f"is {kind}, not a regular file")
        too_big = f"kzgeo refuses input files over {_megabytes(limit)}{hint}"
        if info.st_size > limit:
            raise KzgeoIOError(path, f"file is {_megabytes(info.st_size)}; {too_big}")
        with os.fdopen(os.dup(fd), "rb") as handle:
            # Sized by the file, not the limit: read(n) allocates n bytes up front.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew after fstat
                data += handle.read(limit + 1 - len(data))
    except KzgeoIOError:
        raise
    except OSError as exc:
        raise KzgeoIOError(path, f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise KzgeoIOError(path, f"file grew beyond {_megabytes(limit)} while being read; {too_big}")
    return data

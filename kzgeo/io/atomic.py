"""Write outputs atomically: to a temporary file beside the target, then rename.

A build that fails part-way therefore leaves the previous output untouched,
and a reader never sees a half-written file; a whole export folder is staged
beside its target and swapped in the same way. Operating-system failures (no
permission, a full disk, a file where the output directory should be) come
out of :func:`write_atomic` as :class:`~kzgeo.errors.KzgeoIOError` naming the output, so the CLI
reports them as a clean ``Error:`` line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kzgeo.errors import KzgeoIOError, OutputExistsError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def ensure_folder(path: str | Path, *, create: bool = True) -> Path:
    """The output folder ``path``, created if missing -- but only inside a folder that exists.

    A mistyped parent (``--out /nonexistent/dir``) is an error naming it, not
    a new tree of folders created quietly. With ``create=False`` it only
    checks, so a command can refuse before doing any work.
    """
    path = Path(path)
    if path.is_dir():
        return path
    if path.exists():
        raise KzgeoIOError(path, "exists and is not a folder")
    if path.parent.exists() and not path.parent.is_dir():
        raise KzgeoIOError(path, f"cannot create this folder: {path.parent} is a file, not a folder")
    if not path.parent.is_dir():
        raise KzgeoIOError(path, f"cannot create this folder: {path.parent} does not exist (kzgeo creates only the last folder of an output path)")
    if not create:
        return path
    try:
        path.mkdir()
    except OSError as exc:
        raise KzgeoIOError(path, f"cannot create this folder ({exc.strerror or exc})") from None
    return path


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` in one step; on any error the old file stays.

    The file's folder must exist (see :func:`ensure_folder`).
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if not path.parent.is_dir():
        raise KzgeoIOError(path, f"cannot write: the folder {path.parent} does not exist")
    try:
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


@contextmanager
def replaced_directory(target: str | Path, *, overwrite: bool, marker: str) -> Iterator[Path]:
    """Build a whole directory in a staging folder beside ``target``, then swap it in.

    Yields the staging folder. When the block succeeds, the previous ``target``
    (if any) is replaced in two renames; when it fails, the staging folder is
    removed and ``target`` is left exactly as it was. A non-empty ``target`` is
    replaced only with ``overwrite`` and only if it holds ``marker`` (a file a
    previous run wrote), so an unrelated folder is never deleted.
    """
    target = Path(target)
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise OutputExistsError(f"{target}: an export already exists there; pass --overwrite to replace it")
        if not (target / marker).exists():
            raise OutputExistsError(f"{target}: the folder is not empty and holds no {marker}; refusing to replace it")
    elif target.exists() and not target.is_dir():
        raise OutputExistsError(f"{target}: exists and is not a folder")
    if not target.parent.is_dir():
        raise KzgeoIOError(target, f"cannot create this folder: {target.parent} does not exist (kzgeo creates only the last folder of an output path)")
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        os.chmod(stage, 0o777 & ~_umask())
        yield stage
        previous = stage.with_name(stage.name + ".old")
        if target.exists():
            os.rename(target, previous)
        try:
            os.rename(stage, target)
        except BaseException:
            if previous.exists():
                os.rename(previous, target)
            raise
        shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)

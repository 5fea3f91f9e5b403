"""Write outputs atomically: to a temporary file beside the target, then rename.

A build that fails part-way therefore leaves the previous output untouched,
and a reader never sees a half-written file; a whole export folder is staged
beside its target and swapped in the same way. Operating-system failures (no
permission, a full disk, a file where the output directory should be) come
out of :func:`write_atomic` as :class:`~kzgeo.errors.KzgeoIOError` naming the output, so the CLI
reports them as a clean ``Error:`` line.

Several files that belong together (the pages of one build) are written as a
set by :func:`write_set`: all of them are staged and synced first, then a
commit record is written, then they are renamed into place. A failure before
the commit record (a full disk, an error, a kill) leaves every previous file
byte for byte; a kill after it is rolled forward by the next run, which
completes the set. Each temporary file or staging folder is locked
(``flock``) by the process writing it, so the next run removes what a killed
run left behind -- and only that, never a concurrent run's work in progress.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from kzgeo.errors import KzgeoIOError, OutputExistsError

#: Staging folders of :func:`write_set` start with this (hidden, and named for kzgeo).
STAGE_PREFIX = ".kzgeo-stage-"
#: The commit record in a staging folder: the names of the files of the set.
COMMIT_RECORD = "kzgeo-commit.json"


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


def _locked(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _abandoned(path: Path) -> int | None:
    """An open, locked descriptor of ``path`` if no live process holds it, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    if _locked(fd):
        return fd
    os.close(fd)
    return None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, payload: bytes) -> None:
    """Create ``path`` (it must not exist) holding ``payload``, synced to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary files a killed :func:`write_atomic` of ``path`` left beside it.

    A temporary file still locked by a live writer is left alone.
    """
    path = Path(path)
    removed = []
    if not path.parent.is_dir():
        return removed
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        if tmp.is_file() and not tmp.is_symlink() and (fd := _abandoned(tmp)) is not None:
            try:
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
            finally:
                os.close(fd)
    return removed


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` in one step; on any error the old file stays.

    Temporary files that an earlier, killed write of ``path`` left behind are
    removed first.
    The file's folder must exist (see :func:`ensure_folder`).
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if not path.parent.is_dir():
        raise KzgeoIOError(path, f"cannot write: the folder {path.parent} does not exist")
    try:
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        raise KzgeoIOError(path, f"cannot write here ({exc.strerror or exc})") from None
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, KzgeoIOError):
            raise KzgeoIOError(path, f"cannot write ({exc.strerror or exc}); the previous file is unchanged") from None
        raise
    finally:
        os.close(fd)
    return path


def _roll_forward(stage: Path, directory: Path) -> None:
    """Move every file a committed stage still holds into ``directory``, then remove the stage."""
    names = json.loads((stage / COMMIT_RECORD).read_text(encoding="utf-8"))
    for name in names:
        if (stage / name).exists():
            os.replace(stage / name, directory / name)
    _fsync_dir(directory)
    shutil.rmtree(stage, ignore_errors=True)


def recover(directory: str | Path) -> list[Path]:
    """Finish or discard what killed runs of :func:`write_set` left in ``directory``.

    A staging folder with a commit record is rolled forward (its set was
    complete), one without is removed (the previous files were never
    touched); a folder a live run holds is left alone. Returns the folders
    dealt with.
    """
    directory = Path(directory)
    done = []
    if not directory.is_dir():
        return done
    for stage in sorted(directory.glob(f"{STAGE_PREFIX}*")):
        if not stage.is_dir() or stage.is_symlink() or (fd := _abandoned(stage)) is None:
            continue
        try:
            if (stage / COMMIT_RECORD).is_file():
                _roll_forward(stage, directory)
            else:
                shutil.rmtree(stage, ignore_errors=True)
            done.append(stage)
        finally:
            os.close(fd)
    return done


def write_set(directory: str | Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``files`` (name -> content) into ``directory`` as one set: all of them, or none.

    Every file is written and synced in a staging folder inside ``directory``
    first; only then is a commit record written and the files renamed into
    place. A full disk or any error while staging removes the stage and leaves
    the previous files byte-identical; a kill after the commit record is
    completed by the next call (:func:`recover`), which also removes stages
    that were never committed.
    """
    directory = Path(directory)
    names = list(files)
    for name in names:
        if Path(name).name != name or name.startswith(".") or name in ("", COMMIT_RECORD):
            raise KzgeoIOError(directory / name, "not a plain file name; refusing to write it")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        recover(directory)
        for name in names:  # single files a killed write_atomic left
            remove_stale_temporaries(directory / name)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, suffix=".tmp", dir=directory))
        lock = os.open(stage, os.O_RDONLY)
        fcntl.flock(lock, fcntl.LOCK_EX)
    except OSError as exc:
        raise KzgeoIOError(directory, f"cannot write here ({exc.strerror or exc})") from None
    try:
        current = directory
        try:
            for name in names:
                current = directory / name
                if current.is_dir() and not current.is_symlink():
                    raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
                content = files[name]
                _write_file(stage / name, content.encode("utf-8") if isinstance(content, str) else content)
            current = directory
            _fsync_dir(stage)
            # The commit record appears whole or not at all: written aside, then renamed.
            _write_file(stage / f"{COMMIT_RECORD}.tmp", json.dumps(names).encode("utf-8"))
            os.replace(stage / f"{COMMIT_RECORD}.tmp", stage / COMMIT_RECORD)
            _fsync_dir(stage)
        except BaseException as exc:
            shutil.rmtree(stage, ignore_errors=True)
            if isinstance(exc, OSError):
                raise KzgeoIOError(current, f"cannot write ({exc.strerror or exc}); the previous files are unchanged") from None
            raise
        try:
            _roll_forward(stage, directory)
        except OSError as exc:
            raise KzgeoIOError(directory, f"cannot move the new files into place ({exc.strerror or exc}); the next build completes them") from None
    finally:
        os.close(lock)
    return [directory / name for name in names]


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
    if not target.parent.is_dir():
        raise KzgeoIOError(target, f"cannot create this folder: {target.parent} does not exist (kzgeo creates only the last folder of an output path)")
    # One replacement of a folder at a time: the lock is on the parent folder, so nothing is left beside the output.
    lock = os.open(target.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        recover_killed_replacement(target)
        if target.is_dir() and any(target.iterdir()):
            if not overwrite:
                raise OutputExistsError(f"{target}: an export already exists there; pass --overwrite to replace it")
            if not (target / marker).exists():
                raise OutputExistsError(f"{target}: the folder is not empty and holds no {marker}; refusing to replace it")
        elif target.exists() and not target.is_dir():
            raise OutputExistsError(f"{target}: exists and is not a folder")
        yield from _replace(target)
    finally:
        os.close(lock)


def recover_killed_replacement(target: Path) -> None:
    """Undo what a killed replacement of ``target`` left beside it (:func:`replaced_directory` holds the lock).

    Killed between its two renames, a replacement leaves no ``target`` but the
    previous one as ``.NAME.*.tmp.old``: it is put back. Staging folders and
    previous copies left after a kill at any other moment are removed.
    """
    olds = sorted(target.parent.glob(f".{target.name}.*.tmp.old"))
    if not target.exists() and len(olds) == 1 and olds[0].is_dir() and not olds[0].is_symlink():
        os.rename(olds[0], target)
    for stale in [*target.parent.glob(f".{target.name}.*.tmp"), *target.parent.glob(f".{target.name}.*.tmp.old")]:
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def _replace(target: Path) -> Iterator[Path]:
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

"""Outputs are replaced whole or not at all: a failed build leaves the previous map byte-for-byte."""

from __future__ import annotations

import errno
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kzgeo
import kzgeo.io.atomic
from kzgeo.io.atomic import write_atomic
from kzgeo.errors import KzgeoError, KzgeoIOError

from hostile import assert_refused, cli, set_cell


@pytest.fixture
def previous_map(layers_dir, tmp_path) -> tuple[Path, bytes]:
    """A map built from the fixture, and the layers edited so a rebuild would differ."""
    out = tmp_path / "maps"
    assert_built(cli("build", "--layers", layers_dir, "--out", out, "--maps", out))
    path = out / "overview.html"
    set_cell(layers_dir / "nodes.csv", "aktau", "name_en", "Aktau (renamed)")
    return path, path.read_bytes()


def assert_built(result) -> None:
    assert result.exit_code == 0, result.output


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "overview.html")


class _HalfWriter:
    """A file handle that writes half of what it is given, then fails like a full disk."""

    def __init__(self, handle, error: BaseException):
        self.handle, self.error = handle, error

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise self.error

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()], ids=["disk full", "Ctrl-C"])
def test_build_killed_while_writing_keeps_previous_map(layers_dir, previous_map, monkeypatch, error):
    path, before = previous_map
    written: list[Path] = []
    real_fdopen = os.fdopen

    def half_fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        return _HalfWriter(handle, error) if "w" in mode else handle

    def watch_temp(*args, **kwargs):
        fd, tmp = real_mkstemp(*args, **kwargs)
        written.append(Path(tmp))
        return fd, tmp

    real_mkstemp = kzgeo.io.atomic.tempfile.mkstemp
    monkeypatch.setattr(kzgeo.io.atomic.os, "fdopen", half_fdopen)
    monkeypatch.setattr(kzgeo.io.atomic.tempfile, "mkstemp", watch_temp)
    if isinstance(error, OSError):
        result = cli("build", "--layers", layers_dir, "--out", path.parent, "--maps", path.parent)
        assert_refused(result, f"Error: {path}: cannot write (No space left on device); the previous file is unchanged")
    else:
        with pytest.raises(KeyboardInterrupt):
            kzgeo.build(layers_dir, path.parent, maps_dir=path.parent)
    temp = next(p for p in written if p.name.startswith(".overview.html."))
    assert temp.parent == path.parent  # the half-written file lay beside the target ...
    assert not temp.exists()  # ... and is gone
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []


def test_failure_while_rendering_keeps_previous_map(layers_dir, previous_map, monkeypatch):
    path, before = previous_map

    def broken_render(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(importlib.import_module("kzgeo.publish"), "render_spec", broken_render)
    with pytest.raises(RuntimeError):
        kzgeo.build(layers_dir, path.parent, maps_dir=path.parent)
    assert path.read_bytes() == before and leftovers(path.parent) == []


def test_invalid_layers_keep_previous_map(layers_dir, previous_map):
    path, before = previous_map
    set_cell(layers_dir / "nodes.csv", "aktau", "kind", "harbour")
    assert_refused(cli("build", "--layers", layers_dir, "--out", path.parent, "--maps", path.parent), 'Error: nodes.csv: row 2 (id "aktau"): field kind:')
    assert path.read_bytes() == before and leftovers(path.parent) == []


def test_successful_rebuild_replaces_the_map(layers_dir, previous_map):
    path, before = previous_map
    assert_built(cli("build", "--layers", layers_dir, "--out", path.parent, "--maps", path.parent))
    assert path.read_bytes() != before and b"Aktau (renamed)" in path.read_bytes()
    assert leftovers(path.parent) == []


def test_target_that_is_a_directory(layers_dir, tmp_path):
    (tmp_path / "maps" / "overview.html" / "keep").mkdir(parents=True)
    result = cli("build", "--layers", layers_dir, "--out", tmp_path / "maps", "--maps", tmp_path / "maps")
    assert_refused(result, f"Error: {tmp_path / 'maps' / 'overview.html'}: cannot write", "Is a directory", "previous file is unchanged")
    assert (tmp_path / "maps" / "overview.html" / "keep").is_dir()
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == ["overview.html"]


def test_output_directory_under_a_file(layers_dir, tmp_path):
    (tmp_path / "maps").write_text("not a directory", encoding="utf-8")
    result = cli("build", "--layers", layers_dir, "--out", tmp_path / "maps" / "sub", "--maps", tmp_path / "maps" / "sub")
    # Refused before anything is rendered, naming the folder that cannot be made and why.
    assert_refused(result, f"Error: {tmp_path / 'maps' / 'sub'}: cannot create this folder", "is a file, not a folder")


def test_permission_denied_on_output_directory_in_a_real_process(layers_dir):
    """/sys refuses new files even to root, so the kernel really says no here."""
    proc = subprocess.run(
        [sys.executable, "-m", "kzgeo", "build", "--layers", str(layers_dir), "--out", "/sys", "--maps", "/sys"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["Error: /sys/overview.html: cannot write here (Permission denied)"]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_io_error_is_both_kzgeo_and_os_error(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(KzgeoIOError) as caught:
        write_atomic(tmp_path / "file" / "out.html", "<p>")
    assert isinstance(caught.value, KzgeoError) and isinstance(caught.value, OSError)
    assert caught.value.path == str(tmp_path / "file" / "out.html")

"""Outputs are replaced whole or not at all: a failed build leaves the previous map byte-for-byte."""

from __future__ import annotations

import errno
import fcntl
import importlib
import json
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


def fill_disk_after(monkeypatch, folder: Path, budget: int, error: BaseException | None = None) -> list[Path]:
    """Make writes to files under ``folder`` fail like a full disk once ``budget`` bytes are written.

    The write that crosses the budget writes what fits, then raises ENOSPC
    (or ``error``), as the kernel does. Writes elsewhere are untouched. Returns
    the list of files written to, filled in as they are.
    """
    real_write = os.write
    state = {"left": budget}
    touched: list[Path] = []

    def write(fd, data):
        try:
            where = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return real_write(fd, data)
        if folder not in where.parents:
            return real_write(fd, data)
        touched.append(where)
        if len(data) <= state["left"]:
            state["left"] -= len(data)
            return real_write(fd, data)
        if state["left"]:
            real_write(fd, bytes(data[: state["left"]]))
            state["left"] = 0
        raise error or OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(kzgeo.io.atomic.os, "write", write)
    return touched


def two_specs(folder: Path) -> Path:
    """A maps folder with two specs, so a build writes three pages (with the overview)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "deposits.toml").write_text('title = "Deposits only"\nlayers = ["deposits"]\n', encoding="utf-8")
    (folder / "nodes.toml").write_text('title = "Nodes only"\nlayers = ["nodes"]\n', encoding="utf-8")
    return folder


@pytest.fixture
def previous_set(layers_dir, tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """Three pages built from the fixture (two specs and the overview), then the layers edited."""
    specs, out = two_specs(tmp_path / "specs"), tmp_path / "maps"
    assert_built(cli("build", "--layers", layers_dir, "--out", out, "--maps", specs))
    set_cell(layers_dir / "nodes.csv", "aktau", "name_en", "Aktau (renamed)")
    return specs, out, {p.name: p.read_bytes() for p in out.iterdir()}


def pages_of(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


@pytest.mark.parametrize("page", [0, 1, 2], ids=["first page", "second page", "third page"])
def test_disk_full_during_a_multi_page_build_keeps_every_previous_page(layers_dir, previous_set, monkeypatch, page):
    specs, out, before = previous_set
    assert sorted(before) == ["deposits.html", "nodes.html", "overview.html"]
    sizes = sorted(len(b) for b in before.values())
    # The disk fills part-way through the first, second or third page staged.
    touched = fill_disk_after(monkeypatch, out, sum(sizes[:page]) + 1000)
    result = cli("build", "--layers", layers_dir, "--out", out, "--maps", specs)
    line = assert_refused(result, f"Error: {out}/", "cannot write (No space left on device); the previous files are unchanged")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert touched and all(out in p.parents for p in touched)
    assert pages_of(out) == before  # byte for byte, and nothing staged is left
    assert line.split(": cannot")[0].rsplit("/", 1)[1] in before


def test_ctrl_c_during_a_build_keeps_every_previous_page(layers_dir, previous_set, monkeypatch):
    specs, out, before = previous_set
    fill_disk_after(monkeypatch, out, 5000, error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        kzgeo.build(layers_dir, out, maps_dir=specs)
    assert pages_of(out) == before


def test_disk_full_while_writing_a_report_keeps_the_previous_report(layers_dir, tmp_path, monkeypatch):
    out = tmp_path / "reports" / "report.md"
    out.parent.mkdir()
    assert cli("report", "--layers", layers_dir, "--out", out).exit_code == 0
    before = out.read_bytes()
    set_cell(layers_dir / "nodes.csv", "aktau", "name_en", "Aktau (renamed)")
    fill_disk_after(monkeypatch, out.parent, 100)
    result = cli("report", "--layers", layers_dir, "--out", out)
    assert_refused(result, f"Error: {out}: cannot write (No space left on device); the previous file is unchanged")
    assert out.read_bytes() == before and sorted(p.name for p in out.parent.iterdir()) == ["report.md"]


def _killpoints(mode: str, old: Path, new: Path, work: Path) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("killpoints.py")), mode, str(old), str(new), str(work)],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_kill_9_at_any_step_of_a_build_leaves_the_old_or_the_new_set(layers_dir, previous_set, tmp_path):
    specs, out, before = previous_set
    new = tmp_path / "new"
    kzgeo.build(layers_dir, new, maps_dir=specs)
    assert pages_of(new) != before
    runs = _killpoints("set", out, new, tmp_path / "killed")
    assert runs[-1]["killed"] is False and all(r["killed"] for r in runs[:-1])
    assert len(runs) > 10  # every write, sync and rename of three pages was a place to die
    for run in runs:
        # After the next run's clean-up: every page old, or every page new; nothing else left.
        assert set(run["pages"].values()) in ({"old"}, {"new"}), run
        assert run["leftover"] == [], run
    outcomes = [next(iter(set(r["pages"].values()))) for r in runs]
    # Killed before the commit record: the old set; after it: the set is completed.
    assert outcomes[0] == "old" and outcomes[-1] == "new"
    assert outcomes == sorted(outcomes, key=["old", "new"].index)


def test_kill_9_at_any_step_of_a_report_leaves_the_old_or_the_new_file(layers_dir, tmp_path):
    old, new = tmp_path / "old" / "report.md", tmp_path / "new" / "report.md"
    old.parent.mkdir(), new.parent.mkdir()
    kzgeo.report(layers_dir, out=old)
    set_cell(layers_dir / "deposits.csv", "upper-kairakty", "name_en", "Upper Kairakty (renamed)")
    kzgeo.report(layers_dir, out=new)
    assert old.read_bytes() != new.read_bytes()
    runs = _killpoints("file", old, new, tmp_path / "killed")
    assert runs[-1]["killed"] is False and len(runs) > 3
    for run in runs:
        assert run["pages"]["report.md"] in ("old", "new") and run["leftover"] == [], run
    assert runs[0]["pages"]["report.md"] == "old" and runs[-1]["pages"]["report.md"] == "new"


def test_next_build_removes_what_a_killed_build_left_but_not_a_live_one(layers_dir, previous_set):
    specs, out, before = previous_set
    stale_stage = out / ".kzgeo-stage-killed.tmp"
    stale_stage.mkdir()
    (stale_stage / "overview.html").write_bytes(b"half a page")
    stale_temp = out / ".overview.html.abcd1234.tmp"
    stale_temp.write_bytes(b"half a page")
    live = out / ".kzgeo-stage-live.tmp"
    live.mkdir()
    held = os.open(live, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # another build, still running, holds its stage
    try:
        assert_built(cli("build", "--layers", layers_dir, "--out", out, "--maps", specs))
        assert sorted(p.name for p in out.iterdir()) == [".kzgeo-stage-live.tmp", *sorted(before)]
    finally:
        os.close(held)
    assert b"Aktau (renamed)" in (out / "overview.html").read_bytes()
    assert_built(cli("build", "--layers", layers_dir, "--out", out, "--maps", specs))
    assert sorted(p.name for p in out.iterdir()) == sorted(before)


def test_a_committed_set_is_completed_by_the_next_run(layers_dir, previous_set):
    """Killed between two renames: the commit record says the set was whole, so the next run finishes it."""
    specs, out, before = previous_set
    stage = out / ".kzgeo-stage-killed.tmp"
    stage.mkdir()
    (stage / "nodes.html").write_bytes(b"new nodes page")
    (stage / "kzgeo-commit.json").write_text('["deposits.html", "nodes.html"]', encoding="utf-8")
    (out / "deposits.html").write_bytes(b"new deposits page")  # renamed before the kill
    assert kzgeo.io.atomic.recover(out) == [stage]
    assert pages_of(out) == {**before, "deposits.html": b"new deposits page", "nodes.html": b"new nodes page"}


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
    assert_refused(result, f"Error: {tmp_path / 'maps' / 'overview.html'}: cannot write (Is a directory); the previous files are unchanged")
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
    # The kernel says EACCES or EPERM depending on the call; either is its own word.
    assert proc.stderr.splitlines() in (["Error: /sys: cannot write here (Permission denied)"], ["Error: /sys: cannot write here (Operation not permitted)"])
    assert "Traceback" not in proc.stdout + proc.stderr


def test_io_error_is_both_kzgeo_and_os_error(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(KzgeoIOError) as caught:
        write_atomic(tmp_path / "file" / "out.html", "<p>")
    assert isinstance(caught.value, KzgeoError) and isinstance(caught.value, OSError)
    assert caught.value.path == str(tmp_path / "file" / "out.html")


def _tree(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_export_killed_between_its_renames_is_put_back_and_leftovers_removed(layers_dir, tmp_path):
    """kill -9 after the old export was moved aside, before the new one took its place: the next run restores it."""
    from kzgeo.cli import app
    from typer.testing import CliRunner

    out = tmp_path / "qgis"
    kzgeo.export(layers_dir, out)
    before = _tree(out)
    # What a kill between the two renames leaves: the old export moved aside, a staging folder beside it.
    out.rename(tmp_path / ".qgis.k1ll3d.tmp.old")
    (tmp_path / ".qgis.st4ge.tmp").mkdir()
    (tmp_path / ".qgis.st4ge.tmp" / "kzgeo.gpkg").write_bytes(b"half")
    result = CliRunner().invoke(app, ["export", "--layers", str(layers_dir), "--out", str(out)])
    assert result.exit_code == 1 and "pass --overwrite" in result.output, result.output
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".qgis")) == []


def test_an_export_killed_while_staging_leaves_the_old_one_and_the_next_run_cleans_up(layers_dir, tmp_path):
    out = tmp_path / "qgis"
    kzgeo.export(layers_dir, out)
    (tmp_path / ".qgis.st4ge.tmp").mkdir()
    (tmp_path / ".qgis.prev.tmp.old").mkdir()
    kzgeo.export(layers_dir, out, overwrite=True)
    assert (out / "kzgeo.gpkg").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".qgis")) == []

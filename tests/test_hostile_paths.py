"""Paths and sizes: catalog entries that leave the layers directory, odd files, huge files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

import kzgeo
from kzgeo.catalog import read_catalog
from kzgeo.errors import CatalogError

from hostile import assert_refused, cli, validate

HUGE = 200 * 2**20
#: Over the default cap on layer files (512 MiB), which admits a million-row cadastre.
HUGER = 600 * 2**20


def _point_catalog_at(layers: Path, old: str, new: str) -> None:
    path = layers / "catalog.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("../deposits.geojson", "points outside the layers directory"),
        ("../../../etc/passwd", "points outside the layers directory"),
        ("sub/../../deposits.geojson", "points outside the layers directory"),
        ("/etc/passwd", "points outside the layers directory"),
        ("", "a file name is required"),
    ],
)
def test_catalog_paths_outside_are_refused(layers_dir, entry, reason):
    _point_catalog_at(layers_dir, 'geometry = "deposits.geojson"', f'geometry = "{entry}"')
    shutil.copy(layers_dir / "deposits.geojson", layers_dir.parent / "deposits.geojson")
    line = assert_refused(validate(layers_dir), "Error: catalog.toml [layers.deposits]: geometry: ", reason)
    assert entry in line


def test_symlink_to_a_file_outside_is_refused(layers_dir, tmp_path):
    outside = tmp_path / "elsewhere.geojson"
    shutil.move(layers_dir / "deposits.geojson", outside)
    (layers_dir / "deposits.geojson").symlink_to(outside)
    assert_refused(validate(layers_dir), "Error: catalog.toml [layers.deposits]: geometry: 'deposits.geojson' resolves outside the layers directory")


def test_symlinked_directory_leading_outside_is_refused(layers_dir, tmp_path):
    (tmp_path / "outside").mkdir()
    shutil.move(layers_dir / "nodes.csv", tmp_path / "outside" / "nodes.csv")
    (layers_dir / "sub").symlink_to(tmp_path / "outside", target_is_directory=True)
    _point_catalog_at(layers_dir, 'attributes = "nodes.csv"', 'attributes = "sub/nodes.csv"')
    assert_refused(validate(layers_dir), "Error: catalog.toml [layers.nodes]: attributes: 'sub/nodes.csv' resolves outside the layers directory")


def test_symlink_inside_is_refused_too(layers_dir):
    shutil.move(layers_dir / "sources.csv", layers_dir / "real-sources.csv")
    (layers_dir / "sources.csv").symlink_to("real-sources.csv")
    assert_refused(validate(layers_dir), "Error: catalog.toml [tables.sources]: file: 'sources.csv' is a symbolic link")


def test_catalog_path_checks_every_name_it_is_given(layers_dir):
    """``Catalog.path`` is safe on its own, not only for names read from catalog.toml."""
    catalog = read_catalog(layers_dir)
    assert catalog.path("nodes.csv") == layers_dir / "nodes.csv"
    for name in ("../catalog.toml", "/etc/passwd"):
        with pytest.raises(CatalogError, match="points outside the layers directory"):
            catalog.path(name)


def test_layer_file_that_is_a_directory(layers_dir):
    (layers_dir / "deposits.csv").unlink()
    (layers_dir / "deposits.csv").mkdir()
    assert_refused(validate(layers_dir), "Error: deposits.csv: is a directory, not a regular file")


def test_layer_file_that_is_a_named_pipe_does_not_hang(layers_dir):
    (layers_dir / "nodes.geojson").unlink()
    os.mkfifo(layers_dir / "nodes.geojson")
    assert_refused(validate(layers_dir), "Error: nodes.geojson: is a pipe, socket or device, not a regular file")


def test_missing_layer_file(layers_dir):
    (layers_dir / "routes.csv").unlink()
    assert_refused(validate(layers_dir), "Error: routes.csv: file not found")


#: Runs a command as root without the capabilities that let root ignore file permissions.
_WITHOUT_ROOT_OVERRIDES = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def test_unreadable_layer_file_in_a_real_process(layers_dir):
    """chmod 000 on a layer file: the command, denied by the kernel, says so by name."""
    (layers_dir / "deposits.csv").chmod(0o000)
    prefix = _WITHOUT_ROOT_OVERRIDES if os.geteuid() == 0 else []
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "kzgeo", "validate", "--layers", str(layers_dir)],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        (layers_dir / "deposits.csv").chmod(0o644)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.splitlines()[0] == "Error: deposits.csv: cannot be opened (Permission denied)"
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["deposits.geojson", "deposits.csv"])
def test_huge_sparse_file_is_refused_without_reading_it(layers_dir, name):
    path = layers_dir / name
    os.truncate(path, HUGER)
    assert path.stat().st_size == HUGER
    tracemalloc.start()
    try:
        result = validate(layers_dir)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_refused(result, f"Error: {name}: file is 600 MiB; kzgeo refuses input files over 512 MiB", "--max-input-mb", "max_input_mb")
    assert peak < 20 * 2**20, f"peak Python allocation {peak / 2**20:.0f} MiB"


def test_the_cap_is_set_per_dataset_and_per_run(layers_dir):
    """The catalog's max_input_mb lowers or raises the cap for its dataset; --max-input-mb overrides it for one run."""
    catalog = layers_dir / "catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("[catalog]\n", "[catalog]\nmax_input_mb = 0.0005\n", 1), encoding="utf-8")
    refused = validate(layers_dir)
    assert_refused(refused, "Error: deposits.csv: file is", "kzgeo refuses input files over 524 bytes")
    allowed = cli("--max-input-mb", "5", "validate", "--layers", str(layers_dir))
    assert allowed.exit_code == 0, allowed.output
    assert kzgeo.settings.max_input_mb is None  # the run's cap ends with the run
    lower = cli("--max-input-mb", "0.0003", "validate", "--layers", str(layers_dir))
    assert_refused(lower, "Error: deposits.csv: file is", "kzgeo refuses input files over 314 bytes")
    catalog.write_text(text.replace("[catalog]\n", "[catalog]\nmax_input_mb = -3\n", 1), encoding="utf-8")
    assert_refused(validate(layers_dir), "Error:", "max_input_mb must be a positive number")


def test_huge_catalog_is_refused(layers_dir):
    os.truncate(layers_dir / "catalog.toml", HUGE)
    result = validate(layers_dir)
    assert_refused(result, f"Error: {layers_dir / 'catalog.toml'}: file is 200 MiB; kzgeo refuses input files over 1 MiB")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a valid TOML file"), (b"[catalog\n", "not a valid TOML file"), (b"catalog = 5\n", "[catalog]: must be a table")],
)
def test_binary_or_malformed_catalog(layers_dir, content, reason):
    (layers_dir / "catalog.toml").write_bytes(content)
    assert_refused(validate(layers_dir), f"Error: {layers_dir / 'catalog.toml'}", reason)


def test_catalog_that_is_a_directory(layers_dir):
    (layers_dir / "catalog.toml").unlink()
    (layers_dir / "catalog.toml").mkdir()
    assert_refused(validate(layers_dir), f"Error: {layers_dir / 'catalog.toml'}: is a directory, not a regular file")


def test_layers_option_that_is_a_file(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    result = validate(tmp_path / "notes.txt")
    assert result.exit_code == 2 and "Usage:" in result.output


def test_good_layers_still_load_after_all_this(layers_dir):
    assert kzgeo.validate(layers_dir) == []


def test_directory_where_a_map_spec_should_be_is_an_error_line(layers_dir, tmp_path):
    """Map specs are read like every other input: a directory is named, not followed."""
    (tmp_path / "maps" / "evil.toml").mkdir(parents=True)
    assert_refused(
        cli("build", "--layers", layers_dir, "--out", tmp_path / "maps", "--maps", tmp_path / "maps"),
        f"Error: {tmp_path / 'maps' / 'evil.toml'}: is a directory, not a regular file",
    )

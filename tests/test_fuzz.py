"""A bounded fuzz run of the loaders: mutated layer files and catalogs never escape as a crash.

Each example takes a real fixture file and damages it (bytes replaced,
inserted, deleted, the file cut short) or rewrites one value of the catalog
with a value of another type. The run is fixed in size so CI time is known;
any exception other than :class:`~kzgeo.errors.KzgeoError` fails it.
Set ``KZGEO_FUZZ_EXAMPLES`` to run longer locally.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import kzgeo
from kzgeo.errors import KzgeoError

from conftest import FIXTURE_LAYERS, SHIPPED_LAYERS, copy_fixture_layers

FILES = sorted(p.name for p in FIXTURE_LAYERS.iterdir())
#: CI runs a fixed number of examples; set KZGEO_FUZZ_EXAMPLES for a longer local run.
FUZZ = settings(max_examples=int(os.environ.get("KZGEO_FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)

edit = st.tuples(st.floats(min_value=0, max_value=1), st.sampled_from(["replace", "insert", "delete", "truncate"]), st.binary(min_size=1, max_size=6))
interesting = st.sampled_from([b"\x00", b"\xff", b'"', b",", b";", b"\n", b"\r", b"[", b"]", b"{", b"}", b"NaN", b"1e999", b"-", b" ", b"\xef\xbb\xbf", b"{{"])


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> Path:
    return copy_fixture_layers(tmp_path_factory.mktemp("fuzz") / "layers")


def mutate(data: bytes, edits) -> bytes:
    for where, how, chunk in edits:
        at = int(where * len(data))
        if how == "replace":
            data = data[:at] + chunk + data[at + len(chunk) :]
        elif how == "insert":
            data = data[:at] + chunk + data[at:]
        elif how == "delete":
            data = data[:at] + data[at + len(chunk) :]
        else:
            data = data[:at]
    return data


def names_its_file(problem, layers: Path) -> bool:
    """A problem names an input file: one that is there, or -- "file not found" -- one that is not."""
    if not problem.message:
        return False
    if problem.message == "file not found":
        return not (layers / problem.file).exists()
    return (layers / problem.file).is_file()


def survives(layers: Path) -> str:
    """Loads and renders, or is refused; says which."""
    try:
        problems = kzgeo.validate(layers)
        if problems:
            assert all(names_its_file(p, layers) for p in problems), problems
            return "refused"
        kzgeo.render_map(kzgeo.read_layers(layers)).get_root().render()
    except KzgeoError:
        return "refused"
    return "rendered"


@FUZZ
@given(name=st.sampled_from(FILES), edits=st.lists(edit | st.tuples(st.floats(0, 1), st.just("insert"), interesting), min_size=1, max_size=5))
def test_damaged_layer_files(layers, name, edits):
    original = (FIXTURE_LAYERS / name).read_bytes()
    (layers / name).write_bytes(mutate(original, edits))
    try:
        survives(layers)
    finally:
        (layers / name).write_bytes(original)


def _toml_value(value) -> str:
    """A value as TOML text (inline tables and arrays), enough for the catalog."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _toml(doc: dict) -> str:
    return "\n".join(f"{json.dumps(key)} = {_toml_value(value)}" for key, value in doc.items()) + "\n"


def _leaves(doc, path=()):
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield path + (key,)
            yield from _leaves(value, path + (key,))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield path + (index,)
            yield from _leaves(value, path + (index,))


CATALOG = tomllib.loads((SHIPPED_LAYERS / "catalog.toml").read_text(encoding="utf-8"))
PATHS = list(_leaves(CATALOG))
toml_values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=10) | st.sampled_from(["id", "sources", "deposits", "nodes.csv", "../x", "Point", "str", "refs"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["type", "to", "values", "required", "by", "x"]), inner, max_size=3),
    max_leaves=6,
)


@FUZZ
# Once failed CI on a fresh clone: the catalog names a file that is not there, and the
# old oracle wanted every problem to name a file that exists.
@example(changes=[(("layers", "nodes", "attributes"), "a")])
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), toml_values | st.none()), min_size=1, max_size=3))
def test_damaged_catalog(layers, changes):
    doc = json.loads(json.dumps(CATALOG))
    for path, value in changes:
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            if value is None:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this path
    (layers / "catalog.toml").write_text(_toml(doc), encoding="utf-8")
    try:
        survives(layers)
    finally:
        shutil.copy(SHIPPED_LAYERS / "catalog.toml", layers / "catalog.toml")

"""The package's shape: rooms by job, imports only downwards, no cycle, a stable facade."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import kzgeo

from conftest import ROOT

PACKAGE = ROOT / "kzgeo"
#: Each module's room, lowest first: a module may import from its own room and
#: the rooms before it, never after (DESIGN.md draws the same order).
ROOMS = [
    ("errors", "settings", "schema"),
    ("io.files", "io.atomic", "io"),
    ("catalog",),
    ("io.readers", "io.columns", "io.columnar"),
    ("geography", "citations", "figures"),
    ("dataset", "selection"),
    ("style", "labels", "formats", "text", "backdrop", "places", "provenance"),
    ("analysis",),
    ("spec",),
    ("html", "printmap", "qgis"),
    ("publish", "report", "route_report", "convert"),
    ("cli", "__init__", "__main__"),
]
#: What the facade exports; changing it breaks users' scripts.
PUBLIC = [
    "ArgumentError", "CrsError", "MapArgumentError", "OfflineAssetError",
    "Catalog", "CatalogError", "Dataset", "ExportError", "KzgeoError", "KzgeoIOError", "KzgeoWarning", "LayersInvalid",
    "MapSpec", "MapSpecError", "Network", "OutputExistsError", "Problem", "Route", "RouteError", "TranslationWarning", "build", "convert",
    "deposit_proximity",
    "deposits_near", "export", "find_route", "geodesy", "leg_lengths", "list_layers", "read_catalog", "read_layers",
    "read_map_spec", "render_map", "render_spec", "report", "route", "route_lengths", "to_market", "validate",
    "import_export", "ImportResult",
]  # fmt: skip


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """kzgeo module -> the kzgeo modules it imports (at any depth of the file, lazily or not)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kzgeo"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("kzgeo")}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _room(module: str) -> int:
    """The room of a module: its own entry (``io.readers``) if it has one, else its subpackage's."""
    parts = module.split(".")[1:] or ["__init__"]
    for key in (".".join(parts), parts[0]):
        for i, names in enumerate(ROOMS):
            if key in names:
                return i
    raise AssertionError(f"{module} has no room in ROOMS")


def test_every_module_has_a_room():
    for module in _imports():
        _room(module)


def test_no_import_cycle():
    graph = _imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(nxt) :] + [nxt]) if nxt in path else f"{node} -> {nxt}")
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_imports_only_go_down():
    wrong = [
        f"{a} imports {b}"
        for a, targets in _imports().items()
        for b in targets
        if b != "kzgeo" and _room(b) > _room(a) and not b.startswith(f"{a}.")
    ]
    assert not wrong, wrong


def test_only_the_builders_and_the_facade_import_html():
    importers = {a for a, targets in _imports().items() for b in targets if b.startswith("kzgeo.html") and not a.startswith("kzgeo.html")}
    assert importers <= {"kzgeo", "kzgeo.publish"}, importers


@pytest.mark.parametrize("module", ["kzgeo.io.readers", "kzgeo.spec", "kzgeo.html.fastlayer", "kzgeo.qgis.export", "kzgeo.analysis.measures", "kzgeo.report"])
def test_a_room_imports_first(module):
    """A fresh interpreter can import a room's module before anything else (no order-dependent import)."""
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{module}: {result.stderr}"


def test_public_api_is_unchanged():
    assert sorted(kzgeo.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(kzgeo, name) is not None


def test_import_kzgeo_report_gives_the_module_and_it_stays_callable():
    module = importlib.import_module("kzgeo.report")
    import kzgeo.report as imported

    assert imported is module and inspect.ismodule(imported)
    assert callable(kzgeo.report) and hasattr(kzgeo.report, "to_markdown")
    assert list(inspect.signature(kzgeo.report).parameters) == ["layers_dir", "format", "out", "within_km"]

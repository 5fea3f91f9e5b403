"""What layers exist: files, keys, field types, geometry types and styles.

The catalog (``layers/catalog.toml``) is the single declaration of the data.
Everything else -- loading, validation, styling, export -- reads it, so that
better data can be dropped in by replacing a file and, at most, a line here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kzgeo.errors import CatalogError

CATALOG_NAME = "catalog.toml"
FIELD_TYPES = frozenset({"str", "int", "float", "date", "url", "enum", "ref", "refs"})
GEOMETRY_TYPES = frozenset({"Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString"})


@dataclass(frozen=True)
class FieldSpec:
    """One attribute column and the rule its values obey."""

    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class StyleSpec:
    """How a layer is coloured (and, for lines, dashed); shared by HTML and QGIS."""

    by: str
    colors: dict[str, str]
    dash_by: str | None = None
    dashes: dict[str, str] = field(default_factory=dict)
    radius: float = 6


@dataclass(frozen=True)
class TableSpec:
    """A CSV table keyed on ``key``; a layer is a table joined to a GeoJSON file."""

    name: str
    title: str
    abstract: str
    attributes: str
    key: str
    fields: tuple[FieldSpec, ...]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class LayerSpec(TableSpec):
    """A geometry file joined with its attribute table on ``key``."""

    geometry: str = ""
    geometry_type: str = "Point"
    name_field: str = "name_en"
    style: StyleSpec | None = None


@dataclass(frozen=True)
class Catalog:
    """The parsed catalog of one layers directory."""

    root: Path
    title: str
    bounds: tuple[float, float, float, float]
    sources_table: str
    layers: dict[str, LayerSpec]
    tables: dict[str, TableSpec]

    def path(self, relative: str) -> Path:
        """Absolute path of a file the catalog names (checked to stay inside root)."""
        return self.root / relative

    @property
    def all_tables(self) -> dict[str, TableSpec]:
        """Layers and plain tables together: everything a reference may point at."""
        return {**self.layers, **self.tables}


def _fields(where: str, raw: dict) -> tuple[FieldSpec, ...]:
    specs = []
    for name, rule in raw.items():
        if not isinstance(rule, dict) or rule.get("type") not in FIELD_TYPES:
            raise CatalogError(f"{where}: field {name!r} needs a type, one of {sorted(FIELD_TYPES)}")
        specs.append(
            FieldSpec(
                name=name,
                type=rule["type"],
                required=bool(rule.get("required", False)),
                values=tuple(rule.get("values", ())),
                to=tuple(rule.get("to", ())),
            )
        )
    return tuple(specs)


def _relative_file(root: Path, where: str, name: object) -> str:
    """Refuse catalog paths that leave the layers directory (``../``, absolute, symlinks)."""
    if not isinstance(name, str) or not name:
        raise CatalogError(f"{where}: a file name is required")
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise CatalogError(f"{where}: {name!r} points outside the layers directory")
    resolved = (root / candidate).resolve()
    if root.resolve() not in resolved.parents:
        raise CatalogError(f"{where}: {name!r} resolves outside the layers directory")
    if (root / candidate).is_symlink():
        raise CatalogError(f"{where}: {name!r} is a symbolic link; copy the file in instead")
    return name


def _table(root: Path, kind: str, name: str, raw: dict, file_key: str) -> dict:
    where = f"{CATALOG_NAME} [{kind}.{name}]"
    try:
        common = dict(
            name=name,
            title=str(raw.get("title", name)),
            abstract=str(raw.get("abstract", "")),
            attributes=_relative_file(root, where, raw.get(file_key)),
            key=str(raw.get("key", "id")),
            fields=_fields(where, raw.get("fields", {})),
        )
    except (TypeError, AttributeError) as exc:
        raise CatalogError(f"{where}: malformed entry ({exc})") from None
    if common["key"] not in [f.name for f in common["fields"]]:
        raise CatalogError(f"{where}: key {common['key']!r} is not among its fields")
    return common


def read_catalog(layers_dir: str | Path) -> Catalog:
    """Parse ``catalog.toml`` in ``layers_dir`` into a :class:`Catalog`.

    Raises :class:`CatalogError` naming the file and entry when the catalog is
    missing, is not TOML, or declares something inconsistent.
    """
    root = Path(layers_dir)
    path = root / CATALOG_NAME
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: no layer catalog here (is {root} a kzgeo layers directory?)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not a valid TOML file ({exc})") from None

    head = raw.get("catalog", {})
    layers: dict[str, LayerSpec] = {}
    for name, entry in raw.get("layers", {}).items():
        where = f"{CATALOG_NAME} [layers.{name}]"
        common = _table(root, "layers", name, entry, "attributes")
        gtype = entry.get("geometry_type")
        if gtype not in GEOMETRY_TYPES:
            raise CatalogError(f"{where}: geometry_type must be one of {sorted(GEOMETRY_TYPES)}")
        style = entry.get("style")
        layers[name] = LayerSpec(
            **common,
            geometry=_relative_file(root, where, entry.get("geometry")),
            geometry_type=gtype,
            name_field=str(entry.get("name_field", common["key"])),
            style=StyleSpec(
                by=style["by"],
                colors=dict(style.get("colors", {})),
                dash_by=style.get("dash_by"),
                dashes=dict(style.get("dashes", {})),
                radius=float(style.get("radius", 6)),
            )
            if style
            else None,
        )
    tables = {
        name: TableSpec(**_table(root, "tables", name, entry, "file"))
        for name, entry in raw.get("tables", {}).items()
    }
    sources_table = str(head.get("sources_table", "sources"))
    if sources_table not in tables:
        raise CatalogError(f"{path}: sources_table {sources_table!r} is not declared under [tables]")
    bounds = head.get("bounds", [-180, -90, 180, 90])
    if not (isinstance(bounds, list) and len(bounds) == 4):
        raise CatalogError(f"{path}: bounds must be [lon_min, lat_min, lon_max, lat_max]")
    known = {**layers, **tables}
    for spec in known.values():
        cites = next((f for f in spec.fields if f.name == "sources"), None)
        if spec.name != sources_table and not (cites and cites.type == "refs" and cites.to == (sources_table,) and cites.required):
            raise CatalogError(f"{path}: {spec.name} needs a required field `sources` of type refs to {sources_table!r}")
    for spec in known.values():
        for f in spec.fields:
            missing = [t for t in f.to if t not in known]
            if missing:
                raise CatalogError(f"{path}: {spec.name}.{f.name} refers to unknown table(s) {missing}")
    return Catalog(
        root=root,
        title=str(head.get("title", "kzgeo map")),
        bounds=tuple(float(b) for b in bounds),
        sources_table=sources_table,
        layers=layers,
        tables=tables,
    )

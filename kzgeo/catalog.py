"""What layers exist: files, keys, roles, field types, geometry types and styles.

The catalog (``layers/catalog.toml``) is the single declaration of the data.
Everything else -- loading, validation, styling, export, analysis -- reads it,
so that better data can be dropped in by replacing a file and, at most, a line
here. The code never names a layer, table or field of a dataset: it asks the
catalog which layer plays a *role* (:data:`TABLE_ROLES`: the deposits, the
corridor legs, the sources...) and which field of it plays a field role (the
legs' ``from`` and ``to`` nodes, a row's ``sources``...), and which fields hold
names in which language. Rename every layer, table and field consistently and
kzgeo works as before.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from kzgeo import schema, settings
from kzgeo.errors import CatalogError, KzgeoIOError
from kzgeo.io.files import read_capped
from kzgeo.schema import TEMPLATE_MARKER, text_problem  # noqa: F401  (readers and older callers import them from here)

CATALOG_NAME = "catalog.toml"
FIELD_TYPES = frozenset({"str", "int", "float", "date", "url", "enum", "ref", "refs"})
#: A catalog is a short hand-written file; anything bigger is not one.
MAX_CATALOG_BYTES = 1024 * 1024
#: What a layer or table can be to kzgeo. A dataset may lack any of them; a
#: command that needs a missing one says so (:meth:`Catalog.require`).
TABLE_ROLES = ("deposits", "legs", "nodes", "routes", "figures", "groups", "agreements", "sources", "access", "transit_times")
#: Field roles every map and export reads from the sources table.
SOURCE_ROLES = ("publisher", "title", "date", "url")
#: Languages a name or label may be declared in.
LANGUAGES = ("en", "ru", "kk")
#: Table names a GeoPackage, SQLite or QGIS use themselves: a layer or table may not take one (the export would clash).
RESERVED_TABLE_NAMES = re.compile(r"^(gpkg_.*|rtree_.*|sqlite_.*|layer_styles|qgis_projects)$", re.IGNORECASE)
GEOMETRY_TYPES = frozenset({"Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString"})
#: Files that hold a layer's geometry and attributes together (``file = ...`` under ``[layers.X]``).
COLUMNAR_SUFFIXES = (".parquet", ".geoparquet", ".gpkg", ".fgb")


@dataclass(frozen=True)
class FieldSpec:
    """One attribute column and the rule its values obey."""

    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    #: What the field is to kzgeo (``"sources"``, ``"from"``, ``"status"``...), if anything.
    role: str | None = None
    #: The language of a name field (``"en"``, ``"ru"``, ``"kk"``).
    lang: str | None = None
    #: The caption readers see, per language.
    label: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: Smallest and largest value a number field accepts (``min`` / ``max``, or the role's range).
    min: float | None = None
    max: float | None = None
    #: For a translation column: the field whose text it holds in ``lang`` (``title_ru`` translates ``title_en``).
    translates: str | None = None


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
    #: What the table is to kzgeo (one of :data:`TABLE_ROLES`), if anything.
    role: str | None = None

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, role: str) -> str | None:
        """The name of the field playing ``role``, or None when the table has none."""
        return next((f.name for f in self.fields if f.role == role), None)

    def spec_of(self, name: str) -> FieldSpec | None:
        """The spec of the field called ``name``."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> dict[str, str]:
        """Language -> the field holding names in it, as declared (``lang = "ru"``)."""
        return {f.lang: f.name for f in self.fields if f.lang and not f.translates}

    def translations_of(self, name: str) -> dict[str, str]:
        """Language -> the column translating field ``name`` (declared with ``translates``)."""
        return {f.lang: f.name for f in self.fields if f.translates == name and f.lang}

    def translation_of(self, name: str, lang: str) -> str | None:
        """The column holding field ``name`` in ``lang``, or None when it has none."""
        return self.translations_of(name).get(lang)

    @property
    def translation_fields(self) -> set[str]:
        """Every translation column (shown in place of the field it translates, never on its own)."""
        return {f.name for f in self.fields if f.translates}

    def name_in(self, lang: str) -> str:
        """The field holding names in ``lang``, else in English, else the key."""
        names = self.names
        return names.get(lang) or names.get("en") or self.key


@dataclass(frozen=True)
class LayerSpec(TableSpec):
    """A geometry file joined with its attribute table on ``key``."""

    geometry: str = ""
    geometry_type: str = "Point"
    style: StyleSpec | None = None

    @property
    def columnar(self) -> bool:
        """True when one GeoParquet, GeoPackage or FlatGeobuf file holds geometry and attributes."""
        return self.geometry == self.attributes and self.geometry.lower().endswith(COLUMNAR_SUFFIXES)

    @property
    def name_field(self) -> str:
        """The field naming each feature by default (English)."""
        return self.name_in("en")


@dataclass(frozen=True)
class Catalog:
    """The parsed catalog of one layers directory."""

    root: Path
    title: str
    bounds: tuple[float, float, float, float]
    sources_table: str
    layers: dict[str, LayerSpec]
    tables: dict[str, TableSpec]
    #: SHA-256 of the catalog file as it was parsed.
    sha256: str = ""
    #: The dataset's cap on each input file, in megabytes (``max_input_mb``); None: kzgeo's default.
    max_input_mb: float | None = None

    def name_for(self, role: str) -> str | None:
        """The layer or table playing ``role`` (one of :data:`TABLE_ROLES`), or None."""
        return next((name for name, spec in self.all_tables.items() if spec.role == role), None)

    def require(self, role: str, purpose: str) -> str:
        """The layer or table playing ``role``; a :class:`CatalogError` saying ``purpose`` needs it otherwise."""
        name = self.name_for(role)
        if name is None:
            raise CatalogError(f"{self.root / CATALOG_NAME}: no layer or table has role = \"{role}\", which {purpose} needs")
        return name

    def spec_for(self, role: str) -> TableSpec | None:
        """The spec of the layer or table playing ``role``, or None."""
        name = self.name_for(role)
        return None if name is None else self.all_tables[name]

    def path(self, relative: str) -> Path:
        """Absolute path of a file the catalog names, refused if it would leave root."""
        return self.root / _relative_file(self.root, str(self.root / CATALOG_NAME), "file", relative)

    @property
    def all_tables(self) -> dict[str, TableSpec]:
        """Layers and plain tables together: everything a reference may point at."""
        return {**self.layers, **self.tables}


def _is_one_of(value: object, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _mapping(where: str, value: object) -> dict:
    """A TOML table, or a CatalogError saying the entry has the wrong shape."""
    if not isinstance(value, dict):
        raise CatalogError(f"{where}: must be a table of settings, found {type(value).__name__}")
    return value


def _strings(where: str, value: object) -> tuple[str, ...]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise CatalogError(f"{where}: must be a list of strings")
    return tuple(value)


def _checked(where: str, check, value):
    """``check(value)``, with a ValueError turned into a CatalogError naming ``where``."""
    try:
        return check(value)
    except ValueError as exc:
        raise CatalogError(f"{where}: {exc}") from None


def _range(where: str, name: str, rule: dict, ftype: str, role: str | None) -> tuple[float | None, float | None]:
    """A number field's declared ``min`` and ``max``, else its role's natural range."""
    declared = {k: rule[k] for k in ("min", "max") if k in rule}
    if declared and ftype not in ("int", "float"):
        raise CatalogError(f"{where}: field {name!r} is {ftype}; only int and float fields take min and max")
    low, high = (_checked(f"{where}: field {name!r} {k}", schema.number, declared[k]) if k in declared else None for k in ("min", "max"))
    if not declared and ftype in ("int", "float") and role in schema.ROLE_RANGES:
        low, high = schema.ROLE_RANGES[role]
    if low is not None and high is not None and low > high:
        raise CatalogError(f"{where}: field {name!r} min {low:g} is above its max {high:g}")
    return low, high
def _translates(where: str, name: str, rule: dict) -> str | None:
    """The field a translation column translates; it must say its language too."""
    target = rule.get("translates")
    if target is None:
        return None
    if not (isinstance(target, str) and target) or rule.get("lang") is None or rule.get("role") is not None:
        raise CatalogError(f"{where}: field {name!r}: `translates` names a field and goes with `lang` (and no role)")
    return target


def _fields(where: str, raw: object) -> tuple[FieldSpec, ...]:
    specs = []
    for name, rule in _mapping(f"{where} fields", raw).items():
        _checked(where, lambda v: schema.name(v, "field name"), name)
        if name == "geometry":
            raise CatalogError(f"{where}: a field may not be called 'geometry' (that is the geometry column)")
        if not isinstance(rule, dict) or not _is_one_of(rule.get("type"), FIELD_TYPES):
            raise CatalogError(f"{where}: field {name!r} needs a type, one of {sorted(FIELD_TYPES)}")
        role, lang = rule.get("role"), rule.get("lang")
        if role is not None and not (isinstance(role, str) and role):
            raise CatalogError(f"{where}: field {name!r} role must be a word")
        if lang is not None and lang not in LANGUAGES:
            raise CatalogError(f"{where}: field {name!r} lang must be one of {list(LANGUAGES)}")
        low, high = _range(where, name, rule, rule["type"], role)
        spec = FieldSpec(
            name=name,
            type=rule["type"],
            required=rule.get("required", False) is True,
            values=_strings(f"{where}: field {name!r} values", rule.get("values", [])),
            to=_strings(f"{where}: field {name!r} to", rule.get("to", [])),
            role=role,
            lang=lang,
            label=_labels(f"{where}: field {name!r} label", rule.get("label", {})),
            min=low,
            max=high,
            translates=_translates(where, name, rule),
        )
        if spec.type == "enum" and not spec.values:
            raise CatalogError(f"{where}: enum field {name!r} needs `values`")
        if spec.type in ("ref", "refs") and not spec.to:
            raise CatalogError(f"{where}: {spec.type} field {name!r} needs `to` (the table(s) it refers to)")
        specs.append(spec)
    names = {s.name: s for s in specs}
    for spec in specs:
        if spec.translates and (spec.translates not in names or names[spec.translates].type != "str" or spec.type != "str"):
            raise CatalogError(f"{where}: field {spec.name!r} translates {spec.translates!r}, which must be a text (str) field of the same table")
    for attr in ("role", "lang"):
        seen = [getattr(s, attr) for s in specs if getattr(s, attr) and not s.translates]
        if twice := sorted({v for v in seen if seen.count(v) > 1}):
            raise CatalogError(f"{where}: {attr} {twice[0]!r} is given to more than one field")
    return tuple(specs)


def _labels(where: str, raw: object) -> dict[str, str]:
    """A caption per language: ``{ en = "...", ru = "...", kk = "..." }``."""
    labels = _mapping(where, raw)
    if not all(lang in LANGUAGES and isinstance(text, str) for lang, text in labels.items()):
        raise CatalogError(f"{where}: must map languages {list(LANGUAGES)} to text")
    return {lang: _checked(f"{where} {lang}", schema.title, text) for lang, text in labels.items()}


def _relative_file(root: Path, where: str, key: str, name: object) -> str:
    """Refuse catalog paths that leave the layers directory (``../``, absolute, symlinks)."""
    if not isinstance(name, str) or not name.strip():
        raise CatalogError(f"{where}: {key}: a file name is required")
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts or "\x00" in name:
        raise CatalogError(f"{where}: {key}: {name!r} points outside the layers directory")
    resolved = (root / candidate).resolve()
    if root.resolve() not in resolved.parents:
        raise CatalogError(f"{where}: {key}: {name!r} resolves outside the layers directory")
    if (root / candidate).is_symlink():
        raise CatalogError(f"{where}: {key}: {name!r} is a symbolic link; copy the file in instead")
    return name


def _table(root: Path, kind: str, name: str, raw: object, file_key: str) -> dict:
    where = f"{CATALOG_NAME} [{kind}.{name}]"
    _checked(f"{CATALOG_NAME} [{kind}]", lambda v: schema.name(v, f"{kind[:-1]} name"), name)
    raw = _mapping(where, raw)
    role = raw.get("role")
    if role is not None and role not in TABLE_ROLES:
        raise CatalogError(f"{where}: role must be one of {list(TABLE_ROLES)}")
    common = dict(
        name=name,
        role=role,
        title=_checked(f"{where}: title", schema.title, raw.get("title", name)),
        abstract=_checked(f"{where}: abstract", schema.text, raw.get("abstract", "")),
        attributes=_relative_file(root, where, file_key, raw.get(file_key)),
        key=raw.get("key", "id"),
        fields=_fields(where, raw.get("fields", {})),
    )
    if common["key"] != "id" or "id" not in [f.name for f in common["fields"]]:
        raise CatalogError(f"{where}: key must be `id` and `id` must be among its fields (maps and exports look rows up by id)")
    return common


def _style(where: str, raw: object, field_names: list[str]) -> StyleSpec | None:
    if raw is None:
        return None
    raw = _mapping(f"{where} style", raw)
    for key in ("by", "dash_by"):
        if (key == "by" or key in raw) and raw.get(key) not in field_names:
            raise CatalogError(f"{where}: style {key} must name one of its fields")
    colors, dashes = (_mapping(f"{where} style {k}", raw.get(k, {})) for k in ("colors", "dashes"))
    colors = {value: _checked(f"{where}: style colors {value!r}", schema.color, c) for value, c in colors.items()}
    dashes = {value: _checked(f"{where}: style dashes {value!r}", schema.dash, d) for value, d in dashes.items()}
    radius = raw.get("radius", 6)
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not (0 < radius <= 100):
        raise CatalogError(f"{where}: style radius must be a number of pixels between 0 and 100")
    return StyleSpec(by=raw["by"], colors=colors, dash_by=raw.get("dash_by"), dashes=dashes, radius=float(radius))


def _check_tree(raw: dict) -> None:
    """The general rules (:func:`kzgeo.schema.tree_problem`) on the whole parsed catalog."""
    if found := schema.tree_problem(raw):
        where, reason = found
        raise CatalogError(f"{CATALOG_NAME} [{where}]: {reason}")


def _read_toml(root: Path) -> tuple[dict, str]:
    """The parsed catalog and the SHA-256 of its bytes."""
    path = root / CATALOG_NAME
    try:
        data = read_capped(path, MAX_CATALOG_BYTES)
        return tomllib.loads(data.decode("utf-8")), hashlib.sha256(data).hexdigest()
    except KzgeoIOError as exc:
        if exc.reason == "file not found":
            raise CatalogError(f"{path}: no layer catalog here (is {root} a kzgeo layers directory?)") from None
        raise CatalogError(str(exc)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not a valid TOML file ({exc})") from None
    except RecursionError:
        raise CatalogError(f"{path}: not a catalog: tables or arrays are nested more than {schema.MAX_DEPTH} levels deep") from None


def shipped_layers() -> Path:
    """The layers installed with kzgeo (package data; ``layers/`` in the repository is the copy people edit)."""
    return Path(str(files("kzgeo").joinpath("data", "layers")))


def default_layers_dir() -> Path:
    """``settings.layers_dir``; unset, ``./layers`` when it holds a catalog, else :func:`shipped_layers`."""
    if settings.layers_dir is not None:
        return Path(settings.layers_dir)
    local = Path("layers")
    return local if (local / CATALOG_NAME).is_file() else shipped_layers()


def read_catalog(layers_dir: str | Path | None = None) -> Catalog:
    """Parse ``catalog.toml`` in ``layers_dir`` into a :class:`Catalog`.

    Raises :class:`CatalogError` naming the file and entry when the catalog is
    missing, is not TOML, or declares something inconsistent.
    """
    root = Path(layers_dir) if layers_dir is not None else default_layers_dir()
    path = root / CATALOG_NAME
    raw, digest = _read_toml(root)
    _check_tree(raw)
    head = _mapping(f"{path} [catalog]", raw.get("catalog", {}))
    layers: dict[str, LayerSpec] = {}
    for name, entry in _mapping(f"{path} [layers]", raw.get("layers", {})).items():
        where = f"{CATALOG_NAME} [layers.{name}]"
        columnar = isinstance(entry, dict) and "file" in entry
        if columnar and ("geometry" in entry or "attributes" in entry):
            raise CatalogError(f"{where}: give either `file` (GeoParquet, GeoPackage or FlatGeobuf) or `geometry` and `attributes`, not both")
        common = _table(root, "layers", name, entry, "file" if columnar else "attributes")
        if columnar and not common["attributes"].lower().endswith(COLUMNAR_SUFFIXES):
            raise CatalogError(f"{where}: file must be GeoParquet (.parquet), GeoPackage (.gpkg) or FlatGeobuf (.fgb); GeoJSON goes in `geometry` with a CSV in `attributes`")
        field_names = [f.name for f in common["fields"]]
        gtype = entry.get("geometry_type")
        if not _is_one_of(gtype, GEOMETRY_TYPES):
            raise CatalogError(f"{where}: geometry_type must be one of {sorted(GEOMETRY_TYPES)}")
        layers[name] = LayerSpec(
            **common,
            geometry=common["attributes"] if columnar else _relative_file(root, where, "geometry", entry.get("geometry")),
            geometry_type=gtype,
            style=_style(where, entry.get("style"), field_names),
        )
        if layers[name].field("accuracy") and not layers[name].field("uncertainty"):
            raise CatalogError(f'{where}: a layer with an accuracy field needs a field with role = "uncertainty" (an approximate location needs its radius)')
    tables = {
        name: TableSpec(**_table(root, "tables", name, entry, "file"))
        for name, entry in _mapping(f"{path} [tables]", raw.get("tables", {})).items()
    }
    titles: dict[str, str] = {}
    for name, spec in layers.items():
        if (other := titles.setdefault(spec.title.strip().casefold(), name)) != name:
            raise CatalogError(f"{path}: layers {other} and {name} have the same title {spec.title!r}; readers tell layers apart by their titles")
    both = sorted(set(layers) & set(tables))
    if both:
        raise CatalogError(f"{path}: {', '.join(both)} is declared both as a layer and as a table")
    reserved = sorted(n for n in [*layers, *tables] if RESERVED_TABLE_NAMES.match(n))
    if reserved:
        raise CatalogError(f"{path}: {', '.join(reserved)} is a table name GeoPackage or QGIS keeps for itself (gpkg_*, rtree_*, sqlite_*, layer_styles, qgis_projects); rename it")
    for role in TABLE_ROLES:
        playing = [n for n, s in {**layers, **tables}.items() if s.role == role]
        if len(playing) > 1:
            raise CatalogError(f"{path}: role {role!r} is given to more than one layer or table ({', '.join(playing)})")
    sources_table = next((n for n, s in tables.items() if s.role == "sources"), None)
    if sources_table is None:
        raise CatalogError(f'{path}: no table has role = "sources"; every feature must cite its sources')
    bounds = head.get("bounds", [-180, -90, 180, 90])
    if not (
        isinstance(bounds, list)
        and len(bounds) == 4
        and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
        and -180 <= bounds[0] < bounds[2] <= 180
        and -90 <= bounds[1] < bounds[3] <= 90
    ):
        raise CatalogError(f"{path}: bounds must be [lon_min, lat_min, lon_max, lat_max] in degrees, minimum before maximum")
    max_mb = head.get("max_input_mb")
    if max_mb is not None and not (isinstance(max_mb, (int, float)) and not isinstance(max_mb, bool) and 0 < max_mb <= 1_000_000):
        raise CatalogError(f"{path}: max_input_mb must be a positive number of megabytes")
    missing = [r for r in SOURCE_ROLES if tables[sources_table].field(r) is None]
    if missing:
        raise CatalogError(f"{path}: the sources table needs fields with the role(s) {', '.join(missing)}")
    known = {**layers, **tables}
    for spec in known.values():
        cites = next((f for f in spec.fields if f.role == "sources"), None)
        if spec.name != sources_table and not (cites and cites.type == "refs" and cites.to == (sources_table,) and cites.required):
            raise CatalogError(f'{path}: {spec.name} needs a required field with role = "sources", of type refs to {sources_table!r}')
    for spec in known.values():
        for f in spec.fields:
            missing = [t for t in f.to if t not in known]
            if missing:
                raise CatalogError(f"{path}: {spec.name}.{f.name} refers to unknown table(s) {missing}")
    return Catalog(
        root=root,
        title=_checked(f"{path} [catalog] title", schema.title, head.get("title", "kzgeo map")),
        bounds=tuple(float(b) for b in bounds),
        sources_table=sources_table,
        layers=layers,
        tables=tables,
        sha256=digest,
        max_input_mb=None if max_mb is None else float(max_mb),
    )

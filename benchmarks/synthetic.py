"""A national cadastre made from the shipped layers, written as a kzgeo layers directory.

The shipped layers are copied as they are (corridors, nodes, routes,
agreements, figures, sources, the five real deposits); the deposits layer is
then grown to ``n`` points with synthetic deposits that carry its catalog's
fields with realistic kinds of values -- a few categories that repeat
(regions, operators, status), names that do not, numbers with gaps -- and
cite the shipped sources. A licences layer of simple polygons (4-8 corners,
edges digitised every ~500 m, as cadastres hold them) is added and declared
in the catalog. Points fall inside a coarse outline of Kazakhstan.

``form="parquet"`` writes the two large layers as GeoParquet instead of
GeoJSON + CSV (through ``kzgeo.convert``) and points the catalog at them.
Everything comes from one seeded generator: the same arguments write the
same files.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent

#: Kazakhstan's border simplified to 0.4 degrees, after Natural Earth 1:110m
#: (public domain). Coarse on purpose: it only keeps the points on land.
KAZAKHSTAN = shapely.Polygon(
    [(87.4, 49.2), (85.8, 48.5), (85.2, 47.0), (83.2, 47.3), (82.5, 45.5), (80.0, 44.9), (80.9, 43.2), (80.2, 42.9),
     (80.3, 42.3), (74.2, 43.3), (73.5, 42.5), (71.2, 42.7), (68.6, 40.7), (66.7, 41.2), (66.1, 43.0), (64.9, 43.7),
     (62.0, 43.5), (58.5, 45.6), (55.9, 45.0), (56.0, 41.3), (54.1, 42.3), (52.5, 41.8), (52.5, 42.8), (51.3, 43.1),
     (50.3, 44.6), (53.0, 45.3), (53.0, 46.9), (51.2, 47.0), (49.1, 46.4), (48.1, 47.7), (46.5, 48.4), (47.5, 50.5),
     (48.6, 49.9), (48.7, 50.6), (50.8, 51.7), (55.7, 50.6), (61.3, 50.8), (61.6, 51.3), (60.0, 52.0), (61.7, 53.0),
     (61.0, 53.7), (61.4, 54.0), (69.1, 55.4), (70.9, 55.2), (71.2, 54.1), (73.5, 54.0), (73.4, 53.5), (76.9, 54.5),
     (76.5, 54.2), (80.0, 50.9), (80.6, 51.4), (81.9, 50.8), (83.4, 51.1)]
)

REGIONS = ["Abai", "Akmola", "Aktobe", "Almaty", "Atyrau", "East Kazakhstan", "Jambyl", "Jetisu", "Karaganda",
           "Kostanay", "Kyzylorda", "Mangystau", "North Kazakhstan", "Pavlodar", "Turkistan", "Ulytau", "West Kazakhstan"]
COMMODITIES = ["tungsten", "rare earths", "iron ore"]
BYPRODUCTS = ["", "molybdenum", "copper", "molybdenum;copper", "bismuth", "tin", "scandium", "gold"]
DEPOSIT_TYPES = ["", "skarn", "stockwork", "greisen", "weathering crust", "placer", "magnetite-apatite"]
STATUSES = ["discovery", "exploration", "pre-development", "development", "offtake agreed"]
LOCATION_NOTES = ["Published coordinate", "Centre of the licence area", "Digitised from a company map", "Settlement nearby"]
N_SOURCES = 40


def _inside_points(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` uniformly random lon/lat pairs inside the outline (rejection sampling)."""
    lon_min, lat_min, lon_max, lat_max = KAZAKHSTAN.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        cand = rng.uniform((lon_min, lat_min), (lon_max, lat_max), size=(2 * n + 100, 2))
        out = np.vstack([out, cand[shapely.contains_xy(KAZAKHSTAN, cand[:, 0], cand[:, 1])]])
    return out[:n]


def _pick(rng: np.random.Generator, values: list[str], n: int, p=None) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def _write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(zip(*columns.values()))


def _write_geojson(path: Path, ids: np.ndarray, geometries: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        fh.write(",\n".join(
            json.dumps({"type": "Feature", "id": fid, "properties": {}, "geometry": geom}, separators=(",", ":"))
            for fid, geom in zip(ids, geometries)
        ))
        fh.write("\n]}\n")


def _numbers(rng: np.random.Generator, n: int, scale: float, share_missing: float) -> np.ndarray:
    values = np.round(rng.lognormal(np.log(scale), 1.2, size=n), 1).astype(object)
    values[rng.random(n) < share_missing] = ""
    return values


_BY_FIELD = {
    "region": [r + " region" for r in REGIONS],
    "district": [f"District {i}" for i in range(1, 181)],
    "operator": [f"Operator {i} LLP" for i in range(1, 301)],
    "commodities_byproduct": BYPRODUCTS,
    "deposit_type": DEPOSIT_TYPES,
    "partners": ["Tau-Ken Samruk 30%", "Foreign partner 49%"],
    "investment_note": ["Announced, not yet committed"],
    "location_note": LOCATION_NOTES,
}
_NAMES = {"en": "Deposit ", "ru": "Месторождение ", "kk": "Кен орны "}


def _column(rng, field, n: int, number: np.ndarray, approximate: np.ndarray, source_ids: list[str]) -> np.ndarray:
    """Values for one catalog field of n synthetic deposits, by its role, language, type and name."""
    if field.lang in _NAMES:
        return _NAMES[field.lang] + number
    if field.role == "accuracy":
        return np.where(approximate, "approximate", "exact")
    if field.role == "uncertainty":
        return np.where(approximate, _pick(rng, ["5", "10", "20", "30"], n), "0.1")
    if field.role == "uncertainty_min":  # synthetic locations are circles, never rings
        return np.full(n, "", dtype=object)
    if field.role == "sources":
        return _pick(rng, source_ids, n)
    if field.type == "enum":
        return _pick(rng, list(field.values), n)
    if field.type == "float":
        return _numbers(rng, n, 40, 0.0 if field.required else 0.85)
    if field.type == "int":
        return rng.integers(1, 1000, n).astype(str).astype(object)
    if field.type == "date":
        return _pick(rng, [f"{y}-{m:02d}" for y in range(2015, 2026) for m in range(1, 13)], n)
    if field.type == "url":
        return np.full(n, "", dtype=object)
    words = _BY_FIELD.get(field.name) or [f"{field.name.replace('_', ' ').capitalize()} {i}" for i in range(1, 301)]
    values = _pick(rng, words, n)
    return values if field.required else np.where(rng.random(n) < 0.6, values, "")


def _deposits(rng: np.random.Generator, n: int, out: Path, catalog) -> None:
    """Grow the deposits layer to n features: the shipped ones, then synthetic ones appended."""
    spec = catalog.layers[catalog.require("deposits", "the benchmark")]
    csv_path, geojson_path = catalog.path(spec.attributes), catalog.path(spec.geometry)
    shipped = json.loads(geojson_path.read_text(encoding="utf-8"))["features"]
    m = max(n - len(shipped), 0)
    sources = catalog.tables[catalog.sources_table]
    with catalog.path(sources.attributes).open(encoding="utf-8", newline="") as fh:
        source_ids = [row[sources.key] for row in csv.DictReader(fh)][:N_SOURCES]
    number = np.arange(1, m + 1).astype(str).astype(object)
    approximate = rng.random(m) < 0.1
    columns = {}
    for field in spec.fields:
        columns[field.name] = ("dep-" + number) if field.name == spec.key else _column(rng, field, m, number, approximate, source_ids)
    for field in spec.fields:
        if field.translates:  # a translation column holds its field's text (the synthetic words have no other language)
            columns[field.name] = columns[field.translates]
    with csv_path.open(encoding="utf-8", newline="") as fh:
        header = [h.strip() for h in next(csv.reader(fh))]
    columns = {h: columns[h] for h in header}  # rows are appended under the shipped file's own header
    xy = np.round(_inside_points(rng, m), 6)
    if not csv_path.read_bytes().endswith(b"\n"):
        with csv_path.open("a", encoding="utf-8", newline="") as fh:
            fh.write("\n")
    with csv_path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(zip(*columns.values()))
    with geojson_path.open("w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        fh.write(",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in shipped))
        for fid, p in zip(columns[spec.key], xy.tolist()):
            fh.write(',\n{"type":"Feature","id":"%s","properties":{},"geometry":{"type":"Point","coordinates":[%r,%r]}}' % (fid, p[0], p[1]))
        fh.write("\n]}\n")


def _licence_rings(rng: np.random.Generator, n: int) -> list[list[list[float]]]:
    """Outlines the way cadastres hold them: a few corners, edges digitised every ~500 m."""
    centres = _inside_points(rng, n)
    rings = []
    for cx, cy in centres:
        ring = None
        while ring is None or not shapely.Polygon(ring).is_valid:
            k = int(rng.integers(4, 9))
            angles = np.sort(rng.uniform(0, 2 * np.pi, k))
            radius = rng.uniform(0.02, 0.15) * rng.uniform(0.7, 1.0, k)
            corners = np.column_stack([cx + radius * np.cos(angles) / np.cos(np.radians(cy)), cy + radius * np.sin(angles)])
            outline = np.round(shapely.get_coordinates(shapely.segmentize(shapely.Polygon(corners), 0.005)), 6).tolist()
            ring = [*outline[:-1], outline[0]]
        rings.append(ring)
    return rings


LICENCES_TOML = """
[layers.licences]
title = "Licences"
abstract = "Synthetic exploration and mining licence areas inside Kazakhstan (benchmark)."
geometry = "licences.geojson"
attributes = "licences.csv"
key = "id"
geometry_type = "Polygon"

[layers.licences.fields]
id = { type = "str", required = true }
name_en = { type = "str", required = true, lang = "en" }
holder = { type = "str", required = true }
kind = { type = "enum", values = ["exploration", "mining"], required = true }
granted = { type = "date", required = true }
area_km2 = { type = "float", required = true }
sources = { type = "refs", to = ["%s"], required = true, role = "sources" }

[layers.licences.style]
by = "kind"
colors = { "exploration" = "#7a8f2a", "mining" = "#8e44ad" }
"""


def _licences(rng: np.random.Generator, n: int, out: Path, catalog) -> None:
    ids = np.char.add("lic-", np.arange(1, n + 1).astype(str)).astype(object)
    rings = _licence_rings(rng, n)
    polygons = [shapely.Polygon(r) for r in rings]
    lat = shapely.get_y(shapely.centroid(polygons)) if n else np.zeros(0)
    area = shapely.area(polygons) * 111.32**2 * np.cos(np.radians(lat)) if n else np.zeros(0)
    sources = catalog.tables[catalog.sources_table]
    with catalog.path(sources.attributes).open(encoding="utf-8", newline="") as fh:
        source_ids = [row[sources.key] for row in csv.DictReader(fh)][:N_SOURCES]
    columns = {
        "id": ids,
        "name_en": "Licence " + np.arange(1, n + 1).astype(str).astype(object),
        "holder": _pick(rng, [f"Holder {i} LLP" for i in range(1, 401)], n),
        "kind": _pick(rng, ["exploration", "mining"], n, p=[0.75, 0.25]),
        "granted": _pick(rng, [f"{y}-{m:02d}" for y in range(2015, 2026) for m in range(1, 13)], n),
        "area_km2": np.round(area, 1),
        "sources": _pick(rng, source_ids, n),
    }
    _write_csv(out / "licences.csv", columns)
    _write_geojson(out / "licences.geojson", ids, [{"type": "Polygon", "coordinates": [r]} for r in rings])
    with (out / "catalog.toml").open("a", encoding="utf-8") as fh:
        fh.write(LICENCES_TOML % catalog.sources_table)


def _as_parquet(out: Path, layers: list[str]) -> None:
    """Convert the large layers to GeoParquet and point the catalog at them (file = ...)."""
    import re

    import kzgeo

    for layer in layers:
        kzgeo.convert(layer, to="parquet", layers_dir=out)
    catalog = kzgeo.read_catalog(out)
    text = (out / "catalog.toml").read_text(encoding="utf-8")
    for layer in layers:
        spec = catalog.layers[layer]
        text, count = re.subn(
            r'(\[layers\.%s\]\n(?:(?!\[).*\n)*?)geometry = "[^"]+"\nattributes = "[^"]+"\n' % re.escape(layer),
            lambda m: m.group(1) + f'file = "{layer}.parquet"\n', text, count=1,
        )
        assert count == 1, layer
        catalog.path(spec.geometry).unlink()
        catalog.path(spec.attributes).unlink()
    (out / "catalog.toml").write_text(text, encoding="utf-8")


def write_layers(out: Path, n_points: int, *, n_licences: int = 3000, seed: int = 6, form: str = "geojson") -> Path:
    """Write the shipped layers with ``n_points`` deposits and ``n_licences`` licences to ``out``."""
    from kzgeo.catalog import read_catalog, shipped_layers

    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(shipped_layers(), out)
    rng = np.random.default_rng(seed)
    catalog = read_catalog(out)
    _deposits(rng, n_points, out, catalog)
    _licences(rng, n_licences, out, catalog)
    if form == "parquet":
        _as_parquet(out, [catalog.require("deposits", "the benchmark"), "licences"])
    return out


def layer_files(layers: Path) -> dict[str, tuple[str, ...]]:
    """Each layer's files as the catalog names them: (file,) or (geometry, attributes)."""
    from kzgeo.catalog import read_catalog

    catalog = read_catalog(layers)
    return {name: (spec.geometry,) if spec.columnar else (spec.geometry, spec.attributes) for name, spec in catalog.layers.items()}

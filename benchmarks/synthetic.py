"""Synthetic national-scale layers for the benchmark, written as a kzgeo layers directory.

Points fall inside a coarse outline of Kazakhstan and carry the deposits
layer's fields with realistic kinds of values: a few categories that repeat
(regions, operators, status), names that do not, numbers with gaps. Licences
are simple polygons of 4-8 corners whose edges carry a vertex every ~500 m,
as digitised outlines do, so simplifying them has something to remove. Everything comes from one seeded generator: the same
arguments write the same files.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
CATALOG = HERE / "catalog.toml"

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


def _deposits(rng: np.random.Generator, n: int, out: Path) -> np.ndarray:
    ids = np.char.add("dep-", np.arange(1, n + 1).astype(str)).astype(object)
    xy = np.round(_inside_points(rng, n), 6)
    number = np.arange(1, n + 1).astype(str).astype(object)
    operators = [f"Operator {i} LLP" for i in range(1, 301)]
    approximate = rng.random(n) < 0.1
    columns = {
        "id": ids,
        "name_en": "Deposit " + number,
        "name_ru": "Месторождение " + number,
        "name_kk": "Кен орны " + number,
        "commodity_primary": _pick(rng, COMMODITIES, n, p=[0.3, 0.2, 0.5]),
        "commodities_byproduct": _pick(rng, BYPRODUCTS, n),
        "deposit_type": _pick(rng, DEPOSIT_TYPES, n),
        "region": _pick(rng, REGIONS, n) + " region",
        "district": _pick(rng, [f"District {i}" for i in range(1, 181)], n),
        "operator": np.where(rng.random(n) < 0.4, _pick(rng, operators, n), ""),
        "partners": np.where(rng.random(n) < 0.05, _pick(rng, ["Tau-Ken Samruk 30%", "Foreign partner 49%"], n), ""),
        "investment_usd_m": _numbers(rng, n, 40, 0.85),
        "investment_note": np.where(rng.random(n) < 0.02, "Announced, not yet committed", ""),
        "status": _pick(rng, STATUSES, n, p=[0.35, 0.4, 0.1, 0.1, 0.05]),
        "location_accuracy": np.where(approximate, "approximate", "exact"),
        "uncertainty_km": np.where(approximate, _pick(rng, ["5", "10", "20", "30"], n), "0.1"),
        "location_note": _pick(rng, LOCATION_NOTES, n),
        "sources": _pick(rng, [f"src-{i}" for i in range(1, N_SOURCES + 1)], n),
    }
    # Translation columns the catalog declares, left empty (validate warns; the map marks English text).
    for field in ("region", "district", "deposit_type", "commodities_byproduct", "partners", "investment_note", "location_note"):
        for lang in ("ru", "kk"):
            columns[f"{field}_{lang}"] = np.full(n, "", dtype=object)
    _write_csv(out / "deposits.csv", columns)
    _write_geojson(out / "deposits.geojson", ids, [{"type": "Point", "coordinates": p} for p in xy.tolist()])
    return ids


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


def _licences(rng: np.random.Generator, n: int, out: Path) -> None:
    ids = np.char.add("lic-", np.arange(1, n + 1).astype(str)).astype(object)
    rings = _licence_rings(rng, n)
    polygons = [shapely.Polygon(r) for r in rings]
    lat = shapely.get_y(shapely.centroid(polygons))
    area = shapely.area(polygons) * 111.32**2 * np.cos(np.radians(lat))
    columns = {
        "id": ids,
        "name_en": "Licence " + np.arange(1, n + 1).astype(str).astype(object),
        "holder": _pick(rng, [f"Holder {i} LLP" for i in range(1, 401)], n),
        "kind": _pick(rng, ["exploration", "mining"], n, p=[0.75, 0.25]),
        "granted": _pick(rng, [f"{y}-{m:02d}" for y in range(2015, 2026) for m in range(1, 13)], n),
        "area_km2": np.round(area, 1),
        "sources": _pick(rng, [f"src-{i}" for i in range(1, N_SOURCES + 1)], n),
    }
    _write_csv(out / "licences.csv", columns)
    _write_geojson(out / "licences.geojson", ids, [{"type": "Polygon", "coordinates": [r]} for r in rings])


def _resources(rng: np.random.Generator, deposit_ids: np.ndarray, out: Path) -> None:
    chosen = deposit_ids[rng.random(len(deposit_ids)) < 0.03]
    m = len(chosen)
    columns = {
        "id": np.char.add("res-", np.arange(1, m + 1).astype(str)).astype(object),
        "deposit": chosen,
        "quantity": np.round(rng.lognormal(3, 1.5, m), 1),
        "unit": _pick(rng, ["kt", "Mt"], m),
        "commodity": _pick(rng, ["WO3", "TREO", "Fe"], m),
        "basis": _pick(rng, ["JORC", "Soviet-era", "forecast", "company claim"], m),
        "note": np.where(rng.random(m) < 0.2, "Inferred category", ""),
        "sources": _pick(rng, [f"src-{i}" for i in range(1, N_SOURCES + 1)], m),
    }
    _write_csv(out / "resources.csv", columns)


def _sources(out: Path) -> None:
    i = np.arange(1, N_SOURCES + 1)
    columns = {
        "id": [f"src-{k}" for k in i],
        "publisher": [f"Publisher {k % 7 + 1}" for k in i],
        "title": [f"Cadastre extract {k}" for k in i],
        "date": [f"2025-{k % 12 + 1:02d}-{k % 28 + 1:02d}" for k in i],
        "accessed": ["2026-11-24" for _ in i],
        "url": [f"https://example.org/cadastre/{k}" if k % 4 else "" for k in i],
        "no_url_reason": ["" if k % 4 else "Printed extract, not online" for k in i],
        "tier": ["official" for _ in i],
        "licence": ["" for _ in i],
    }
    _write_csv(out / "sources.csv", columns)


def write_layers(out: Path, n_points: int, *, n_licences: int = 3000, seed: int = 6) -> Path:
    """Write a layers directory of ``n_points`` deposits and ``n_licences`` licences to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    shutil.copy(CATALOG, out / "catalog.toml")
    ids = _deposits(rng, n_points, out)
    _licences(rng, n_licences, out)
    _resources(rng, ids, out)
    _sources(out)
    return out

"""Place names drawn on the map: countries, seas and lakes, capitals and main cities.

A policy reader needs to know where a map is before reading any symbol. kzgeo
ships a small file of place labels (``kzgeo/data/places.json``) derived from
Natural Earth (public domain, https://www.naturalearthdata.com/): the 1:50m
populated places (with their Russian names), lakes and marine polygons, and
the 1:110m countries that pyogrio ships; the English, Russian and Kazakh names
of countries, seas and lakes, and the Kazakh names of cities (which Natural
Earth does not carry), are listed in ``tools/make_places.py`` with the source
each comes from. (The lakes' outlines are in the backdrop, :mod:`kzgeo.backdrop`.)

At run time kzgeo only reads the committed file (:func:`places`); the map's
own nodes and deposits are labelled from the dataset, so a city that a node
already names is dropped here (:func:`place_labels`).
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib.resources import files
from typing import Any

_RESOURCE = "data/places.json"

#: Attribution shown with the labels and in the credits.
ATTRIBUTION = "Natural Earth (public domain)"


@cache
def _text() -> str:
    return files("kzgeo").joinpath(_RESOURCE).read_text(encoding="utf-8")


def places() -> dict[str, Any]:
    """The committed place file: ``labels`` (kind, names, lon, lat, minzoom)."""
    return json.loads(_text())


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km (spherical; only used to drop duplicate names)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(min(1.0, math.sqrt(a)))


#: Countries at least this large (km²) may have their name moved off its point to make room
#: (the name still lies well inside the country); smaller ones keep it on the point or drop it.
ROOMY_KM2 = 1_000_000


@cache
def _roomy() -> frozenset[str]:
    """English names of the labelled countries in the backdrop of at least :data:`ROOMY_KM2`.

    Only the countries :func:`place_labels` asks about are measured (18 of 174: a fixed cost of
    every page, a quarter of a second for all of them).
    """
    from kzgeo.backdrop import backdrop_frame

    labelled = {item["name"]["en"] for item in places()["labels"] if item["kind"] == "country"}
    frame = backdrop_frame("countries", names=labelled)
    area = frame.to_crs("ESRI:54034").area / 1e6  # World Cylindrical Equal Area
    return frozenset(frame.loc[area >= ROOMY_KM2, "name"])


def place_labels(lang: str, taken: list[tuple[float, float]] = (), *, within_km: float = 25.0) -> list[dict[str, Any]]:
    """Package place labels in ``lang`` (English where a name is missing), minus those a dataset point names.

    ``taken`` are (lon, lat) of points the map labels itself; a city within
    ``within_km`` of one is left out so the map never names a place twice. A
    large country's label has ``"roomy": True``: the page may move it aside.
    """
    out = []
    for item in places()["labels"]:
        if item["kind"] in ("capital", "city") and any(_km(item["lon"], item["lat"], lon, lat) < within_km for lon, lat in taken):
            continue
        label = {"kind": item["kind"], "text": item["name"].get(lang) or item["name"]["en"], "lon": item["lon"], "lat": item["lat"], "minzoom": item["minzoom"]}
        if item["kind"] == "country" and item["name"]["en"] in _roomy():
            label["roomy"] = True
        out.append(label)
    return out

"""Typed defaults kzgeo uses when a caller does not say otherwise (after osmnx).

Change them at run time (``kzgeo.settings.layers_dir = Path(...)``) or pass
the matching keyword to each function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The layers a command reads when none are named. ``None``: ``./layers`` when
#: it holds a ``catalog.toml`` (the copy people edit, in a checkout), else the
#: layers installed with kzgeo (:func:`kzgeo.catalog.shipped_layers`).
layers_dir: Path | None = None

#: Where ``kzgeo build`` writes maps, and finds map specs: ``./maps``. When it
#: holds no ``*.toml`` spec, the specs installed with kzgeo are built.
maps_dir: Path = Path("maps")

#: Where ``kzgeo.export`` writes the QGIS hand-off when no folder is given.
qgis_dir: Path = Path("qgis")

#: Decimal places kept for coordinates in generated outputs (~1 cm at 7).
coordinate_precision: int = 6

#: Online tiles drawn over the offline backdrop when the network allows. Esri's
#: grey canvas needs no API key and, unlike OpenStreetMap's servers (which refuse
#: requests without a Referer, i.e. pages opened from disk), serves ``file://``
#: pages; CARTO's keyless tiles now carry a watermark. Esri keeps this raster
#: service in "mature support" (no new updates), so the map never depends on
#: it: the committed Natural Earth backdrop is always drawn underneath.
basemap: str = "Esri.WorldGrayCanvas"

#: Licence stated in the QGIS metadata of every exported layer and table.
data_licence: str = "CC BY 4.0 for the compilation; each cited source keeps its own terms."

#: Rights statement in the same metadata.
data_rights: str = "Positions and figures are as published by the cited sources; approximate locations are marked as such."

#: Layers with at least this many features are drawn by :mod:`kzgeo.html.fastlayer`
#: (columnar data, canvas drawing, popups built on click) instead of one SVG
#: element and one popup per feature.
fast_layer_min_features: int = 1000

#: Bytes of coordinates a large line or polygon layer may take in a page;
#: above it the shapes are simplified step by step until they fit.
fast_layer_path_budget: int = 1_000_000

#: Below this zoom, large point layers are drawn as small dots.
fast_point_full_zoom: int = 8

#: Megabytes an input file (GeoJSON, CSV, GeoParquet...) may have unless the
#: catalog says otherwise (``max_input_mb`` under ``[catalog]``). A national
#: cadastre of a million deposits is about 300 MB of CSV or 120 MB of GeoJSON.
default_max_input_mb: float = 512

#: This run's cap in megabytes, above the catalog's (the CLI's ``--max-input-mb``); None: not set.
max_input_mb: float | None = None

#: Leg statuses a route uses by default; ``include_planned`` adds every other
#: status (under construction, planned) and the route marks those legs.
operating_statuses: tuple[str, ...] = ("operating",)


@dataclass(frozen=True)
class MarketRoute:
    """One column of the "to market" table: where to, through which places, on which legs."""

    label: str
    to: str
    via: tuple[str, ...] = ()
    include_planned: bool = False
    avoid: tuple[str, ...] = ()


#: The markets ``kzgeo report`` routes every deposit to (node ids or names):
#: the Georgian Black Sea ports through the Middle Corridor, Türkiye by the
#: Baku–Tbilisi–Kars line, and Kars again by TRIPP through Armenia's Meghri and
#: Nakhchivan, with its planned legs allowed (the same destination, so the two
#: ways into Türkiye compare directly).
market_routes: tuple[MarketRoute, ...] = (
    MarketRoute("Poti (Middle Corridor)", "poti"),
    MarketRoute("Batumi (Middle Corridor)", "batumi"),
    MarketRoute("Kars (BTK railway)", "kars"),
    MarketRoute("Kars via Meghri (TRIPP, planned legs allowed)", "kars", via=("meghri",), include_planned=True),
)

#: Who answers for the compilation: the contact in every QGIS metadata record.
#: QGIS requires a contact; set your organisation's before you publish.
data_contact: dict[str, str] = {
    "name": "kzgeo compilers",
    "organization": "kzgeo (Kazakhstan critical minerals and corridors compilation)",
    "position": "",
    "email": "",
    "role": "pointOfContact",
}


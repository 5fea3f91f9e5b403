"""kzgeo: Kazakhstan's critical-mineral deposits and the corridors that carry them west.

The public API mirrors the ``kzgeo`` command: each command is one function.

>>> import kzgeo
>>> data = kzgeo.read_layers("layers")          # joined GeoDataFrames
>>> problems = kzgeo.validate("layers")         # [] when valid
>>> paths = kzgeo.build("layers", "maps")       # writes maps/overview.html
>>> files = kzgeo.export("layers", "qgis")      # GeoPackage, GeoJSON + sidecars, QGIS project
>>> edits = kzgeo.import_export("qgis", "layers")   # edits made in QGIS back into layers/
>>> text = kzgeo.report("layers", format="json")   # route lengths, deposit proximity
>>> path = kzgeo.convert("deposits", to="parquet")   # layers/deposits.parquet (GeoParquet)
>>> text = kzgeo.route("upper-kairakty", "poti", format="json")   # shortest route over the corridors
"""

from __future__ import annotations

from kzgeo import report
from kzgeo.analysis import geodesy
from kzgeo.analysis.measures import (
    deposit_proximity,
    deposits_near,
    leg_lengths,
    route_lengths,
)
from kzgeo.analysis.routing import Network, Route, RouteError, find_route, to_market
from kzgeo.catalog import Catalog, read_catalog
from kzgeo.convert import convert
from kzgeo.dataset import Dataset, read_layers
from kzgeo.dataset import check_layers as validate
from kzgeo.dataset import layer_counts as list_layers
from kzgeo.errors import (
    ArgumentError,
    CatalogError,
    CrsError,
    ExportError,
    KzgeoError,
    KzgeoIOError,
    KzgeoWarning,
    LayersInvalid,
    MapArgumentError,
    MapSpecError,
    OfflineAssetError,
    OutputExistsError,
    Problem,
    TranslationWarning,
)
from kzgeo.html.render import render_map, render_spec
from kzgeo.provenance import package_version
from kzgeo.publish import build_maps as build
from kzgeo.qgis.export import export
from kzgeo.route_report import route
from kzgeo.qgis.importing import ImportResult, import_export
from kzgeo.spec import MapSpec, read_map_spec

__version__ = package_version()

__all__ = [
    "ArgumentError",
    "Catalog",
    "CatalogError",
    "CrsError",
    "Dataset",
    "ExportError",
    "KzgeoError",
    "KzgeoIOError",
    "KzgeoWarning",
    "TranslationWarning",
    "LayersInvalid",
    "MapArgumentError",
    "MapSpec",
    "MapSpecError",
    "Network",
    "OfflineAssetError",
    "OutputExistsError",
    "Problem",
    "Route",
    "RouteError",
    "build",
    "convert",
    "deposit_proximity",
    "deposits_near",
    "export",
    "find_route",
    "import_export",
    "ImportResult",
    "geodesy",
    "leg_lengths",
    "list_layers",
    "read_catalog",
    "read_layers",
    "read_map_spec",
    "render_map",
    "render_spec",
    "report",
    "route",
    "route_lengths",
    "to_market",
    "validate",
]

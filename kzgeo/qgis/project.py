"""The QGIS project (``kzgeo.qgs``) that opens the exported GeoPackage styled and documented.

The project names the GeoPackage by a relative path (``./kzgeo.gpkg``), so the
export folder can be moved or copied as a whole. Layers are stacked points over
lines over areas, with the attribute-only tables in a collapsed group below;
each layer carries its style and metadata, and the view starts on the data.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kzgeo.dataset import Dataset
from kzgeo.qgis.qmd import metadata_element
from kzgeo.qgis.qml import AREA_TYPES, LINE_TYPES, aliases, renderer
from kzgeo.qgis.xml import QGIS_VERSION, document, spatialrefsys, sub

GEOPACKAGE_NAME = "kzgeo.gpkg"
TABLES_GROUP = "Tables"
#: Share of the data's width and height added around it in the initial view.
VIEW_MARGIN = 0.08


def drawing_order(data: Dataset) -> list[str]:
    """Layer names top to bottom: points, then lines, then areas (catalog order within each)."""
    def rank(name: str) -> int:
        gtype = data.catalog.layers[name].geometry_type
        return 2 if gtype in AREA_TYPES else 1 if gtype in LINE_TYPES else 0

    return sorted(data.layers, key=rank)


def initial_extent(data: Dataset) -> tuple[float, float, float, float]:
    """The data's bounds with a margin: where the project opens."""
    bounds = [frame.total_bounds for frame in data.layers.values() if len(frame)]
    minx, miny = min(b[0] for b in bounds), min(b[1] for b in bounds)
    maxx, maxy = max(b[2] for b in bounds), max(b[3] for b in bounds)
    dx, dy = (maxx - minx) * VIEW_MARGIN or 1.0, (maxy - miny) * VIEW_MARGIN or 1.0
    return minx - dx, miny - dy, maxx + dx, maxy + dy


def layer_id(name: str) -> str:
    """A fixed project layer id (QGIS ignores ids of 10 characters or fewer)."""
    return f"kzgeo_layer_{name}"


def _source(name: str) -> str:
    return f"./{GEOPACKAGE_NAME}|layername={name}"


def _tree_layer(parent: ET.Element, data: Dataset, name: str) -> None:
    title = data.catalog.all_tables[name].title
    sub(parent, "layer-tree-layer", id=layer_id(name), name=title, source=_source(name), providerKey="ogr", checked="Qt::Checked", expanded="1")


def _map_layer(parent: ET.Element, data: Dataset, name: str) -> None:
    spec = data.catalog.all_tables[name]
    spatial = name in data.layers
    gtype = spec.geometry_type if spatial else "NoGeometry"
    geometry = "Line" if gtype in LINE_TYPES else "Polygon" if gtype in AREA_TYPES else "Point" if spatial else "No geometry"
    layer = sub(parent, "maplayer", type="vector", geometry=geometry, wkbType=gtype, styleCategories="AllStyleCategories")
    sub(layer, "id", layer_id(name))
    sub(layer, "datasource", _source(name))
    sub(layer, "layername", spec.title)
    spatialrefsys(sub(layer, "srs"))
    layer.append(metadata_element(data, name, tag="resourceMetadata"))
    sub(layer, "provider", "ogr", encoding="UTF-8")
    if spatial:
        layer.append(renderer(spec))
        layer.append(aliases(spec))


def _corners(box: tuple[float, float, float, float]) -> dict[str, str]:
    return dict(zip(("xmin", "ymin", "xmax", "ymax"), (repr(float(v)) for v in box), strict=True))


def project_document(data: Dataset, title: str | None = None) -> str:
    """The ``.qgs`` XML of a project showing every layer and table of ``data``."""
    title = title or data.catalog.title
    root = ET.Element("qgis", projectname=title, version=QGIS_VERSION)
    sub(root, "homePath", path="")
    sub(root, "title", title)
    spatialrefsys(sub(root, "projectCrs"))
    tree = sub(root, "layer-tree-group")
    for name in drawing_order(data):
        _tree_layer(tree, data, name)
    group = sub(tree, "layer-tree-group", name=TABLES_GROUP, checked="Qt::Checked", expanded="0")
    for name in data.tables:
        _tree_layer(group, data, name)
    corners = _corners(initial_extent(data))
    canvas = sub(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    sub(canvas, "units", "degrees")
    extent = sub(canvas, "extent")
    for key, value in corners.items():
        sub(extent, key, value)
    sub(canvas, "rotation", "0")
    spatialrefsys(sub(canvas, "destinationsrs"))
    layers = sub(root, "projectlayers")
    for name in [*drawing_order(data), *data.tables]:
        _map_layer(layers, data, name)
    view = sub(root, "ProjectViewSettings", UseProjectScales="0")
    sub(view, "Scales")
    spatialrefsys(sub(view, "DefaultViewExtent", **corners))
    properties = sub(root, "properties")
    paths = sub(properties, "Paths")
    sub(paths, "Absolute", "false", type="bool")
    # QGIS 3.22 reads <projectCrs> only when this flag is set.
    sub(sub(properties, "SpatialRefSys"), "ProjectionsEnabled", "1", type="int")
    return document(root)

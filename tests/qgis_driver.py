"""Open a kzgeo export in real QGIS and print what QGIS sees, as JSON.

Run with Debian's QGIS Python, not the project's virtual environment:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_driver.py EXPORT_DIR MOVED_DIR PNG

EXPORT_DIR is an export as ``kzgeo export`` wrote it; MOVED_DIR is a copy of
it elsewhere (the project must still open there); PNG is where the rendered
project goes. The report holds, for the GeoPackage, each GeoJSON and the moved
project: every layer's validity, CRS, features, renderer and metadata, plus
the colours of the rendered image. The tests assert on it; this script judges
nothing. QGIS 3.22 can crash in ``exitQgis()``, so the script prints, flushes
and leaves with ``os._exit``.
"""

from __future__ import annotations

import os
from collections import Counter

from qgis_run import run
from qgis.core import (
    QgsDistanceArea,
    QgsExpression,
    Qgis,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsPalLayerSettings,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsProject,
    QgsRenderContext,
    QgsSymbolLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QSize, QVariant
from qgis.PyQt.QtGui import QColor, QImage

IMAGE_SIZE = (900, 600)
#: Colours covering fewer pixels than this are anti-aliasing noise.
MIN_PIXELS = 4


def plain(value):
    """A QGIS attribute value as JSON: NULL -> None, dates as ISO text, other Qt types -> str."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDate):
        return value.toString("yyyy-MM-dd") if value.isValid() else None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def top_layer(symbol):
    """The symbol layer drawn last: the marker, line or fill itself (under it may lie a generated circle)."""
    return symbol.symbolLayer(symbol.symbolLayerCount() - 1)


def generated_area_km2(symbol, layer, context) -> float | None:
    """Ellipsoidal area of the geometry a geometry-generator layer draws for the current feature."""
    generators = [symbol.symbolLayer(i) for i in range(symbol.symbolLayerCount()) if symbol.symbolLayer(i).layerType() == "GeometryGenerator"]
    if not generators:
        return None
    geometry = QgsExpression(generators[0].geometryExpression()).evaluate(context.expressionContext())
    if geometry is None or geometry.isNull():
        return None
    measure = QgsDistanceArea()
    measure.setSourceCrs(layer.crs(), QgsProject.instance().transformContext())
    measure.setEllipsoid("WGS84")
    return measure.measureArea(geometry) / 1e6


def symbol_report(symbol) -> dict:
    layer = top_layer(symbol)
    props = layer.dataDefinedProperties()
    return {
        "layers": [symbol.symbolLayer(i).layerType() for i in range(symbol.symbolLayerCount())],
        "type": symbol.type(),
        "color": symbol.color().name(),
        "opacity": symbol.opacity(),
        "class": layer.layerType(),
        "properties": layer.properties(),
        "data_defined": {
            QgsSymbolLayer.propertyDefinitions()[key].name(): props.property(key).expressionString()
            for key in props.propertyKeys()
            if props.isActive(key)
        },
    }


def renderer_report(layer) -> dict | None:
    renderer = layer.renderer() if layer.isSpatial() else None
    if renderer is None:
        return None
    report = {"type": renderer.type()}
    if renderer.type() == "categorizedSymbol":
        report["attribute"] = renderer.classAttribute()
        report["categories"] = [
            {"value": c.value(), "label": c.label(), "symbol": symbol_report(c.symbol())} for c in renderer.categories()
        ]
    elif renderer.type() == "RuleRenderer":
        def leaves(rule, filters):
            found = []
            for child in rule.children():
                here = [*filters, child.filterExpression()] if child.filterExpression() else filters
                if child.symbol() is not None:
                    found.append({"label": child.label(), "filters": here, "symbol": symbol_report(child.symbol())})
                found += leaves(child, here)
            return found

        report["rules"] = leaves(renderer.rootRule(), [])
    elif renderer.type() == "singleSymbol":
        report["symbol"] = symbol_report(renderer.symbol())
    return report


def feature_styles(layer) -> dict:
    """Per feature id: the data-defined symbol values QGIS computes when drawing it."""
    renderer = layer.renderer()
    context = QgsRenderContext()
    context.setExpressionContext(QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer)))
    renderer.startRender(context, layer.fields())
    styles = {}
    for feature in layer.getFeatures():
        context.expressionContext().setFeature(feature)
        # A rule-based renderer answers "which symbols", not "which symbol"; exactly one must match.
        symbols = renderer.originalSymbolsForFeature(feature, context)
        symbol = symbols[0] if len(symbols) == 1 else None
        if symbol is None:  # not drawn (an exact location's uncertainty area)
            styles[str(feature["id"])] = None if not symbols else {"symbol_count": len(symbols)}
            continue
        props = top_layer(symbol).dataDefinedProperties()
        styles[str(feature["id"])] = {
            "symbol_count": len(symbols),
            "category_color": symbol.color().name(),
            "properties": top_layer(symbol).properties(),
            "uncertainty_area_km2": generated_area_km2(symbol, layer, context),
            **{
                QgsSymbolLayer.propertyDefinitions()[key].name(): plain(props.property(key).value(context.expressionContext())[0])
                for key in props.propertyKeys()
                if props.isActive(key)
            },
        }
    renderer.stopRender(context)
    return styles


def labels_shown(layer) -> dict | None:
    """Per feature id: whether its label is drawn (the labelling's data-defined "Show", true when unset); None unlabelled."""
    if not layer.labelsEnabled() or layer.labeling() is None:
        return None
    settings = layer.labeling().settings()
    show = settings.dataDefinedProperties().property(QgsPalLayerSettings.Show)
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    shown = {}
    for feature in layer.getFeatures():
        context.setFeature(feature)
        shown[str(feature["id"])] = bool(show.valueAsBool(context, True)[0]) if show.isActive() else True
    return shown


def metadata_report(layer) -> dict:
    md = layer.metadata()
    return {
        "identifier": md.identifier(),
        "title": md.title(),
        "abstract": md.abstract(),
        "licenses": list(md.licenses()),
        "rights": list(md.rights()),
        "history": list(md.history()),
        "links": [{"name": link.name, "url": link.url} for link in md.links()],
    }


def layer_report(layer) -> dict:
    valid = layer.isValid()
    report = {"name": layer.name(), "id": layer.id(), "valid": valid, "source": layer.source()}
    if not valid:
        return report
    fields = [f.name() for f in layer.fields()]
    report |= {
        "spatial": layer.isSpatial(),
        "crs": layer.crs().authid() if layer.isSpatial() else None,
        "geometry_type": layer.geometryType(),
        "fields": fields,
        "aliases": {f: layer.attributeAlias(i) for i, f in enumerate(fields) if layer.attributeAlias(i)},
        "features": [
            {
                "attributes": {name: plain(value) for name, value in zip(fields, feature.attributes(), strict=True)},
                "wkt": feature.geometry().asWkt(7) if layer.isSpatial() else None,
            }
            for feature in layer.getFeatures()
        ],
        "renderer": renderer_report(layer),
        "feature_styles": feature_styles(layer) if layer.isSpatial() else None,
        "labels_shown": labels_shown(layer) if layer.isSpatial() else None,
        "metadata": metadata_report(layer),
    }
    return report


def geopackage_report(folder: str) -> dict:
    path = os.path.join(folder, "kzgeo.gpkg")
    probe = QgsVectorLayer(path, "probe", "ogr")
    names = [entry.split("!!::!!")[1] for entry in probe.dataProvider().subLayers()]
    return {name: layer_report(QgsVectorLayer(f"{path}|layername={name}", name, "ogr")) for name in names}


def geojson_report(folder: str) -> dict:
    reports = {}
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".geojson"):
            name = entry[: -len(".geojson")]
            layer = QgsVectorLayer(os.path.join(folder, entry), name, "ogr")
            # What QGIS does when a file is dragged in: apply the sidecar style and metadata.
            style_message, style_ok = layer.loadDefaultStyle()
            metadata_message, metadata_ok = layer.loadDefaultMetadata()
            reports[name] = layer_report(layer) | {
                "default_style_loaded": style_ok,
                "default_metadata_loaded": metadata_ok,
            }
    return reports


def colour_counts(image: QImage) -> dict[str, int]:
    image = image.convertToFormat(QImage.Format_RGB32)
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    raw = bytes(bits)
    counts = Counter(raw[i : i + 3] for i in range(0, len(raw), 4))
    # Format_RGB32 stores each pixel as B, G, R, 0xff in memory.
    return {"#%02x%02x%02x" % (bgr[2], bgr[1], bgr[0]): n for bgr, n in counts.items() if n >= MIN_PIXELS}


def project_report(folder: str, png: str) -> dict:
    project = QgsProject.instance()
    path = next(os.path.join(folder, e) for e in sorted(os.listdir(folder)) if e.endswith((".qgs", ".qgz")))
    read = project.read(path)
    tree_order = [node.layerId() for node in project.layerTreeRoot().findLayers()]
    layers = [project.mapLayer(layer_id) for layer_id in tree_order]
    spatial = [layer for layer in layers if layer.isValid() and layer.isSpatial()]
    extent = project.viewSettings().defaultViewExtent()
    settings = QgsMapSettings()
    settings.setLayers(spatial)
    settings.setDestinationCrs(project.crs())
    settings.setBackgroundColor(QColor("white"))
    settings.setOutputSize(QSize(*IMAGE_SIZE))
    settings.setExtent(extent)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(png, "PNG")
    return {
        "read": read,
        "title": project.title(),
        "crs": project.crs().authid(),
        "absolute_paths": project.readBoolEntry("Paths", "/Absolute", True)[0],
        "tree_order": tree_order,
        "layers": {layer.id(): layer_report(layer) for layer in layers},
        "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
        "extent_crs": project.viewSettings().defaultViewExtent().crs().authid(),
        "render_errors": [f"{e.layerID}: {e.message}" for e in job.errors()],
        "image": {"width": image.width(), "height": image.height(), "colours": colour_counts(image)},
    }


def main(export_dir: str, moved_dir: str, png: str) -> dict:
    return {
        "qgis_version": Qgis.QGIS_VERSION,
        "geopackage": geopackage_report(export_dir),
        "geojson": geojson_report(export_dir),
        "project": project_report(moved_dir, png),
    }


if __name__ == "__main__":
    run(main, 3)

"""Open a (moved) kzgeo export's project in real QGIS and report what a GIS professional checks, as JSON.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_project_driver.py PROJECT_DIR PNG_DIR

Reports: the project CRS and ellipsoid; ``$length`` of every line feature as
the Field Calculator computes it (the project's expression context and
distance settings); QGIS's own metadata validators on every layer and on the
project; labelling; legend (rule) labels in every style; relations; map themes;
bookmarks; print layouts (each rendered to ``PNG_DIR/<layout>.png``, with its
items and the lines its legend shows); map tips evaluated;
SLD exported from every styled layer; the uncertainty areas measured on the
ellipsoid after reprojection. It judges nothing; the tests do. QGIS 3.22 can
crash in ``exitQgis()``, so it prints, flushes and leaves with ``os._exit``.
"""

from __future__ import annotations

import os

from qgis_run import run
from qgis.core import (
    Qgis,
    QgsCoordinateTransform,
    QgsDistanceArea,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsNumericFormatContext,
    QgsNativeMetadataValidator,
    QgsNativeProjectMetadataValidator,
    QgsProject,
    QgsUnitTypes,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant, Qt


def plain(value):
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def lengths(project, layer) -> dict:
    """What the Field Calculator's ``$length`` gives, per feature, in the project's distance unit."""
    area = QgsDistanceArea()
    area.setSourceCrs(layer.crs(), project.transformContext())
    area.setEllipsoid(project.ellipsoid())
    expression = QgsExpression("$length")
    expression.setGeomCalculator(area)
    expression.setDistanceUnits(project.distanceUnits())
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    out = {}
    for feature in layer.getFeatures():
        context.setFeature(feature)
        out[str(feature["id"])] = expression.evaluate(context)
    return out


def legend_labels(layer) -> list[str]:
    renderer = layer.renderer()
    return [item.label() for item in renderer.legendSymbolItems()] if renderer else []


def legend_labels_by_style(layer) -> dict[str, list[str]]:
    """The renderer's legend labels (rule labels) in each of the layer's styles (one per map theme)."""
    manager = layer.styleManager()
    current = manager.currentStyle()
    out = {}
    for style in manager.styles():
        manager.setCurrentStyle(style)
        out[style] = legend_labels(layer)
    manager.setCurrentStyle(current)
    return out


def legend_texts(legend) -> list[str]:
    """Every line a layout legend shows: each layer's heading and each of its symbol classes."""
    model = legend.model()
    texts = []
    for node in model.rootGroup().findLayers():
        texts.append(node.name())
        for legend_node in model.layerLegendNodes(node):
            text = legend_node.data(Qt.DisplayRole)
            if text:
                texts.append(str(text))
    return texts


def uncertainty_areas(project, layer) -> dict:
    """Each uncertainty area's ellipsoidal area (km2) after reprojecting it to the project CRS and back."""
    to_project = QgsCoordinateTransform(layer.crs(), project.crs(), project)
    area = QgsDistanceArea()
    area.setSourceCrs(project.crs(), project.transformContext())
    area.setEllipsoid(project.ellipsoid())
    out = {}
    for feature in layer.getFeatures():
        geometry = feature.geometry()
        geometry.transform(to_project)
        out[feature["id"]] = {
            "km2": area.measureArea(geometry) / 1e6,
            "radius_km": feature["radius_km"],
            "inner_km": plain(feature["inner_km"]),
            "accuracy": plain(feature["accuracy"]),
            "valid": geometry.isGeosValid(),
        }
    return out


def layout_report(project, layout, png_dir: str) -> dict:
    items = layout.items()
    report = {"labels": [], "legend_layers": [], "maps": [], "scalebars": 0, "pictures": []}
    for item in items:
        if isinstance(item, QgsLayoutItemLabel):
            report["labels"].append(item.currentText())
        elif isinstance(item, QgsLayoutItemLegend):
            report["legend_layers"] = [node.name() for node in item.model().rootGroup().findLayers()]
        elif isinstance(item, QgsLayoutItemMap):
            extent = item.extent()
            report["maps"].append({"theme": item.followVisibilityPresetName() if item.followVisibilityPreset() else None,
                                   "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
                                   "scale": item.scale()})
        elif isinstance(item, QgsLayoutItemScaleBar):
            report["scalebars"] += 1
            report["scalebar_units"] = QgsUnitTypes.toString(item.units())
            # How the bar writes a distance of four digits, by the number format QGIS read from the file.
            report["scalebar_1400"] = item.numericFormat().formatDouble(1400.0, QgsNumericFormatContext())
        elif isinstance(item, QgsLayoutItemPicture):
            report["pictures"].append({"north_mode": int(item.northMode()), "linked": item.linkedMap() is not None, "path": item.picturePath()})
    exporter = QgsLayoutExporter(layout)
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 110
    path = os.path.join(png_dir, f"layout-{layout.name()}.png")
    report["export_result"] = int(exporter.exportToImage(path, settings))
    report["png"] = path
    # After the export the legend is filtered by what the map drew; letting it size itself to its
    # content then tells whether the fixed frame held everything (a frame cuts off what does not fit).
    for item in items:
        if isinstance(item, QgsLayoutItemLegend):
            report["legend_texts"] = legend_texts(item)
            frame = item.rect()
            item.setResizeToContents(True)
            item.adjustBoxSize()
            needed = item.rect()
            report["legend_frame_mm"] = [frame.width(), frame.height()]
            report["legend_needed_mm"] = [needed.width(), needed.height()]
    return report


def main(project_dir: str, png_dir: str) -> dict:
    project = QgsProject.instance()
    path = os.path.join(project_dir, "kzgeo.qgs")
    read = project.read(path)
    layers = {layer.id(): layer for layer in project.mapLayers().values()}
    validator = QgsNativeMetadataValidator()
    report = {
        "qgis_version": Qgis.QGIS_VERSION,
        "read": read,
        "crs": {"authid": project.crs().authid(), "geographic": project.crs().isGeographic(), "proj": project.crs().toProj(), "valid": project.crs().isValid()},
        "ellipsoid": project.ellipsoid(),
        "distance_units": QgsUnitTypes.toString(project.distanceUnits()),
        "layers": {},
        "relations": {},
        "themes": {},
        "bookmarks": {},
        "layouts": {},
    }
    ok, results = QgsNativeProjectMetadataValidator().validate(project.metadata())
    report["project_metadata"] = {"ok": ok, "problems": [f"{r.section}: {r.note}" for r in results], "title": project.metadata().title()}
    for layer_id, layer in layers.items():
        ok, results = validator.validate(layer.metadata())
        entry = {
            "name": layer.name(), "valid": layer.isValid(), "spatial": layer.isSpatial(), "features": layer.featureCount(),
            "metadata_ok": ok, "metadata_problems": [f"{r.section}: {r.note}" for r in results],
            "metadata_extent": [[e.bounds.xMinimum(), e.bounds.yMinimum(), e.bounds.xMaximum(), e.bounds.yMaximum()] for e in layer.metadata().extent().spatialExtents()],
            "metadata_temporal": [[e.begin().toString("yyyy-MM-dd"), e.end().toString("yyyy-MM-dd")] for e in layer.metadata().extent().temporalExtents()],
            "contacts": [c.name for c in layer.metadata().contacts()],
            "links": [link.url for link in layer.metadata().links()],
            "fields": [f.name() for f in layer.fields()],
            "aliases": {f.name(): f.alias() for f in layer.fields() if f.alias()},
            "widgets": {f.name(): f.editorWidgetSetup().type() for f in layer.fields()},
            "value_maps": {f.name(): f.editorWidgetSetup().config().get("map") for f in layer.fields() if f.editorWidgetSetup().type() == "ValueMap"},
            "constraints": {f.name(): int(f.constraints().constraints()) for f in layer.fields() if int(f.constraints().constraints())},
            "types": {f.name(): f.typeName() for f in layer.fields()},
        }
        if layer.isSpatial():
            entry["renderer"] = layer.renderer().type()
            entry["legend"] = legend_labels(layer)
            entry["legend_by_style"] = legend_labels_by_style(layer)
            entry["labels_enabled"] = layer.labelsEnabled()
            entry["label_field"] = layer.labeling().settings().fieldName if layer.labelsEnabled() and layer.labeling() else None
            entry["styles"] = layer.styleManager().styles()
            entry["crs"] = layer.crs().authid()
            sld_path = os.path.join(png_dir, f"{layer_id}.sld")
            layer.saveSldStyle(sld_path)
            entry["sld"] = open(sld_path, encoding="utf-8").read()
            if layer.geometryType() == QgsWkbTypes.LineGeometry:
                entry["lengths_km"] = lengths(project, layer)
        if layer.mapTipTemplate():
            context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
            tips = {}
            for feature in layer.getFeatures():
                context.setFeature(feature)
                tips[str(feature["id"])] = QgsExpression.replaceExpressionText(layer.mapTipTemplate(), context)
            entry["map_tips"] = tips
        report["layers"][layer_id] = entry
    uncertainty = project.mapLayer("kzgeo_layer_uncertainty")
    if uncertainty is not None:
        report["uncertainty"] = uncertainty_areas(project, uncertainty)
    for relation_id, relation in project.relationManager().relations().items():
        report["relations"][relation_id] = {
            "valid": relation.isValid(), "referencing": relation.referencingLayerId(), "referenced": relation.referencedLayerId(),
            "pairs": [list(pair) for pair in relation.fieldPairs().items()],
        }
    collection = project.mapThemeCollection()
    for theme in collection.mapThemes():
        record = collection.mapThemeState(theme)
        report["themes"][theme] = {r.layer().id(): (r.currentStyle if r.usingCurrentStyle else None) for r in record.layerRecords() if r.layer()}
    for bookmark in project.bookmarkManager().bookmarks():
        extent = bookmark.extent()
        report["bookmarks"][bookmark.name()] = {"crs": extent.crs().authid(), "box": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()]}
    for layout in project.layoutManager().printLayouts():
        report["layouts"][layout.name()] = layout_report(project, layout, png_dir)
    return report


if __name__ == "__main__":
    run(main, 2)

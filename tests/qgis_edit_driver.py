"""Edit an exported GeoPackage the way a QGIS user does, through PyQGIS's editing API, and report.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_edit_driver.py GPKG EDITS_JSON

EDITS_JSON is a list of edits, each ``{"layer", "id", "move": [dlon, dlat]}``,
``{"layer", "id", "set": {field: value}}``, ``{"layer", "delete_id"}`` or
``{"layer", "add": {field: value}, "point": [lon, lat]}``. Each layer is edited
in one edit session (startEditing ... commitChanges), as the attribute table
and the Vertex tool do. Prints ``{"committed": {layer: bool}, "errors": [...]}``;
leaves with ``os._exit`` (QGIS 3.22 may crash in exitQgis()).
"""

from __future__ import annotations

import json

from qgis_run import run
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer


def main(gpkg: str, edits_json: str) -> dict:
    edits = json.loads(edits_json)
    committed, errors = {}, []
    for name in dict.fromkeys(e["layer"] for e in edits):
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        if not layer.isValid():
            errors.append(f"{name}: not valid")
            continue
        layer.startEditing()
        by_id = {str(f["id"]): f for f in layer.getFeatures()}
        for edit in (e for e in edits if e["layer"] == name):
            if "move" in edit:
                feature = by_id[edit["id"]]
                point = feature.geometry().asPoint()
                dx, dy = edit["move"]
                layer.changeGeometry(feature.id(), QgsGeometry.fromPointXY(QgsPointXY(point.x() + dx, point.y() + dy)))
            if "set" in edit:
                feature = by_id[edit["id"]]
                for field, value in edit["set"].items():
                    layer.changeAttributeValue(feature.id(), layer.fields().indexOf(field), value)
            if "delete_id" in edit:
                layer.deleteFeature(by_id[edit["delete_id"]].id())
            if "add" in edit:
                feature = QgsFeature(layer.fields())
                for field, value in edit["add"].items():
                    feature[field] = value
                if "point" in edit:
                    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*edit["point"])))
                layer.addFeature(feature)
        committed[name] = layer.commitChanges()
        if not committed[name]:
            errors += list(layer.commitErrors())
    return {"committed": committed, "errors": errors}


if __name__ == "__main__":
    run(main, 2)

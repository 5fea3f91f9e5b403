"""The QGIS hand-off: a styled GeoPackage, GeoJSON with sidecars and a project.

* :mod:`kzgeo.qgis.export` writes the folder (staged, then swapped in);
* :mod:`kzgeo.qgis.qml` writes layer styles, :mod:`kzgeo.qgis.qmd` layer
  metadata and :mod:`kzgeo.qgis.project` the ``.qgs`` project;
* :mod:`kzgeo.qgis.xml` holds what the three XML documents share.

It reads only the :class:`~kzgeo.dataset.Dataset` and the catalog's styles,
the same ones the HTML map uses.
"""

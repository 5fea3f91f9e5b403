"""Measures on the layers: geodesic lengths and distances, and the corridor questions built on them.

* :mod:`kzgeo.analysis.geodesy` -- vectorised WGS84 lengths and distances;
* :mod:`kzgeo.analysis.measures` -- leg and route lengths against published
  ones, deposit proximity.

:mod:`kzgeo.report` formats these tables for the ``kzgeo report`` command.
"""

"""The interactive page: a :class:`~kzgeo.dataset.Dataset` as a self-contained folium map.

* :mod:`kzgeo.html.render` builds the map (one group per layer, legends,
  controls, text panel, timeline, manifest);
* :mod:`kzgeo.html.fastlayer` sends a large layer as columns drawn on canvas;
* :mod:`kzgeo.html.popup` is the one place data becomes markup (escaped);
* :mod:`kzgeo.html.elements` holds kzgeo's own map elements, and
  :mod:`kzgeo.html.page` the page that inlines Leaflet and numbers elements;
* ``static/`` holds the page's own script and style.

Only :mod:`kzgeo.spec`, :mod:`kzgeo.publish` and the facade import this room.
"""

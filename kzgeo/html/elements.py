"""Custom map elements (folium MacroElements): title, legends, backdrop, controls, panels.

Each element keeps its template at class level and receives its data through
``tojson``; the browser inserts text with ``textContent``, never as HTML, so
nothing from the data can become markup here.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from branca.element import MacroElement
from jinja2 import Template

from kzgeo.html.fastlayer import compact_json

_CSS = """
.kz-title{background:rgba(255,255,255,.92);padding:6px 10px;border-radius:4px;
  box-shadow:0 1px 4px rgba(0,0,0,.3);font:14px/1.3 system-ui,sans-serif;max-width:320px}
.kz-title h1{font-size:16px;margin:0 0 2px}
.kz-title p{margin:0;color:#444;font-size:12px}
.kz-legend{background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;
  box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.4 system-ui,sans-serif}
.kz-legend summary{font-size:12px;margin:0 0 3px}
.kz-legend div{display:flex;align-items:center;gap:6px}
.kz-legend svg{flex:none}
.kz-popup{font:12px/1.35 system-ui,sans-serif}
.kz-popup h4{margin:0 0 4px;font-size:14px}
.kz-popup h5{margin:6px 0 2px;font-size:12px}
.kz-popup table{border-collapse:collapse}
.kz-popup th{text-align:left;padding:1px 6px 1px 0;vertical-align:top;color:#555;font-weight:600}
.kz-popup ul{margin:0;padding-left:16px}
"""


class MapTitle(MacroElement):
    """A title block with the map's "as of" date, fixed at the top of the map."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
          var ctl = L.control({position: "topright"});
          ctl.onAdd = function() {
            var box = L.DomUtil.create("div", "kz-title");
            var h = L.DomUtil.create("h1", "", box);
            h.textContent = {{ this.title|tojson }};
            var p = L.DomUtil.create("p", "", box);
            p.textContent = {{ this.subtitle|tojson }};
            return box;
          };
          ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, subtitle: str):
        super().__init__()
        self._name = "MapTitle"
        self.title = title
        self.subtitle = subtitle
        self.css = _CSS


class LayerLegend(MacroElement):
    """A legend that belongs to one overlay: it shows and hides with its layer.

    ``entries`` are :func:`kzgeo.style.legend_entries` rows.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }};
          var layer = {{ this.layer.get_name() }};
          var entries = {{ this.entries|tojson }};
          var ctl = L.control({position: "bottomright"});
          ctl.onAdd = function() {
            var box = L.DomUtil.create("details", "kz-legend");
            box.open = true;
            box.setAttribute("data-layer", {{ this.title|tojson }});
            var h = L.DomUtil.create("summary", "", box);
            h.textContent = {{ this.title|tojson }};
            L.DomEvent.disableClickPropagation(box);
            entries.forEach(function(e) {
              var row = L.DomUtil.create("div", "", box);
              var ns = "http://www.w3.org/2000/svg";
              var svg = document.createElementNS(ns, "svg");
              svg.setAttribute("width", "22"); svg.setAttribute("height", "14");
              /* Each symbol is drawn with the path options of a feature it stands for (style.legend_entries). */
              var st = e.style || {};
              function shape(tag, attrs, opts) {
                var m = document.createElementNS(ns, tag);
                Object.keys(attrs).forEach(function (k) { m.setAttribute(k, attrs[k]); });
                m.setAttribute("stroke", opts.color || e.color);
                m.setAttribute("stroke-width", String(opts.weight == null ? 1 : opts.weight));
                if (opts.dashArray) { m.setAttribute("stroke-dasharray", opts.dashArray); }
                if (tag !== "line") {
                  m.setAttribute("fill", opts.fill === false ? "none" : (opts.fillColor || opts.color || e.color));
                  m.setAttribute("fill-opacity", String(opts.fillOpacity == null ? 0.2 : opts.fillOpacity));
                }
                if (opts.opacity != null) { m.setAttribute("stroke-opacity", String(opts.opacity)); }
                return m;
              }
              var mark;
              if (e.shape === "line") {
                mark = shape("line", {x1: 1, y1: 7, x2: 21, y2: 7}, st);
                mark.setAttribute("stroke-width", String(Math.min(st.weight || 4, 4)));
              } else if (e.shape === "area") {
                mark = shape("rect", {x: 3, y: 2, width: 16, height: 10}, st);
              } else if (e.shape === "hollow") {
                /* The approximate marker (small, hollow, dashed) inside its circle of uncertainty. */
                svg.appendChild(shape("circle", {cx: 11, cy: 7, r: 6.3}, e.ring || {color: e.color, dashArray: e.dash}));
                mark = shape("circle", {cx: 11, cy: 7, r: 3.2}, st);
              } else {
                mark = shape("circle", {cx: 11, cy: 7, r: 5}, st);
              }
              svg.appendChild(mark);
              row.appendChild(svg);
              var span = document.createElement("span");
              span.textContent = e.label;
              row.appendChild(span);
            });
            return box;
          };
          function sync() {
            if (map.hasLayer(layer)) { ctl.addTo(map); } else { ctl.remove(); }
          }
          map.on("overlayadd overlayremove", sync);
          sync();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layer, title: str, entries: list[dict[str, Any]]):
        super().__init__()
        self._name = "LayerLegend"
        self.layer = layer
        self.title = title
        self.entries = entries


def _static(name: str) -> str:
    return files("kzgeo.html").joinpath("static", name).read_text(encoding="utf-8")


class OwnControlsCode(MacroElement):
    """kzgeo's own control code and styles (``kzgeo/static``), written into the page header.

    Everything else on the page that calls ``kzgeo.*`` depends on it, so it is
    added once per map, before them.
    """

    _template = Template(
        """{% macro header(this, kwargs) %}<style>{{ this.css }}</style>
<script>{{ this.js }}</script>{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "OwnControlsCode"
        self.css = _static("controls.css")
        self.js = _static("controls.js")


class Backdrop(MacroElement):
    """Land, lakes and rivers on a water-coloured map, under the tiles (``kzgeo.backdrop``, quantised as stored)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_data = {{ this.data }};
        var {{ this.get_name() }} = kzgeo.backdrop({{ this._parent.get_name() }}, {{ this.get_name() }}_data, {{ this.style|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, shapes: dict[str, Any], style: dict[str, str]):
        super().__init__()
        self._name = "Backdrop"
        #: Without JSON's spaces: the shapes are most of a page's bytes.
        self.data = compact_json(shapes)
        self.style = style
        #: The minimap draws the 1:50m countries of the same data (each shape is in the page once).
        self.mini_style = dict(style)


class OwnControls(MacroElement):
    """Full screen, distance measure and minimap, drawn by kzgeo's own code (no CDN).

    The minimap shows ``backdrop``'s outlines, so it works with no network.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }};
          var t = {{ this.labels|tojson }};
          kzgeo.fullscreen(map, t);
          map.kzMeasure = kzgeo.measure(map, t);
          map.kzMinimap = kzgeo.minimap(map, {{ this.backdrop.get_name() }}_data, {{ this.backdrop.mini_style|tojson }}, t);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, backdrop: Backdrop, labels: dict[str, str]):
        super().__init__()
        self._name = "OwnControls"
        self.backdrop = backdrop
        self.labels = labels


class TextPanel(MacroElement):
    """The "map as text" panel (HTML from :func:`kzgeo.html.popup.text_panel_html`) and its button."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}
        {% macro script(this, kwargs) %}
        kzgeo.textPanel({{ this._parent.get_name() }}, {{ this.panel_id|tojson }}, {{ this.labels|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, panel_id: str, body: str, labels: dict[str, str]):
        super().__init__()
        self._name = "TextPanel"
        self.panel_id = panel_id
        self.body = body
        self.labels = labels


class Timeline(MacroElement):
    """The agreements as a dated list; choosing one highlights the features it concerns.

    ``layers`` are the folium GeoJson layers whose features an agreement may name.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.kzTimeline = kzgeo.timeline({{ this._parent.get_name() }},
          {{ this.agreements|tojson }},
          [{% for layer in this.layers %}{{ layer.get_name() }}{{ "," if not loop.last }}{% endfor %}],
          {{ this.labels|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, agreements: list[dict[str, Any]], layers: list, labels: dict[str, str]):
        super().__init__()
        self._name = "Timeline"
        self.agreements = agreements
        self.layers = layers
        self.labels = labels


class BuildManifest(MacroElement):
    """What the page was built from: kzgeo's version, input file hashes, the data's date.

    Written as ``<meta name="generator">`` and a JSON block
    (``<script type="application/json" id="kz-build">``) that a reader or a
    script can check; it holds no clock time, so rebuilding changes nothing.
    """

    _template = Template(
        """{% macro header(this, kwargs) %}<meta name="generator" content="kzgeo {{ this.manifest.kzgeo_version|e }}">
<script type="application/json" id="kz-build">{{ this.manifest|tojson }}</script>{% endmacro %}"""
    )

    def __init__(self, manifest: dict[str, Any]):
        super().__init__()
        self._name = "BuildManifest"
        self.manifest = manifest


class ZoomControl(MacroElement):
    """Leaflet's zoom buttons with their titles (tooltips, accessible names) in the map's language."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.zoom({position: "topleft", zoomInTitle: {{ this.zoom_in|tojson }}, zoomOutTitle: {{ this.zoom_out|tojson }}}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, zoom_in: str, zoom_out: str):
        super().__init__()
        self._name = "ZoomControl"
        self.zoom_in = zoom_in
        self.zoom_out = zoom_out


class SkipLink(MacroElement):
    """"Skip to the map as text": the page's first Tab stop, opening the text panel."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var a = document.createElement("a");
          a.className = "kz-skip";
          a.href = "#" + {{ this.panel_id|tojson }};
          a.textContent = {{ this.text|tojson }};
          document.body.insertBefore(a, document.body.firstChild);
          a.addEventListener("click", function (e) {
            e.preventDefault();
            var map = {{ this._parent.get_name() }};
            if (map.kzOpenText) { map.kzOpenText(); }
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, text: str, panel_id: str):
        super().__init__()
        self._name = "SkipLink"
        self.text = text
        self.panel_id = panel_id


class PlaceLabels(MacroElement):
    """Place names drawn on the map (``kzgeo.places`` and the dataset's own points), placed in the browser."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.kzLabels = kzgeo.labels({{ this._parent.get_name() }}, {{ this.items|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, items: list[dict[str, Any]]):
        super().__init__()
        self._name = "PlaceLabels"
        self.items = items


class Picker(MacroElement):
    """One click handler for the small layers: a feature's card, or a chooser when several lie under the click."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.kzPicker = kzgeo.picker({{ this._parent.get_name() }},
          [{% for layer in this.layers %}{{ layer.get_name() }}{{ "," if not loop.last }}{% endfor %}],
          {{ this.labels|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: list, labels: dict[str, str]):
        super().__init__()
        self._name = "Picker"
        self.layers = layers
        self.labels = labels


class StartView(MacroElement):
    """Fits the features at whatever size the page opens, clear of the controls; a button returns there."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.kzStartControl = kzgeo.startView({{ this._parent.get_name() }}, {{ this.bounds|tojson }}, {{ this.extent|tojson }}, {{ this.labels|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list, extent: list, labels: dict[str, str]):
        super().__init__()
        self._name = "StartView"
        self.bounds = bounds
        self.extent = extent
        self.labels = labels


class ZoomTo(MacroElement):
    """Buttons that zoom to places too small to read at the start view (TRIPP in Syunik)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        kzgeo.zoomTo({{ this._parent.get_name() }}, {{ this.places|tojson }}, {{ this.labels|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, places: list[dict[str, Any]], labels: dict[str, str]):
        super().__init__()
        self._name = "ZoomTo"
        self.places = places
        self.labels = labels


class ScaleBar(MacroElement):
    """Leaflet's metric scale with its units in the map's language."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var t = {{ this.labels|tojson }};
          var Scale = L.Control.Scale.extend({
            _updateScale: function (scale, text, ratio) {
              L.Control.Scale.prototype._updateScale.call(this, scale, text.replace(/ km$/, " " + t.km).replace(/ m$/, " " + t.m), ratio);
            }
          });
          var map = {{ this._parent.get_name() }};
          new Scale({imperial: false}).addTo(map);
          /* Leaflet's own credit, with its tooltip in the map's language (text, not HTML). */
          var link = document.createElement("a");
          link.href = "https://leafletjs.com";
          link.title = t.leaflet;
          link.textContent = "Leaflet";
          var holder = document.createElement("span");
          holder.appendChild(link);
          if (map.attributionControl) { map.attributionControl.setPrefix(holder.innerHTML); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, labels: dict[str, str]):
        super().__init__()
        self._name = "ScaleBar"
        self.labels = labels

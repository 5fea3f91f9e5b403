"""A route drawn on the overview map: highlighted, with a summary box.

:func:`route_map` renders the overview map (:func:`kzgeo.html.render.render_map`)
fitted to the route, draws the route over the corridor layer as a wide
highlighted line (class ``kz-route``; the access segment of a deposit dashed,
class ``kz-route-access``) and adds :class:`RouteSummary`, a box with the
total, length by mode, transshipments, borders and the legs in order. The page
stays self-contained: nothing is loaded from the network.
"""

from __future__ import annotations

from typing import Any

import folium
import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from kzgeo import settings
from kzgeo.analysis.routing import Route
from kzgeo.dataset import Dataset
from kzgeo.html.popup import esc
from kzgeo.html.render import render_map

#: Route colours: a dark casing under a bright line reads on land, sea and every corridor colour.
ROUTE_CASING = "#1b1b1b"
ROUTE_LINE = "#ffd400"

_CSS = """
.kz-route-summary{background:rgba(255,255,255,.96);padding:8px 10px;border-radius:4px;border-left:5px solid #ffd400;
  box-shadow:0 1px 5px rgba(0,0,0,.35);font:12px/1.4 system-ui,sans-serif;max-width:330px;max-height:45vh;overflow:auto}
.kz-route-summary h2{font-size:14px;margin:0 0 4px}
.kz-route-summary p{margin:2px 0}
.kz-route-summary .kz-total{font-size:15px;font-weight:700}
.kz-route-summary ol{margin:4px 0 0;padding-left:18px}
.kz-route-summary .kz-not-operating{color:#a04000;font-weight:600}
.kz-route-summary .kz-flag{color:#a04000}
.kz-route-summary summary{cursor:pointer;font-weight:600;margin-top:4px}
@media (max-width:600px){.kz-route-summary{max-width:62vw;max-height:34vh;font-size:11px;padding:6px 8px}
  .kz-route-summary h2{font-size:12px}.kz-route-summary .kz-total{font-size:13px}}
"""


class RouteSummary(MacroElement):
    """The route's summary box; data arrive as JSON and are inserted as text, never as HTML."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
          var s = {{ this.summary|tojson }};
          var ctl = L.control({position: "bottomleft"});
          ctl.onAdd = function() {
            var box = L.DomUtil.create("section", "kz-route-summary");
            box.id = "kz-route-summary";
            box.setAttribute("aria-label", s.title);
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            function add(tag, cls, text, parent) {
              var el = L.DomUtil.create(tag, cls || "", parent || box);
              el.textContent = text;
              return el;
            }
            add("h2", "", s.title);
            add("p", "kz-total", s.total);
            // On a phone the facts and legs fold away (one tap opens them): the map needs the room.
            var wide = window.innerWidth > 600;
            var facts = box;
            if (!wide) {
              facts = L.DomUtil.create("details", "", box);
              add("summary", "", s.details_heading, facts);
            }
            s.lines.forEach(function(line){ add("p", line.flag ? "kz-flag" : "", line.text, facts); });
            var details = L.DomUtil.create("details", "", facts);
            details.open = wide;
            add("summary", "", s.legs_heading, details);
            var ol = L.DomUtil.create("ol", "", details);
            s.legs.forEach(function(leg){ add("li", leg.operating ? "" : "kz-not-operating", leg.text, ol); });
            return box;
          };
          var map = {{ this._parent.get_name() }};
          ctl.addTo(map);
          // Fit the route clear of the summary box (left) and the legends (right); a phone
          // has no room for either margin, so there the route takes the whole map.
          var wide = map.getSize().x > 700;
          map.fitBounds({{ this.bounds|tojson }}, wide ? {paddingTopLeft: [380, 20], paddingBottomRight: [340, 20]} : {padding: [12, 12]});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, summary: dict[str, Any], bounds: list[list[float]]):
        super().__init__()
        self._name = "RouteSummary"
        self.summary = summary
        self.bounds = bounds
        self.css = _CSS


def _km(value: float) -> str:
    return f"{value:,.0f} km"


def summary_lines(route: Route, names: dict[str, str]) -> dict[str, Any]:
    """The summary box's text: title, total, one line per fact, the legs in order."""
    d = route.to_dict()
    lines = [{"text": "By mode: " + ", ".join(f"{mode} {_km(km)}" for mode, km in d["by_mode"].items()), "flag": False}]
    lines.append({"text": f"Straight line {_km(d['straight_km'])} (route ×{d['total_km'] / d['straight_km']:.2f})" if d["straight_km"] else "", "flag": False})
    if route.include_planned and d["not_operating_km"]:
        lines.append({"text": f"Includes {_km(d['not_operating_km'])} on legs not yet operating (marked below)", "flag": True})
    elif not route.include_planned:
        lines.append({"text": "Operating legs only", "flag": False})
    for seg in d["access"]:
        how = f"{seg['kind']}, {_km(seg['km'])} ({seg['basis']})" if seg["declared"] else f"no railhead declared: straight line of {_km(seg['km'])} to the nearest node (assumed)"
        lines.append({"text": f"Access {names.get(seg['from'], seg['from'])} – {names.get(seg['to'], seg['to'])}: {how}", "flag": not seg["declared"]})
    shipments = [f"{t['at_name']}{' or after' if t['note'] else ''} ({t['from']} → {t['to']}{' mm' if t['kind'] == 'gauge' else ''})" for t in d["transshipments"]]
    lines.append({"text": f"Transshipments ({len(shipments)}): " + ("; ".join(shipments) or "none"), "flag": False})
    borders = [f"{b['from']} → {b['to']}" for b in d["borders"]]
    lines.append({"text": f"Borders ({len(borders)}): " + (", ".join(borders) or "none"), "flag": False})
    for t in d["transit_times"]:
        days = f"{t['days_min']:g}" if t["days_min"] == t["days_max"] else f"{t['days_min']:g}–{t['days_max']:g}"
        lines.append({"text": f"Published transit time {names.get(t['from'], t['from'])} → {names.get(t['to'], t['to'])}: {days} days", "flag": False})
    legs = [
        {
            "text": f"{leg['name']}{' (part)' if leg['partial'] else ''}: {leg['mode']}, {_km(leg['km'])}" + ("" if leg["operating"] else f" — {leg['status']}"),
            "operating": leg["operating"],
        }
        for leg in d["legs"]
    ]
    return {
        "title": f"Route: {route.origin.name} → {route.destination.name}",
        "total": f"{_km(d['total_km'])} in total",
        "lines": [line for line in lines if line["text"]],
        "legs": legs,
        "legs_heading": f"Legs in order ({len(legs)})",
        "details_heading": "Modes, transshipments, borders",
    }


def route_map(data: Dataset, route: Route, *, self_contained: bool = True) -> folium.Map:
    """The overview map fitted to ``route``, with the route highlighted and summarised."""
    bounds = np.array([g.bounds for _, g in route.geometries])
    pad = 0.3
    view = tuple(round(float(v), settings.coordinate_precision) for v in (bounds[:, 0].min() - pad, bounds[:, 1].min() - pad, bounds[:, 2].max() + pad, bounds[:, 3].max() + pad))
    title = f"Route: {route.origin.name} → {route.destination.name}"
    fmap = render_map(data, title=title, view=view, self_contained=self_contained)
    group = folium.FeatureGroup(name="Route", show=True, control=False)
    precision = settings.coordinate_precision
    for (kind, i), geom in route.geometries:
        coords = [[round(y, precision), round(x, precision)] for x, y, *_ in geom.coords]
        is_access = kind == "access"
        leg = None if is_access else route.legs[i]
        dash = "6 8" if is_access or not leg["operating"] else None
        folium.PolyLine(coords, color=ROUTE_CASING, weight=11, opacity=0.75, interactive=False, class_name="kz-route-casing").add_to(group)
        folium.PolyLine(
            coords,
            color=ROUTE_LINE,
            weight=6,
            opacity=1,
            dash_array=dash,
            class_name="kz-route-access" if is_access else "kz-route",
            tooltip=folium.Tooltip(_tooltip(leg, route)),
        ).add_to(group)
    group.add_to(fmap)
    RouteSummary(summary_lines(route, route.names), [[view[1], view[0]], [view[3], view[2]]]).add_to(fmap)
    return fmap


def _tooltip(leg: dict[str, Any] | None, route: Route) -> str:
    if leg is None:
        return esc("Access to the railhead (not a corridor leg)")
    status = "" if leg["operating"] else f", {leg['status']}"
    return esc(f"{leg['name']}: {leg['mode']}, {leg['km']:,.1f} km{status}")

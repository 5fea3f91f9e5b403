/* kzgeo's own map controls: offline backdrop, full screen, distance measure,
 * overview minimap, agreements timeline and the "map as text" panel.
 *
 * Small on purpose: they use only Leaflet and the browser, so a map that
 * carries them inline needs no network. Every caption and data value is
 * inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  function el(tag, className, parent, text) {
    var node = L.DomUtil.create(tag, className || "", parent);
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function button(parent, className, title, glyph) {
    var b = el("button", "kz-btn " + className, parent, glyph);
    b.type = "button";
    b.title = title;
    b.setAttribute("aria-label", title);
    L.DomEvent.disableClickPropagation(b);
    return b;
  }

  /* Icons are SVG paths: a map opened anywhere may lack emoji or symbol fonts. */
  var ICONS = {
    fullscreen: "M3 8V3h5M12 3h5v5M17 12v5h-5M8 17H3v-5",
    measure: "M2 13l11-11 5 5-11 11zM5 10l2 2M8 7l2 2M11 4l2 2",
    table: "M3 4h14v12H3zM3 8h14M3 12h14M8 4v12"
  };
  function iconButton(parent, className, title, icon) {
    var b = button(parent, className, title);
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[icon]);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.8");
    svg.appendChild(path);
    b.appendChild(svg);
    return b;
  }

  /* Country outlines under everything, in a pane below the tiles. */
  function backdrop(map, geojson, style) {
    var pane = map.createPane("kzBackdrop");
    pane.style.zIndex = 150;
    map.getContainer().style.background = style.water;
    var layer = L.geoJSON(geojson, {
      pane: "kzBackdrop",
      renderer: L.canvas({pane: "kzBackdrop"}),
      attribution: style.attribution,
      interactive: false,
      style: function () {
        return {color: style.border, weight: 0.8, fillColor: style.land, fillOpacity: 1};
      }
    });
    /* A path in a custom pane cannot be added before the map has a view (Leaflet 1.9). */
    map.whenReady(function () { layer.addTo(map); });
    return layer;
  }

  /* A button that puts the map's container in full screen (Fullscreen API). */
  function fullscreen(map, t) {
    var ctl = L.control({position: "topleft"});
    ctl.onAdd = function () {
      var box = el("div", "leaflet-bar kz-bar");
      var b = iconButton(box, "kz-fullscreen", t.fullscreen, "fullscreen");
      b.setAttribute("aria-pressed", "false");
      var target = map.getContainer();
      L.DomEvent.on(b, "click", function () {
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (target.requestFullscreen) { target.requestFullscreen(); }
      });
      document.addEventListener("fullscreenchange", function () {
        var on = document.fullscreenElement === target;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.title = on ? t.exit_fullscreen : t.fullscreen;
        b.setAttribute("aria-label", b.title);
        map.invalidateSize();
      });
      return box;
    };
    return ctl.addTo(map);
  }

  /* Click points to draw a polyline; its geodesic length shows in km. */
  function measure(map, t) {
    var ctl = L.control({position: "topleft"});
    var line = null, marks = L.layerGroup().addTo(map), active = false;
    ctl.onAdd = function () {
      var box = el("div", "leaflet-bar kz-bar kz-measure");
      var b = iconButton(box, "kz-measure-btn", t.measure, "measure");
      b.setAttribute("aria-pressed", "false");
      var out = el("div", "kz-measure-out", box);
      out.setAttribute("role", "status");
      out.setAttribute("aria-live", "polite");
      out.hidden = true;
      var text = el("span", "", out);
      var clear = button(out, "kz-measure-clear", t.measure_clear, t.measure_clear);

      function total() {
        var pts = line ? line.getLatLngs() : [], km = 0;
        for (var i = 1; i < pts.length; i++) { km += map.distance(pts[i - 1], pts[i]) / 1000; }
        return km;
      }
      function show() {
        var n = line ? line.getLatLngs().length : 0;
        text.textContent = n < 2 ? t.measure_hint : t.measure_total + ": " + total().toFixed(1) + " " + t.km;
        out.hidden = !active && n === 0;
      }
      function onClick(e) {
        if (!line) { line = L.polyline([], {className: "kz-measure-line", color: "#111", weight: 2, dashArray: "6 4", interactive: false}).addTo(marks); }
        line.addLatLng(e.latlng);
        L.circleMarker(e.latlng, {radius: 3, color: "#111", weight: 1, fillOpacity: 1, interactive: false}).addTo(marks);
        show();
      }
      function setActive(on) {
        active = on;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        L.DomUtil[on ? "addClass" : "removeClass"](map.getContainer(), "kz-measuring");
        map[on ? "on" : "off"]("click", onClick);
        if (on) { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); }
        show();
      }
      L.DomEvent.on(b, "click", function () { setActive(!active); });
      L.DomEvent.on(clear, "click", function () { marks.clearLayers(); line = null; show(); });
      ctl.total = total;
      return box;
    };
    return ctl.addTo(map);
  }

  /* A small second map of the backdrop with the main view drawn as a rectangle. */
  function minimap(map, geojson, style, t) {
    var ctl = L.control({position: "bottomleft"});
    ctl.onAdd = function () {
      var box = el("div", "kz-minimap");
      box.setAttribute("role", "img");
      box.setAttribute("aria-label", t.minimap);
      box.title = t.minimap;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      box.style.background = style.water;
      return box;
    };
    ctl.addTo(map);
    var mini = L.map(ctl.getContainer(), {
      attributionControl: false, zoomControl: false, dragging: false, scrollWheelZoom: false,
      doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false, zoomSnap: 0.25, preferCanvas: true
    });
    var outlines = L.geoJSON(geojson, {interactive: false, style: function () {
      return {color: style.border, weight: 0.5, fillColor: style.land, fillOpacity: 1};
    }});
    var view = null;
    function sync() {
      var b = map.getBounds();
      if (view) { view.setBounds(b); }
      else { view = L.rectangle(b, {className: "kz-minimap-view", color: "#c0392b", weight: 2, fillOpacity: 0.1, interactive: false}).addTo(mini); }
      mini.setView(map.getCenter(), Math.max(map.getZoom() - 3.5, 0), {animate: false});
      if (!mini.hasLayer(outlines)) { outlines.addTo(mini); view.bringToFront(); }
    }
    mini.on("click", function (e) { map.panTo(e.latlng); });
    map.whenReady(function () { map.on("moveend zoomend resize", sync); sync(); });
    ctl.mini = mini;
    return ctl;
  }

  /* Agreements as a dated list; choosing one highlights the features it concerns. */
  function timeline(map, agreements, groups, t) {
    var byId = {};
    groups.forEach(function (g) {
      g.eachLayer(function (l) { if (l.feature) { byId[l.feature.id] = {layer: l, group: g}; } });
    });
    var lit = [];
    function clear() {
      lit.forEach(function (x) { x.group.resetStyle(x.layer); L.DomUtil.removeClass(x.layer.getElement(), "kz-lit"); });
      lit = [];
    }
    function highlight(ids) {
      clear();
      var bounds = L.latLngBounds([]);
      ids.forEach(function (id) {
        var x = byId[id];
        if (!x) { return; }
        x.layer.setStyle({color: "#ff8c00", weight: 6, opacity: 1});
        if (x.layer.getElement()) { L.DomUtil.addClass(x.layer.getElement(), "kz-lit"); }
        if (map.hasLayer(x.layer)) { x.layer.bringToFront(); }
        bounds.extend(x.layer.getLatLng ? x.layer.getLatLng() : x.layer.getBounds());
        lit.push(x);
      });
      /* Keep clear of the timeline on the left and the legends on the right. */
      if (bounds.isValid()) { map.flyToBounds(bounds, {paddingTopLeft: [330, 60], paddingBottomRight: [360, 60], maxZoom: 7, duration: 0.6}); }
    }
    var ctl = L.control({position: "topleft"});
    ctl.onAdd = function () {
      var box = el("section", "kz-timeline");
      box.setAttribute("aria-label", t.timeline);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      var head = el("div", "kz-timeline-head", box);
      var h = el("h2", "", head);
      var toggle = button(h, "kz-timeline-toggle", t.timeline, "\u25b8 " + t.timeline + " (" + agreements.length + ")");
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-controls", "kz-timeline-list");
      var reset = button(head, "kz-timeline-clear", t.timeline_all, "\u00d7");
      var list = el("ol", "", box);
      list.id = "kz-timeline-list";
      list.hidden = true;
      reset.hidden = true;
      L.DomEvent.on(toggle, "click", function () {
        var open = list.hidden;
        list.hidden = !open;
        reset.hidden = !open;
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        toggle.textContent = (open ? "\u25be " : "\u25b8 ") + t.timeline + " (" + agreements.length + ")";
      });
      if (!agreements.length) { el("li", "", list, t.timeline_none); }
      var buttons = [];
      agreements.forEach(function (a) {
        var item = el("li", "", list);
        var b = button(item, "kz-agreement", a.title, "");
        b.setAttribute("aria-pressed", "false");
        b.setAttribute("data-agreement", a.id);
        el("time", "", b, a.date).setAttribute("datetime", a.date);
        el("span", "", b, " " + a.title);
        L.DomEvent.on(b, "click", function () {
          var on = b.getAttribute("aria-pressed") !== "true";
          buttons.forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
          if (on) { b.setAttribute("aria-pressed", "true"); highlight(a.features); } else { clear(); }
        });
        buttons.push(b);
      });
      L.DomEvent.on(reset, "click", function () {
        buttons.forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
        clear();
      });
      return box;
    };
    ctl.highlighted = function () { return lit.map(function (x) { return x.layer.feature.id; }); };
    return ctl.addTo(map);
  }

  /* A button that opens the page's text panel (summary and feature tables). */
  function textPanel(map, panelId, t) {
    var panel = document.getElementById(panelId);
    var ctl = L.control({position: "topleft"});
    ctl.onAdd = function () {
      var box = el("div", "leaflet-bar kz-bar");
      var b = iconButton(box, "kz-table-btn", t.table_open, "table");
      b.setAttribute("aria-expanded", "false");
      b.setAttribute("aria-controls", panelId);
      var close = panel.querySelector(".kz-panel-close");
      function set(open) {
        panel.hidden = !open;
        b.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) { panel.querySelector("h2").focus(); } else { b.focus(); }
      }
      L.DomEvent.on(b, "click", function () { set(panel.hidden); });
      close.addEventListener("click", function () { set(false); });
      panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { set(false); } });
      return box;
    };
    return ctl.addTo(map);
  }

  window.kzgeo = {backdrop: backdrop, fullscreen: fullscreen, measure: measure, minimap: minimap, timeline: timeline, textPanel: textPanel};
})();

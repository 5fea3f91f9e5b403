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
    table: "M3 4h14v12H3zM3 8h14M3 12h14M8 4v12",
    home: "M3 10l7-7 7 7M5 8v9h4v-5h2v5h4V8"
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

  /* Quantised backdrop shapes (kzgeo.backdrop): rings and lines of integer deltas at 1/scale degree. */
  function decodeLine(flat, scale) {
    var x = 0, y = 0, out = [];
    for (var i = 0; i < flat.length; i += 2) { x += flat[i]; y += flat[i + 1]; out.push([y / scale, x / scale]); }
    return out;
  }
  function decodePolygons(items, scale, options) {
    return items.map(function (item) {
      return L.polygon(item.polygons.map(function (rings) {
        return rings.map(function (flat) { return decodeLine(flat, scale); });
      }), options);
    });
  }

  /* Land, lakes and rivers under everything, in a pane below the tiles: 1:50m, and 1:10m country
     shapes in close views (Syunik, the Caspian ports). */
  function backdrop(map, data, style) {
    var pane = map.createPane("kzBackdrop");
    pane.style.zIndex = 150;
    /* One canvas for land, close-view shapes, lakes and rivers, so water stays on top of land. */
    var renderer = L.canvas({pane: "kzBackdrop"});
    map.getContainer().style.background = style.water;
    var common = {pane: "kzBackdrop", renderer: renderer, interactive: false};
    var land = Object.assign({color: style.border, weight: 0.8, fillColor: style.land, fillOpacity: 1}, common);
    var layer = L.layerGroup(decodePolygons(data.countries, data.scale, land));
    layer.getAttribution = function () { return style.attribution; };
    var lakes = L.layerGroup(decodePolygons(data.lakes, data.scale,
      Object.assign({color: style.river, weight: 0.6, fillColor: style.water, fillOpacity: 1}, common)));
    /* Rivers by rank: the largest from the start, smaller ones as the reader zooms in (Natural Earth's min_zoom). */
    var rivers = data.rivers.map(function (r) {
      return {minzoom: r.minzoom, line: L.polyline(r.lines.map(function (flat) { return decodeLine(flat, data.scale); }),
        Object.assign({color: style.river, weight: r.rank <= 3 ? 1.6 : r.rank <= 5 ? 1.2 : 0.8, opacity: 1}, common))};
    });
    var d = data.detail;
    var detail = L.layerGroup(decodePolygons(d.countries, d.scale, land));
    detail.getAttribution = function () { return style.attribution; };
    var detailBounds = L.latLngBounds([[d.bounds[1], d.bounds[0]], [d.bounds[3], d.bounds[2]]]);
    function show(part, on) {
      if (on && !map.hasLayer(part)) { part.addTo(map); }
      if (!on && map.hasLayer(part)) { map.removeLayer(part); }
    }
    function pick() {
      var zoom = map.getZoom(), close = zoom >= d.minzoom && detailBounds.contains(map.getBounds());
      show(layer, !close);
      show(detail, close);
      /* Water over land: canvas paths paint in the order they were added. */
      rivers.forEach(function (r) { show(r.line, false); });
      show(lakes, false);
      show(lakes, true);
      rivers.forEach(function (r) { show(r.line, zoom + 1 >= r.minzoom); });
    }
    /* A path in a custom pane cannot be added before the map has a view (Leaflet 1.9). */
    map.whenReady(function () { pick(); map.on("zoomend moveend", pick); });
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
        map.kzMeasuring = on;
        if (on) { map.closePopup(); }
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
  function minimap(map, data, style, t) {
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
    var outlines = L.layerGroup(decodePolygons(data.countries, data.scale,
      {interactive: false, color: style.border, weight: 0.5, fillColor: style.land, fillOpacity: 1}));
    var extent = L.latLngBounds([[data.extent[1], data.extent[0]], [data.extent[3], data.extent[2]]]);
    mini.setMaxBounds(extent);
    var view = null;
    function sync() {
      var b = map.getBounds();
      if (view) { view.setBounds(b); }
      else { view = L.rectangle(b, {className: "kz-minimap-view", color: "#c0392b", weight: 2, fillOpacity: 0.1, interactive: false}).addTo(mini); }
      /* Never so far out that the little map runs off the backdrop. */
      mini.setView(map.getCenter(), Math.max(map.getZoom() - 3.5, mini.getBoundsZoom(extent, true)), {animate: false});
      if (!mini.hasLayer(outlines)) { outlines.addTo(mini); view.bringToFront(); }
    }
    mini.on("click", function (e) { map.panTo(e.latlng); });
    map.whenReady(function () { map.on("moveend zoomend resize", sync); sync(); });
    ctl.mini = mini;
    return ctl;
  }

  /* Agreements as a dated list; choosing one highlights the features it concerns. */
  function timeline(map, agreements, groups, t) {
    /* A Map, not an object: a feature id such as "__proto__" or "constructor" is data, not a property. */
    var byId = new Map();
    groups.forEach(function (g) {
      g.eachLayer(function (l) { if (l.feature) { byId.set(l.feature.id, {layer: l, group: g}); } });
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
        var x = byId.get(id);
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
      map.kzOpenText = function () { set(true); };
      close.addEventListener("click", function () { set(false); });
      panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { set(false); } });
      return box;
    };
    return ctl.addTo(map);
  }


  /* ---- Place labels: placed greedily by priority, clear of each other and of the controls. ---- */
  var LABEL_OFFSETS = [[1, 0], [-1, 0], [0, -1], [0, 1], [1, -1], [1, 1], [-1, -1], [-1, 1]];
  /* A large country's name (places.py "roomy") may move off its point by up to two lines or half its
     width, in that order of preference, so deposits' names nearby do not push it off the map. */
  var AREA_OFFSETS = [[0, 0], [0, -1], [0, 1], [0, -2], [0, 2], [-0.5, 0], [0.5, 0], [-0.5, -1], [0.5, -1], [-0.5, 1], [0.5, 1]];
  function labels(map, items) {
    var pane = map.createPane("kzLabels");
    /* Above the point layers (kzFastPoints, 450): where stations crowd a line, a name stays
       readable over their markers; the pane takes no clicks, so the markers stay clickable. */
    pane.style.zIndex = 455;
    pane.style.pointerEvents = "none";
    var layer = L.layerGroup();
    function rect(node) { return node.getBoundingClientRect(); }
    function overlaps(a, list) {
      for (var i = 0; i < list.length; i++) {
        var b = list[i];
        if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) { return true; }
      }
      return false;
    }
    function place() {
      var box = map.getContainer().getBoundingClientRect();
      var z = map.getZoom(), size = map.getSize();
      L.DomUtil.empty(pane);
      var placed = [], obstacles = [];
      Array.prototype.forEach.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) {
        var r = rect(c);
        if (r.width && r.height) { obstacles.push({left: r.left - box.left - 4, right: r.right - box.left + 4, top: r.top - box.top - 4, bottom: r.bottom - box.top + 4}); }
      });
      var origin = map.containerPointToLayerPoint([0, 0]);
      /* The deposits' markers are kept clear too, so one deposit's name never covers its neighbour
         (Upper Kairakty's name beside North Katpar's marker). */
      var markers = items.filter(function (item) { return item.kind === "deposit"; }).map(function (item) {
        var q = map.latLngToContainerPoint([item.lat, item.lon]);
        return {item: item, left: q.x - 7, right: q.x + 7, top: q.y - 7, bottom: q.y + 7};
      });
      /* A deposit's name also keeps off the stations' markers where a line's stations crowd
         (Aktay, Karazhal and Zhairem beside Upper Kairakty at the opening zoom); when no place
         is clear it still takes one below ("always"). */
      var stations = items.filter(function (item) { return item.kind === "node"; }).map(function (item) {
        var q = map.latLngToContainerPoint([item.lat, item.lon]);
        return {item: item, left: q.x - 5, right: q.x + 5, top: q.y - 5, bottom: q.y + 5};
      });
      function hitsMarker(r, item) {
        if (item.kind === "deposit" && overlaps(r, stations)) { return true; }
        return markers.some(function (m) { return m.item !== item && overlaps(r, [m]); });
      }
      items.forEach(function (item) {
        if (z < item.minzoom) { return; }
        var p = map.latLngToContainerPoint([item.lat, item.lon]);
        if (p.x < -50 || p.y < -20 || p.x > size.x + 50 || p.y > size.y + 20) { return; }
        var node = el("div", "kz-label kz-label-" + item.kind, pane, item.text);
        node.setAttribute("data-kind", item.kind);
        var w = node.offsetWidth, h = node.offsetHeight;
        var area = item.kind === "country" || item.kind === "sea" || item.kind === "lake" || item.kind === "corridor";
        var gap = item.gap || 4;
        var offsets = !area ? LABEL_OFFSETS : item.roomy ? AREA_OFFSETS : [[0, 0], [0, -1], [0, 1]];
        var chosen = null;
        for (var k = 0; k < offsets.length; k++) {
          var dx = offsets[k][0], dy = offsets[k][1];
          var left = dx > 0 ? p.x + gap : dx < 0 ? p.x - gap - w : p.x - w / 2;
          var top = dy > 0 ? p.y + gap : dy < 0 ? p.y - gap - h : p.y - h / 2;
          if (area) { left = p.x - w / 2 + dx * w; top = p.y - h / 2 + dy * h; }
          var r = {left: left, top: top, right: left + w, bottom: top + h};
          var inside = r.left >= 0 && r.top >= 0 && r.right <= size.x && r.bottom <= size.y;
          if (inside && !overlaps(r, placed) && !overlaps(r, obstacles) && !hitsMarker(r, item)) { chosen = r; break; }
        }
        if (!chosen && item.always) {
          /* A deposit is always named: take the first place clear of other labels and of stations'
             markers (a name over a row of stations does not read), else clear of labels, else the first. */
          for (var pass = 0; pass < 2 && !chosen; pass++) {
            for (var j = 0; j < LABEL_OFFSETS.length && !chosen; j++) {
              var ox = LABEL_OFFSETS[j][0], oy = LABEL_OFFSETS[j][1];
              var l2 = ox > 0 ? p.x + gap : ox < 0 ? p.x - gap - w : p.x - w / 2;
              var t2 = oy > 0 ? p.y + gap : oy < 0 ? p.y - gap - h : p.y - h / 2;
              var r2 = {left: l2, top: t2, right: l2 + w, bottom: t2 + h};
              if (!overlaps(r2, placed) && (pass === 1 || !overlaps(r2, stations))) { chosen = r2; }
            }
          }
          chosen = chosen || {left: p.x + gap, top: p.y - h / 2, right: p.x + gap + w, bottom: p.y + h / 2};
        }
        if (!chosen) { pane.removeChild(node); return; }
        placed.push(chosen);
        L.DomUtil.setPosition(node, L.point(origin.x + chosen.left, origin.y + chosen.top));
        if (item.kind === "capital" || item.kind === "city") {
          var dot = el("div", "kz-label-dot kz-label-dot-" + item.kind, pane);
          L.DomUtil.setPosition(dot, L.point(origin.x + p.x - 3, origin.y + p.y - 3));
          placed.push({left: p.x - 4, right: p.x + 4, top: p.y - 4, bottom: p.y + 4});
        }
      });
    }
    map.whenReady(function () {
      map.on("zoomend moveend resize overlayadd overlayremove", place);
      place();
      /* Fonts and late controls can change sizes once after load. */
      setTimeout(place, 0);
    });
    map.kzPlaceLabels = place;
    return layer;
  }

  /* ---- Start view: fitted to the features at any width, clear of the controls; a button returns to it. ---- */
  function cornerWidth(map, corners) {
    var w = 0;
    corners.forEach(function (c) {
      var corner = map._controlCorners[c];
      if (!corner) { return; }
      Array.prototype.forEach.call(corner.children, function (ctl) {
        var r = ctl.getBoundingClientRect();
        if (r.width) { w = Math.max(w, r.width + 10); }
      });
    });
    return w;
  }
  function startView(map, bounds, extent, t) {
    var narrow = false;
    function padding() {
      var size = map.getSize();
      var left = cornerWidth(map, ["topleft", "bottomleft"]), right = cornerWidth(map, ["topright", "bottomright"]);
      /* On a narrow screen the controls float over the map: never let them squeeze it to nothing. */
      var budget = size.x * (size.x < 700 ? 0.3 : 0.45);
      if (left + right > budget) { var f = budget / (left + right); left *= f; right *= f; }
      var top = Math.min(20, size.y * 0.05), bottom = Math.min(20, size.y * 0.05);
      var title = map.getContainer().querySelector(".kz-title");
      if (narrow && title) { top = Math.min(title.getBoundingClientRect().height + 12, size.y * 0.25); }
      return {paddingTopLeft: [Math.round(left) + 8, Math.round(top)], paddingBottomRight: [Math.round(right) + 8, Math.round(bottom) + 16]};
    }
    function fit() {
      /* A few sites close together would otherwise fill the screen with no place to recognise. */
      map.fitBounds(bounds, Object.assign({animate: false, maxZoom: t.max_zoom || 18}, padding()));
    }
    map.kzPadding = padding;
    function layout() {
      var size = map.getSize();
      narrow = size.x < 700 || size.y < 500;
      L.DomUtil[narrow ? "addClass" : "removeClass"](map.getContainer(), "kz-narrow");
      Array.prototype.forEach.call(map.getContainer().querySelectorAll("details.kz-legend"), function (d) { d.open = !narrow; });
      var layers = map.getContainer().querySelector(".leaflet-control-layers");
      if (layers) {
        L.DomUtil[narrow ? "removeClass" : "addClass"](layers, "leaflet-control-layers-expanded");
      }
    }
    var ctl = L.control({position: "topleft"});
    ctl.onAdd = function () {
      var box = el("div", "leaflet-bar kz-bar");
      var b = iconButton(box, "kz-home", t.start_view, "home");
      L.DomEvent.on(b, "click", function () { map.closePopup(); fit(); });
      return box;
    };
    ctl.addTo(map);
    /* The layer control is written after every other element (see html/page.py): take it in hand
       once the page's script has run. */
    function takeLayers() {
    var layers = map.getContainer().querySelector(".leaflet-control-layers");
    if (layers && !layers.kzDone) {
      layers.kzDone = true;
      var toggle = layers.querySelector(".leaflet-control-layers-toggle");
      if (toggle) {
        toggle.title = t.layers;
        toggle.setAttribute("aria-label", t.layers);
        toggle.setAttribute("role", "button");
        L.DomEvent.on(toggle, "click", function (e) {
          L.DomEvent.preventDefault(e);
          L.DomUtil.addClass(layers, "leaflet-control-layers-expanded");
        });
      }
      map.on("click", function () { if (narrow) { L.DomUtil.removeClass(layers, "leaflet-control-layers-expanded"); } });
    }
    }
    takeLayers();
    layout();
    fit();
    setTimeout(function () {
      var before = map.getCenter(), zoom = map.getZoom();
      takeLayers();
      layout();
      fit();
      if (map.kzStart && (map.getZoom() !== zoom || !map.getCenter().equals(before))) {
        map.kzStart.center = map.getCenter();
        map.kzStart.zoom = map.getZoom();
      }
    }, 0);
    var outer = L.latLngBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
    /* The backdrop covers every view from here in: no zooming out past land and sea into blank space. */
    map.setMinZoom(Math.max(0, Math.min(map.getZoom(), map.getBoundsZoom(outer, true))));
    map.setMaxBounds(outer);
    map.kzStart = {center: map.getCenter(), zoom: map.getZoom(), fit: fit};
    var last = map.getSize();
    map.on("resize", function () {
      var size = map.getSize();
      var wasNarrow = narrow;
      layout();
      /* A turned phone or a resized window before any panning: fit again. */
      if (wasNarrow !== narrow || Math.abs(size.x - last.x) > 100) { fit(); }
      last = size;
    });
    return ctl;
  }

  /* ---- One click handler for the small layers: every feature under the click, a chooser if several. ---- */
  function segDist(p, a, b) {
    var dx = b.x - a.x, dy = b.y - a.y, len = dx * dx + dy * dy;
    var k = len ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len)) : 0;
    var x = a.x + k * dx - p.x, y = a.y + k * dy - p.y;
    return Math.sqrt(x * x + y * y);
  }
  function lineDist(map, p, latlngs) {
    if (!latlngs.length) { return Infinity; }
    if (!(latlngs[0] instanceof L.LatLng)) {
      return Math.min.apply(null, latlngs.map(function (part) { return lineDist(map, p, part); }));
    }
    var best = Infinity, prev = map.latLngToContainerPoint(latlngs[0]);
    for (var i = 1; i < latlngs.length; i++) {
      var cur = map.latLngToContainerPoint(latlngs[i]);
      best = Math.min(best, segDist(p, prev, cur));
      prev = cur;
    }
    return best;
  }
  /* Even-odd rule over every ring, so a click in a ring's hole is outside it. */
  function insideRings(map, p, latlngs) {
    if (!latlngs.length) { return false; }
    if (!(latlngs[0] instanceof L.LatLng)) {
      return latlngs.reduce(function (acc, part) { return acc !== insideRings(map, p, part); }, false);
    }
    var inside = false, prev = map.latLngToContainerPoint(latlngs[latlngs.length - 1]);
    for (var i = 0; i < latlngs.length; i++) {
      var cur = map.latLngToContainerPoint(latlngs[i]);
      if ((cur.y > p.y) !== (prev.y > p.y) && p.x < (prev.x - cur.x) * (p.y - cur.y) / (prev.y - cur.y) + cur.x) { inside = !inside; }
      prev = cur;
    }
    return inside;
  }
  function popupOptions(map, latlng) {
    var size = map.getSize();
    /* Tall enough to read, short enough to open above its point without panning the map away. */
    var room = latlng ? map.latLngToContainerPoint(latlng).y - 70 : size.y;
    return {
      maxWidth: Math.max(200, Math.min(380, size.x - 60)),
      minWidth: Math.min(240, size.x - 80),
      maxHeight: Math.max(150, Math.floor(Math.min(size.y * 0.6, room))),
      autoPanPadding: [10, 10],
      className: "kz-card-popup"
    };
  }
  function picker(map, groups, t) {
    var slop = 10;
    function hits(e) {
      var p = e.containerPoint, found = [];
      groups.forEach(function (g) {
        if (!map.hasLayer(g)) { return; }
        g.eachLayer(function (l) {
          if (!l.feature || !l.feature.properties._popup) { return; }
          var d;
          if (l.getLatLng) {
            d = p.distanceTo(map.latLngToContainerPoint(l.getLatLng()));
            if (d > l.getRadius() + 4) { return; }
            if (d > l.getRadius()) { d += 50; } /* in the slop ring: only if no marker is hit squarely */
          } else {
            d = lineDist(map, p, l.getLatLngs());
            /* An area (a ring of uncertainty) is hit anywhere inside it, not only on its outline. */
            var inside = l instanceof L.Polygon && insideRings(map, p, l.getLatLngs());
            if (!inside && d > (l.options.weight || 3) / 2 + slop) { return; }
            d = inside ? 100 : d + 100; /* points before lines and areas */
          }
          found.push({layer: l, d: d});
        });
      });
      found.sort(function (a, b) { return a.d - b.d; });
      /* A click on a marker means the marker: lines only count where no marker is. */
      if (found.length && found[0].d < 50) { found = found.filter(function (f) { return f.d < 50; }); }
      else if (found.length && found[0].d < 100) { found = found.filter(function (f) { return f.d < 100; }); }
      return found.map(function (f) { return f.layer; });
    }
    function open(l, latlng) {
      var at = l.getLatLng ? l.getLatLng() : latlng;
      L.popup(popupOptions(map, at)).setLatLng(at).setContent(l.feature.properties._popup).openOn(map);
    }
    function choose(list, latlng) {
      var box = el("div", "kz-popup kz-chooser");
      el("h4", "", box, t.choose_heading.replace("{n}", list.length));
      var ul = el("ul", "", box);
      list.forEach(function (l) {
        var li = el("li", "", ul);
        var b = el("button", "kz-choice", li, l.feature.properties._name);
        b.type = "button";
        b.setAttribute("data-feature", l.feature.id);
        if (l.feature.properties._kind) { el("span", "kz-choice-kind", li, " " + l.feature.properties._kind); }
        L.DomEvent.on(b, "click", function () { open(l, latlng); });
      });
      L.popup(popupOptions(map, latlng)).setLatLng(latlng).setContent(box).openOn(map);
      var first = box.querySelector("button");
      if (first) { first.focus({preventScroll: true}); }
    }
    /* Opening a card's details grows it: lay the popup out again (it scrolls inside past maxHeight). */
    map.getContainer().addEventListener("toggle", function (e) {
      var popup = map._popup;
      if (!popup || !popup.isOpen() || !popup.getElement().contains(e.target)) { return; }
      popup._updateLayout();
      popup._updatePosition();
      popup._adjustPan();
    }, true);
    /* On a phone the controls would cover an open card: they step aside until it closes. */
    map.on("popupopen", function () { L.DomUtil.addClass(map.getContainer(), "kz-popup-open"); });
    map.on("popupclose", function () { L.DomUtil.removeClass(map.getContainer(), "kz-popup-open"); });
    map.on("click", function (e) {
      if (map.kzMeasuring) { return; }
      var list = hits(e);
      if (list.length === 1) { open(list[0], e.latlng); }
      else if (list.length > 1) { choose(list, e.latlng); }
    });
    /* Wide, invisible hover target for thin lines: the pointer shows a hand near a line. */
    map.on("mousemove", function (e) {
      if (map.kzMeasuring) { return; }
      var near = hits(e).length > 0;
      L.DomUtil[near ? "addClass" : "removeClass"](map.getContainer(), "kz-near");
    });
    return {hits: hits, open: open};
  }

  /* ---- Zoom to a place (TRIPP and Syunik are ~20 px wide at the opening view). ---- */
  function zoomTo(map, places, t) {
    var ctl = L.control({position: "topleft"});
    ctl.onAdd = function () {
      var box = el("div", "leaflet-bar kz-bar kz-zoomto");
      places.forEach(function (p) {
        var b = button(box, "kz-zoomto-btn", t.zoom_to.replace("{name}", p.name), p.name);
        L.DomEvent.on(b, "click", function () {
          map.closePopup();
          var pad = map.kzPadding ? map.kzPadding() : {padding: [40, 40]};
          map.fitBounds([[p.bounds[1], p.bounds[0]], [p.bounds[3], p.bounds[2]]], Object.assign({maxZoom: 10}, pad));
        });
      });
      return box;
    };
    return ctl.addTo(map);
  }

  window.kzgeo = {labels: labels, startView: startView, picker: picker, zoomTo: zoomTo, backdrop: backdrop, fullscreen: fullscreen, measure: measure, minimap: minimap, timeline: timeline, textPanel: textPanel};
})();

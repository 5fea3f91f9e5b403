/* kzgeo fast layer: draws a large layer from columnar data (see kzgeo/fastlayer.py).
 *
 * Points are painted on canvas tiles, shapes on one Leaflet canvas; a click is
 * resolved to a feature here and its popup is built with textContent, so no
 * data value is ever parsed as HTML. window.kzgeoDrawn[title] holds how many
 * features the layer has painted once a frame with all of them has been drawn.
 */
(function () {
  "use strict";
  var CSS = ".kz-note{background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;" +
    "box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.35 system-ui,sans-serif;max-width:360px}";
  var TILE = 512;
  var CLICK_SLOP = 3;
  /* Side of the square drawn for a point below the full-marker zoom, in CSS pixels. */
  var DOT = 3;

  function el(tag, cls, parent, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  /* ---- binary columns (kzgeo.html.fastlayer.Blobs): base64 -> inflate -> typed arrays ---- */
  var KINDS = {u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array, f64: Float64Array};

  function fromBase64(text) {
    if (Uint8Array.fromBase64) { return Uint8Array.fromBase64(text); }
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer();
  }

  /* The arrays a layer needs to be drawn and clicked (coordinates, styles, uncertainty codes) are
     inflated first, and the layer is drawn as soon as they are; the popup columns follow, and
     d.complete resolves once they are there too (popups and names wait for it). */
  function decode(d) {
    var texts = d.bin, first = [d.style];
    if (d.geometry.kind === "point") { first.push(d.geometry.x, d.geometry.y, d.uncertainty.codes); }
    var wanted = first.map(function (ref) { return ref.bin; }), rest = [];
    for (var k = 0; k < texts.length; k++) { if (wanted.indexOf(k) < 0) { rest.push(k); } }
    d._buffers = new Array(texts.length);
    function load(ks) {
      return Promise.all(ks.map(function (k) {
        return inflate(fromBase64(texts[k])).then(function (buffer) { d._buffers[k] = buffer; texts[k] = null; });
      }));
    }
    var drawable = load(wanted);
    d.complete = drawable.then(function () { return load(rest); }).then(function () { d.bin = null; return d; });
    return drawable.then(function () { return d; });
  }

  /* The typed array of a column reference {bin, kind, shuffle}, built once. */
  function arr(d, ref) {
    if (ref._array) { return ref._array; }
    var Kind = KINDS[ref.kind], bytes = new Uint8Array(d._buffers[ref.bin]);
    var size = Kind.BYTES_PER_ELEMENT, n = bytes.length / size, i;
    if (ref.shuffle && (size === 2 || size === 4)) {
      /* Byte planes back into values, one whole value per step (little-endian, as typed arrays are). */
      var out = new Kind(n), p0 = bytes.subarray(0, n), p1 = bytes.subarray(n, 2 * n);
      if (size === 2) {
        for (i = 0; i < n; i++) { out[i] = p0[i] | (p1[i] << 8); }
      } else {
        var p2 = bytes.subarray(2 * n, 3 * n), p3 = bytes.subarray(3 * n, 4 * n);
        for (i = 0; i < n; i++) { out[i] = p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24); }
      }
      ref._array = out;
      return out;
    }
    if (ref.shuffle) {
      var bytesOut = new Uint8Array(bytes.length);
      for (var b = 0; b < size; b++) {
        var plane = b * n;
        for (i = 0; i < n; i++) { bytesOut[i * size + b] = bytes[plane + i]; }
      }
      bytes = bytesOut;
    }
    ref._array = new Kind(bytes.buffer, bytes.byteOffset, n);
    return ref._array;
  }

  var utf8 = new TextDecoder("utf-8");

  /* Value i of an encoded column (kzgeo.html.fastlayer.encode_column), or null when missing. */
  function cell(d, column, i) {
    if (column.dict !== undefined) {
      var k = arr(d, column.codes)[i];
      return k === 0 ? null : column.dict[k - 1];
    }
    if (column.numbered !== undefined) {
      var c = column.numbered, p = arr(d, c.prefix)[i];
      if (p === 0) { return null; }
      if (p > c.prefixes.length) {  /* not numbered: its own text */
        if (!c._others) {
          c._others = new Map();
          c.others.at.forEach(function (at, k) { c._others.set(at, c.others.text[k]); });
        }
        return c._others.get(i);
      }
      if (!c._numbers) {
        var steps = arr(d, c.steps), numbers = new Float64Array(steps.length), sum = 0;
        for (var j = 0; j < steps.length; j++) { sum += steps[j]; numbers[j] = sum; }
        c._numbers = numbers;
      }
      var digits = String(c._numbers[i]);
      while (digits.length < c.width) { digits = "0" + digits; }
      var s = arr(d, c.suffix)[i];
      return c.prefixes[p - 1] + digits + (s === 0 ? "" : c.suffixes[s - 1]);
    }
    var t = column.text, lengths = arr(d, t.lengths);
    if (lengths[i] < 0) { return null; }
    if (!t._starts) {
      var starts = new Float64Array(lengths.length + 1);
      for (var m = 0; m < lengths.length; m++) { starts[m + 1] = starts[m] + Math.max(lengths[m], 0); }
      t._starts = starts;
    }
    return utf8.decode(arr(d, t.utf8).subarray(t._starts[i], t._starts[i] + lengths[i]));
  }

  /* Style number of feature i (an index into d.styles). */
  function styleOf(d, i) { return arr(d, d.style)[i] - 1; }

  function popupContent(d, i) {
    var box = el("div", "kz-popup");
    box.setAttribute("data-id", cell(d, d.ids, i));
    el("h4", "", box, cell(d, d.heading, i));
    var table = el("table", "", box);
    d.columns.forEach(function (column) {
      var value = cell(d, column, i);
      if (value === null || value === "") { return; }
      var row = el("tr", "", table);
      el("th", "", row, column.label);
      el("td", "", row, value);
    });
    d.sections.forEach(function (section) {
      var lines = section.lines[i];
      if (!lines) { return; }
      el("h5", "", box, section.label);
      var list = el("ul", "", box);
      lines.forEach(function (line) { el("li", "", list, line); });
    });
    el("h5", "", box, d.sourcesLabel);
    var sources = el("ul", "kz-sources", box);
    d.cite.dict[arr(d, d.cite.codes)[i] - 1].forEach(function (k) {
      var src = d.sources[k];
      var item = el("li", "", sources);
      if (src.url && /^https?:\/\//i.test(src.url)) {
        var link = el("a", "", item, src.text);
        link.href = src.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      } else {
        item.textContent = src.text;
      }
    });
    return box;
  }

  function markDrawn(title, count) {
    /* No prototype: a layer titled "__proto__" or "constructor" is a key like any other. */
    window.kzgeoDrawn = window.kzgeoDrawn || Object.create(null);
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        window.kzgeoDrawn[title] = count;
        document.dispatchEvent(new CustomEvent("kzgeo:drawn", {detail: {layer: title, count: count}}));
      });
    });
  }

  function ensurePane(map, name, zIndex) {
    var pane = map.getPane(name) || map.createPane(name);
    pane.style.zIndex = zIndex;
    pane.style.pointerEvents = "none";
    return name;
  }

  /* Every point in Web Mercator as a share of the world's width (0..1), computed once:
     the pixels at any zoom are then one multiplication each. Latitudes go through a table of
     the projection every 0.001 degree over the layer's range, read with linear interpolation
     (off by under 1e-11 of the world's width, a thousandth of a pixel at zoom 18): a million
     logarithms and tangents cost more than drawing the points. */
  var MERCATOR_STEP = 0.001;

  function mercatorY(latDeg) {
    var lat = Math.max(Math.min(latDeg, 85.0511), -85.0511) * Math.PI / 180;
    return 0.5 - Math.log(Math.tan(Math.PI / 4 + lat / 2)) / (2 * Math.PI);
  }

  function mercator(d) {
    if (d._mercator) { return d._mercator; }
    var g = d.geometry, n = d.n, gx = arr(d, g.x), gy = arr(d, g.y), unit = Math.pow(10, -g.digits), i;
    var xs = new Float64Array(n), ys = new Float64Array(n), low = Infinity, high = -Infinity;
    for (i = 0; i < n; i++) {
      xs[i] = gx[i] * unit / 360 + 0.5;
      if (gy[i] < low) { low = gy[i]; }
      if (gy[i] > high) { high = gy[i]; }
    }
    var from = low * unit, steps = Math.ceil((high - low) * unit / MERCATOR_STEP) + 1;
    if (n > 0 && steps < 1e6) {
      var table = new Float64Array(steps + 1);
      for (i = 0; i <= steps; i++) { table[i] = mercatorY(from + i * MERCATOR_STEP); }
      var scale = unit / MERCATOR_STEP;
      for (i = 0; i < n; i++) {
        var at = (gy[i] - low) * scale, k = Math.floor(at), f = at - k;
        ys[i] = f ? table[k] + (table[k + 1] - table[k]) * f : table[k];
      }
    } else {
      for (i = 0; i < n; i++) { ys[i] = mercatorY(gy[i] * unit); }
    }
    d._mercator = {x: xs, y: ys};
    return d._mercator;
  }

  /* Web Mercator pixel coordinates of every point at one zoom, cached for a few zooms. */
  function pixelsAt(d, zoom) {
    d._pixels = d._pixels || {};
    if (d._pixels[zoom]) { return d._pixels[zoom]; }
    if (Object.keys(d._pixels).length > 3) { d._pixels = {}; }
    var m = mercator(d), n = d.n, size = 256 * Math.pow(2, zoom);
    var xs = new Float64Array(n), ys = new Float64Array(n), mx = m.x, my = m.y;
    for (var i = 0; i < n; i++) { xs[i] = size * mx[i]; ys[i] = size * my[i]; }
    d._pixels[zoom] = {x: xs, y: ys};
    return d._pixels[zoom];
  }

  function metresPerPixel(latDeg, zoom) {
    return 40075016.686 * Math.cos(latDeg * Math.PI / 180) / (256 * Math.pow(2, zoom));
  }

  var PointTiles = L.GridLayer.extend({
    initialize: function (d, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._d = d;
      var i;
      /* How far a point's marker reaches past its position, in pixels, at any zoom. */
      this._margin = Math.max.apply(null, d.styles.map(function (st) { return Math.max(DOT, (st.radius || 0) + (st.weight || 0)); }));
      /* Each style's dot colour as one little-endian RGBA pixel, when every colour is #rrggbb. */
      var rgba = d.styles.map(function (st) {
        var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(st.dot || "");
        return m ? ((255 << 24) | (parseInt(m[3], 16) << 16) | (parseInt(m[2], 16) << 8) | parseInt(m[1], 16)) >>> 0 : null;
      });
      this._rgba = rgba.indexOf(null) < 0 ? new Uint32Array(rgba) : null;
      var km = arr(d, d.uncertainty.codes), approximate = [];
      for (i = 0; i < d.n; i++) { if (km[i] > 0) { approximate.push(i); } }
      this._approximate = approximate;
      this._counts = {};
      this.on("load", this._loaded, this);
    },

    /* Point numbers by canvas tile at one zoom (a point near an edge is also in the tile it
       spills into), so a tile visits only its own points. Cached for a few zooms.
       A counting sort over typed arrays: one pass counts the points of each tile of the
       grid the layer covers, a second files them; no object per point or per tile. */
    _binsAt: function (zoom) {
      this._bins = this._bins || {};
      if (this._bins[zoom]) { return this._bins[zoom]; }
      if (Object.keys(this._bins).length > 3) { this._bins = {}; }
      var d = this._d, px = pixelsAt(d, zoom), xs = px.x, ys = px.y, n = d.n, m = this._margin, i, tx, ty;
      var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
      for (i = 0; i < n; i++) {
        if (xs[i] < left) { left = xs[i]; }
        if (xs[i] > right) { right = xs[i]; }
        if (ys[i] < top) { top = ys[i]; }
        if (ys[i] > bottom) { bottom = ys[i]; }
      }
      var gx0 = Math.floor((left - m) / TILE), gy0 = Math.floor((top - m) / TILE);
      var cols = Math.floor((right + m) / TILE) - gx0 + 1, rows = Math.floor((bottom + m) / TILE) - gy0 + 1;
      if (!(n > 0) || cols * rows > (1 << 22)) { return this._sparseBinsAt(zoom); }
      var counts = new Int32Array(cols * rows + 1);
      for (var pass = 0; pass < 2; pass++) {
        var fill = pass ? new Int32Array(counts) : null, members = pass ? new Int32Array(counts[cols * rows]) : null;
        for (i = 0; i < n; i++) {
          var x = xs[i], y = ys[i];
          var x0 = Math.floor((x - m) / TILE) - gx0, x1 = Math.floor((x + m) / TILE) - gx0;
          var y0 = Math.floor((y - m) / TILE) - gy0, y1 = Math.floor((y + m) / TILE) - gy0;
          for (tx = x0; tx <= x1; tx++) {
            for (ty = y0; ty <= y1; ty++) {
              if (pass) { members[fill[tx * rows + ty]++] = i; } else { counts[tx * rows + ty + 1]++; }
            }
          }
        }
        if (!pass) { for (i = 1; i <= cols * rows; i++) { counts[i] += counts[i - 1]; } }
      }
      var bins = {
        get: function (x, y) {
          var cx = x - gx0, cy = y - gy0;
          if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) { return new Int32Array(0); }
          var k = cx * rows + cy;
          return members.subarray(counts[k], counts[k + 1]);
        }
      };
      this._bins[zoom] = bins;
      return bins;
    },

    /* The same bins in a Map, for a zoom so deep that the grid over the layer would be too large. */
    _sparseBinsAt: function (zoom) {
      var d = this._d, px = pixelsAt(d, zoom), n = d.n, m = this._margin, side = Math.max(1, Math.pow(2, zoom + 8) / TILE);
      var counts = new Map(), i, tx, ty;
      function each(i, visit) {
        var x = px.x[i], y = px.y[i];
        var x0 = Math.floor((x - m) / TILE), x1 = Math.floor((x + m) / TILE);
        var y0 = Math.floor((y - m) / TILE), y1 = Math.floor((y + m) / TILE);
        for (tx = x0; tx <= x1; tx++) { for (ty = y0; ty <= y1; ty++) { visit(tx * side * 4 + ty, i); } }
      }
      function count(key) { counts.set(key, (counts.get(key) || 0) + 1); }
      for (i = 0; i < n; i++) { each(i, count); }
      var map = new Map(), fill = new Map();
      counts.forEach(function (c, key) { map.set(key, new Int32Array(c)); fill.set(key, 0); });
      function put(key, i) { var at = fill.get(key); map.get(key)[at] = i; fill.set(key, at + 1); }
      for (i = 0; i < n; i++) { each(i, put); }
      var bins = {get: function (x, y) { return map.get(x * side * 4 + y) || new Int32Array(0); }};
      this._bins[zoom] = bins;
      return bins;
    },

    createTile: function (coords) {
      var d = this._d, ratio = window.devicePixelRatio || 1;
      var tile = L.DomUtil.create("canvas", "leaflet-tile");
      tile.width = tile.height = TILE * ratio;
      tile.style.width = tile.style.height = TILE + "px";
      var ctx = tile.getContext("2d");
      ctx.scale(ratio, ratio);
      var px = pixelsAt(d, coords.z), x0 = coords.x * TILE, y0 = coords.y * TILE;
      var dots = coords.z < d.fullZoom;
      var members = this._binsAt(coords.z).get(coords.x, coords.y);
      var styles = arr(d, d.style), inside = 0, k, i, x, y;
      for (k = 0; k < members.length; k++) {
        i = members[k]; x = px.x[i] - x0; y = px.y[i] - y0;
        if (x >= 0 && y >= 0 && x < TILE && y < TILE) { inside++; }
      }
      this._counts[this._tileCoordsToKey(coords)] = inside;
      if (dots && this._rgba) {
        /* Dots straight into the pixels: a million fillRect calls cost seconds, this a few frames. */
        var size = TILE * ratio, image = ctx.createImageData(size, size), pixels = new Uint32Array(image.data.buffer);
        var q = Math.max(1, Math.round(DOT * ratio));
        for (k = 0; k < members.length; k++) {
          i = members[k];
          var left = Math.round((px.x[i] - x0 - DOT / 2) * ratio), top = Math.round((px.y[i] - y0 - DOT / 2) * ratio);
          var colour = this._rgba[styles[i] - 1];
          for (var dy = 0; dy < q; dy++) {
            var row = top + dy;
            if (row < 0 || row >= size) { continue; }
            for (var dx = 0; dx < q; dx++) {
              var col = left + dx;
              if (col >= 0 && col < size) { pixels[row * size + col] = colour; }
            }
          }
        }
        ctx.putImageData(image, 0, 0);
        return tile;
      }
      this._drawUncertainty(ctx, px, x0, y0, coords.z, dots);
      for (var s = 0; s < d.styles.length; s++) {
        var style = d.styles[s], r = dots ? DOT / 2 : style.radius;
        if (dots) { ctx.fillStyle = style.dot; } else { ctx.beginPath(); }
        for (k = 0; k < members.length; k++) {
          i = members[k];
          if (styles[i] - 1 !== s) { continue; }
          x = px.x[i] - x0; y = px.y[i] - y0;
          if (dots) {
            ctx.fillRect(x - r, y - r, DOT, DOT);
          } else {
            ctx.moveTo(x + r, y);
            ctx.arc(x, y, r, 0, 2 * Math.PI);
          }
        }
        if (dots) { continue; }
        ctx.fillStyle = style.fillColor;
        ctx.globalAlpha = style.fillOpacity;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.setLineDash(style.dashArray ? style.dashArray.split(" ").map(Number) : []);
        ctx.lineWidth = style.weight;
        ctx.strokeStyle = style.color;
        ctx.stroke();
        ctx.setLineDash([]);
      }
      return tile;
    },

    _drawUncertainty: function (ctx, px, x0, y0, zoom, dots) {
      var d = this._d, u = d.uncertainty, unit = Math.pow(10, -d.geometry.digits);
      var list = this._approximate, km = arr(d, u.codes), gy = arr(d, d.geometry.y);
      if (dots || !list.length) { return; }
      for (var k = 0; k < list.length; k++) {
        var i = list[k], style = d.styles[styleOf(d, i)].uncertainty;
        var r = u.km[km[i] - 1] * 1000 / metresPerPixel(gy[i] * unit, zoom);
        var x = px.x[i] - x0, y = px.y[i] - y0;
        if (x < -r || y < -r || x > TILE + r || y > TILE + r) { continue; }
        ctx.beginPath();
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.globalAlpha = style.fillOpacity;
        ctx.fillStyle = style.fillColor;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.setLineDash(style.dashArray.split(" ").map(Number));
        ctx.lineWidth = style.weight;
        ctx.strokeStyle = style.color;
        ctx.stroke();
        ctx.setLineDash([]);
      }
    },

    _loaded: function () {
      var total = 0, zoom = this._tileZoom;
      for (var key in this._tiles) {
        var t = this._tiles[key];
        if (t.current && t.coords.z === zoom && this._counts[key] !== undefined) { total += this._counts[key]; }
      }
      markDrawn(this._d.title, total);
    },

    /* The feature nearest a map position, within its marker, or -1. */
    hit: function (latlng) {
      var d = this._d, map = this._map, zoom = map.getZoom();
      var p = map.project(latlng, zoom), px = pixelsAt(d, zoom);
      var best = -1, bestDist = Infinity;
      for (var i = 0; i < d.n; i++) {
        var dx = px.x[i] - p.x, dy = px.y[i] - p.y, dist = dx * dx + dy * dy;
        if (dist < bestDist) { bestDist = dist; best = i; }
      }
      if (best < 0) { return -1; }
      var reach = (zoom < d.fullZoom ? DOT / 2 : d.styles[styleOf(d, best)].radius) + CLICK_SLOP;
      return bestDist <= reach * reach ? best : -1;
    },

    anchor: function (i) {
      var d = this._d, g = d.geometry, unit = Math.pow(10, -g.digits);
      return L.latLng(arr(d, g.y)[i] * unit, arr(d, g.x)[i] * unit);
    }
  });

  function decodeLine(flat, unit) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i];
      y += flat[i + 1];
      out.push([y * unit, x * unit]);
    }
    return out;
  }

  function decodeShape(shape, unit) {
    if (typeof shape[0] === "number") { return decodeLine(shape, unit); }
    return shape.map(function (part) { return decodeShape(part, unit); });
  }

  var Shapes = L.Layer.extend({
    initialize: function (d) {
      this._d = d;
      var unit = Math.pow(10, -d.geometry.digits);
      this._renderer = null;
      this._shapes = d.geometry.shapes.map(function (shape, i) {
        var latlngs = decodeShape(shape, unit);
        var style = L.extend({}, d.styles[styleOf(d, i)], {interactive: false});
        return d.geometry.lines ? L.polyline(latlngs, style) : L.polygon(latlngs, style);
      });
    },

    onAdd: function (map) {
      this._renderer = this._renderer || L.canvas({pane: ensurePane(map, "kzFastShapes", 350), padding: 0.5});
      var renderer = this._renderer;
      this._group = L.layerGroup(this._shapes.map(function (s) {
        s.options.renderer = renderer;
        return s;
      })).addTo(map);
      markDrawn(this._d.title, this._shapes.length);
    },

    onRemove: function () { this._group.remove(); },

    hit: function (latlng) {
      var map = this._map, p = map.latLngToLayerPoint(latlng);
      for (var i = this._shapes.length - 1; i >= 0; i--) {
        var shape = this._shapes[i];
        if (shape.getBounds().pad(0.05).contains(latlng) && shape._containsPoint(p)) { return i; }
      }
      return -1;
    },

    anchor: function (i, latlng) { return latlng; }
  });

  /* One click and one hover handler per map: points first, then shapes, topmost layer first. */
  function dispatcher(map) {
    if (map._kzFast) { return map._kzFast; }
    var layers = map._kzFast = [];
    var tooltip = L.tooltip({direction: "top", offset: [0, -6]});
    function find(latlng) {
      var ordered = layers.filter(function (l) { return l.isPoints; }).concat(layers.filter(function (l) { return !l.isPoints; }));
      for (var k = 0; k < ordered.length; k++) {
        var i = ordered[k].inner.hit(latlng);
        if (i >= 0) { return {layer: ordered[k], i: i}; }
      }
      return null;
    }
    map.on("click", function (e) {
      var found = find(e.latlng);
      if (!found) { return; }
      var at = found.layer.inner.anchor(found.i, e.latlng);
      found.layer.data.complete.then(function (d) {  /* at once, unless the popup columns are still inflating */
        L.popup({maxWidth: 380}).setLatLng(at).setContent(popupContent(d, found.i)).openOn(map);
      });
    });
    var hovered = null;
    map.on("mousemove", function (e) {
      var found = find(e.latlng);
      map.getContainer().style.cursor = found ? "pointer" : "";
      hovered = found;
      if (!found) { map.closeTooltip(tooltip); return; }
      var at = found.layer.inner.anchor(found.i, e.latlng);
      found.layer.data.complete.then(function (d) {
        if (hovered !== found) { return; }  /* the pointer has moved on meanwhile */
        var name = document.createElement("span");
        name.textContent = cell(d, d.heading, found.i);
        tooltip.setLatLng(at).setContent(name);
        map.openTooltip(tooltip);
      });
    });
    return layers;
  }

  var FastLayer = L.Layer.extend({
    initialize: function (d) {
      this.data = d;
      this.isPoints = d.geometry.kind === "point";
      this.inner = null;
      var self = this;
      /* Inflating is asynchronous: the layer is drawn once its columns are ready, which is also
         after the page's script has fitted the view, so nothing is drawn twice. */
      this.ready = decode(d).then(function () {
        self.inner = self.isPoints ? new PointTiles(d, {tileSize: TILE, updateWhenZooming: false}) : new Shapes(d);
        return self;
      });
    },

    onAdd: function (map) {
      var self = this;
      this.ready.then(function () {
        if (self._map !== map) { return; }
        if (self.isPoints) { self.inner.options.pane = ensurePane(map, "kzFastPoints", 450); }
        self.inner.addTo(map);
        dispatcher(map).push(self);
      });
      if (!document.getElementById("kz-note-css")) {
        var css = el("style", "", document.head, CSS);
        css.id = "kz-note-css";
      }
      var note = this.data.note;
      this._note = L.control({position: "bottomleft"});
      this._note.onAdd = function () {
        var box = L.DomUtil.create("div", "kz-note");
        box.textContent = note;
        return box;
      };
      this._note.addTo(map);
    },

    onRemove: function (map) {
      if (this.inner) { this.inner.remove(); }
      this._note.remove();
      var layers = dispatcher(map), at = layers.indexOf(this);
      if (at >= 0) { layers.splice(at, 1); }
      map.closePopup();
    }
  });

  window.kzgeoFastLayer = function (d) { return new FastLayer(d); };
  /* Value i of a column of a layer's data, as its popup shows it (for tools and tests). */
  window.kzgeoCell = cell;
})();

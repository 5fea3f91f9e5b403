"""Maps as code: each map is a small TOML spec, checked against the layers before it is drawn.

A spec (``maps/NAME.toml``) says which layers a map shows, which features
(``[filters]``: ``layer.field = [values]``, ids included), how they are
coloured (``[styles.LAYER]``), the basemap, the view, the language, the title
and any extra popup sections. Every name in it -- layer, field, value, extra
-- is checked against the catalog and the data; an unknown one raises
:class:`~kzgeo.errors.MapSpecError` naming the spec file and listing the valid
names, before anything is rendered or written.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xyzservices

from kzgeo import schema
from kzgeo.analysis.measures import leg_lengths, route_lengths
from kzgeo.catalog import MAX_CATALOG_BYTES, StyleSpec
from kzgeo.dataset import Dataset
from kzgeo.errors import KzgeoIOError, MapSpecError
from kzgeo.io.files import read_capped
from kzgeo.io.readers import split_refs
from kzgeo import formats
from kzgeo.labels import LANGUAGES, country_names, label
from kzgeo.text import agreements_by_feature

#: Keys a spec may have at its top level.
SPEC_KEYS = ("title", "lang", "layers", "filters", "styles", "basemap", "view", "popup_extras")
#: Keys of a ``[styles.LAYER]`` table.
STYLE_KEYS = ("by", "colors", "dash_by", "dashes")
#: Extra popup sections a spec can ask for.
POPUP_EXTRAS = ("lengths", "agreement_details")



@dataclass(frozen=True)
class MapSpec:
    """One map, as its spec file declares it (names not yet checked against data)."""

    path: Path
    title: str | None = None
    lang: str = "en"
    layers: tuple[str, ...] = ()
    filters: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    styles: dict[str, dict[str, Any]] = field(default_factory=dict)
    basemap: str | None = None
    view: tuple[float, float, float, float] | None = None
    popup_extras: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The map's name: the spec's file name without ``.toml``."""
        return self.path.stem

    def fail(self, message: str) -> MapSpecError:
        return MapSpecError(f"{self.path}: {message}")


def _valid(names: Any) -> str:
    return ", ".join(str(n) for n in names)


def _strings(spec: MapSpec, where: str, value: Any) -> tuple[str, ...]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise spec.fail(f"{where} must be a list of strings")
    return tuple(value)


def _normalised_style(spec: MapSpec, layer: str, style: dict[str, Any]) -> dict[str, Any]:
    """A ``[styles.LAYER]`` table with its colours as ``#rrggbb`` and its dashes as ``"8 5"``.

    The same rules as the catalog's styles (:mod:`kzgeo.schema`), applied once
    here, so every output receives values it accepts.
    """
    style = dict(style)
    for key, convert in (("colors", schema.color), ("dashes", schema.dash)):
        if key not in style:
            continue
        if not isinstance(style[key], dict):
            raise spec.fail(f"[styles.{layer}]: {key} must map values to {'colours' if key == 'colors' else 'dash patterns'}")
        converted = {}
        for value, given in style[key].items():
            try:
                converted[value] = convert(given)
            except ValueError as exc:
                raise spec.fail(f"[styles.{layer}] {key} {value!r}: {exc}") from None
        style[key] = converted
    return style


def read_map_spec(path: str | Path) -> MapSpec:
    """Parse a spec file and check its shape (types, keys, view, language, basemap).

    Names that depend on the data (layers, fields, values) are checked by
    :func:`check_map_spec`.
    """
    path = Path(path)
    spec = MapSpec(path=path)
    try:
        raw = tomllib.loads(read_capped(path, MAX_CATALOG_BYTES).decode("utf-8"))
    except KzgeoIOError as exc:
        raise spec.fail(exc.reason) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise spec.fail(f"not a valid TOML file ({exc})") from None
    except RecursionError:
        raise spec.fail(f"not a map spec: tables or arrays are nested more than {schema.MAX_DEPTH} levels deep") from None
    if found := schema.tree_problem(raw):
        where, reason = found
        raise spec.fail(f"[{where}]: {reason}")
    unknown = sorted(set(raw) - set(SPEC_KEYS))
    if unknown:
        raise spec.fail(f"unknown key(s) {_valid(unknown)}; valid keys: {_valid(SPEC_KEYS)}")
    title = raw.get("title")
    if title is not None:
        try:
            title = schema.title(title)
        except ValueError as exc:
            raise spec.fail(f"title {exc}") from None
    lang = raw.get("lang", "en")
    if lang not in LANGUAGES:
        raise spec.fail(f"unknown language {lang!r}; valid: {_valid(LANGUAGES)}")
    filters = raw.get("filters", {})
    if not (isinstance(filters, dict) and all(isinstance(v, dict) for v in filters.values())):
        raise spec.fail("[filters] must hold entries like deposits.commodity_primary = [\"tungsten\"]")
    parsed_filters = {}
    for layer, by_field in filters.items():
        parsed_filters[layer] = {}
        for name, values in by_field.items():
            if not isinstance(values, list) or not values:
                raise spec.fail(f"filter {layer}.{name} must be a non-empty list of values")
            parsed_filters[layer][name] = tuple(values)
    styles = raw.get("styles", {})
    if not (isinstance(styles, dict) and all(isinstance(v, dict) for v in styles.values())):
        raise spec.fail("[styles.LAYER] tables must hold by, colors, dash_by or dashes")
    styles = {layer: _normalised_style(spec, layer, style) for layer, style in styles.items()}
    basemap = raw.get("basemap")
    if basemap is not None and basemap != "none":
        try:
            xyzservices.providers.query_name(str(basemap))
        except ValueError:
            raise spec.fail(f"unknown basemap {basemap!r}; use a tile provider name such as Esri.WorldGrayCanvas or CartoDB.Positron, or \"none\"") from None
    view = raw.get("view")
    if view is not None:
        if not (isinstance(view, list) and len(view) == 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in view)):
            raise spec.fail("view must be [lon_min, lat_min, lon_max, lat_max]")
        lon0, lat0, lon1, lat1 = (float(v) for v in view)
        if not (-180 <= lon0 < lon1 <= 180 and -90 <= lat0 < lat1 <= 90):
            raise spec.fail(f"view {view} is not [lon_min, lat_min, lon_max, lat_max] in degrees")
        view = (lon0, lat0, lon1, lat1)
    return MapSpec(
        path=path,
        title=title,
        lang=lang,
        layers=_strings(spec, "layers", raw["layers"]) if "layers" in raw else (),
        filters=parsed_filters,
        styles=styles,
        basemap=basemap,
        view=view,
        popup_extras=_strings(spec, "popup_extras", raw.get("popup_extras", [])),
    )


def _field_values(data: Dataset, layer: str, name: str) -> list[str]:
    """The values a filter or style may name for one field: an enum's, or those present."""
    spec_field = next(f for f in data.catalog.layers[layer].fields if f.name == name)
    if spec_field.values:
        return list(spec_field.values)
    column = data.layers[layer][name].dropna()
    if spec_field.type == "refs":
        return sorted({ref for cell in column for ref in split_refs(cell)})
    return sorted({str(v) for v in column})


def _check_field(spec: MapSpec, data: Dataset, layer: str, name: str, where: str) -> None:
    fields = data.catalog.layers[layer].field_names
    if name not in fields:
        raise spec.fail(f"{where}: layer {layer} has no field {name!r}; valid fields: {_valid(fields)}")


def _check_values(spec: MapSpec, data: Dataset, layer: str, name: str, values: Any, where: str) -> None:
    valid = _field_values(data, layer, name)
    unknown = [v for v in values if str(v) not in valid]
    if unknown:
        raise spec.fail(f"{where}: {_valid(repr(v) for v in unknown)} not found in {layer}.{name}; valid values: {_valid(valid)}")


def _check_style(spec: MapSpec, data: Dataset, layer: str, style: dict[str, Any]) -> None:
    where = f"[styles.{layer}]"
    unknown = sorted(set(style) - set(STYLE_KEYS))
    if unknown:
        raise spec.fail(f"{where}: unknown key(s) {_valid(unknown)}; valid keys: {_valid(STYLE_KEYS)}")
    base = data.catalog.layers[layer].style
    for by_key, table_key in (("by", "colors"), ("dash_by", "dashes")):
        by = style.get(by_key, getattr(base, by_key, None) if base else None)
        table = style.get(table_key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise spec.fail(f"{where}: {table_key} must map values to strings")
        if by_key in style and not table:
            raise spec.fail(f"{where}: {by_key} = {style[by_key]!r} needs {table_key} for its values")
        if table and by is None:
            raise spec.fail(f"{where}: {table_key} needs {by_key} (the field to style by)")
        if by is not None and (by_key in style or table):
            _check_field(spec, data, layer, by, where)
            _check_values(spec, data, layer, by, list(table), f"{where} {table_key}")


def check_map_spec(spec: MapSpec, data: Dataset) -> None:
    """Check every name a spec uses against the layers; raise :class:`MapSpecError` on the first unknown one."""
    valid_layers = list(data.catalog.layers)
    for layer in [*spec.layers, *spec.filters, *spec.styles]:
        if layer not in valid_layers:
            raise spec.fail(f"unknown layer {layer!r}; valid layers: {_valid(valid_layers)}")
    shown = spec.layers or tuple(valid_layers)
    for layer in [*spec.filters, *spec.styles]:
        if layer not in shown:
            raise spec.fail(f"layer {layer!r} is filtered or styled but not shown; add it to layers")
    for layer, by_field in spec.filters.items():
        for name, values in by_field.items():
            where = f"filter {layer}.{name}"
            _check_field(spec, data, layer, name, where)
            _check_values(spec, data, layer, name, values, where)
        if not len(kept_ids(spec, data, layer)):
            raise spec.fail(f"the filters on {layer} leave no features")
    for layer, style in spec.styles.items():
        _check_style(spec, data, layer, style)
    unknown = [e for e in spec.popup_extras if e not in POPUP_EXTRAS]
    if unknown:
        raise spec.fail(f"unknown popup extra(s) {_valid(unknown)}; valid: {_valid(POPUP_EXTRAS)}")


def kept_ids(spec: MapSpec, data: Dataset, layer: str) -> list[str]:
    """Ids of the features of ``layer`` that pass every filter of the spec (all must match)."""
    frame = data.layers[layer]
    keep = pd.Series(True, index=frame.index)
    for name, values in spec.filters.get(layer, {}).items():
        wanted = {str(v) for v in values}
        is_refs = next(f for f in data.catalog.layers[layer].fields if f.name == name).type == "refs"
        keep &= frame[name].map(lambda cell: bool(wanted & set(split_refs(cell))) if is_refs else str(cell) in wanted)
    return frame.loc[keep, data.catalog.layers[layer].key].tolist()


def restyled(data: Dataset, styles: dict[str, dict[str, Any]]) -> Dataset:
    """A view of ``data`` whose catalog carries the spec's style overrides."""
    if not styles:
        return data
    layers = dict(data.catalog.layers)
    for layer, style in styles.items():
        base = layers[layer].style or StyleSpec(by=style["by"], colors={})
        by = style.get("by", base.by)
        dash_by = style.get("dash_by", base.dash_by)
        merged = StyleSpec(
            by=by,
            colors=dict(style["colors"]) if by != base.by else {**base.colors, **style.get("colors", {})},
            dash_by=dash_by,
            dashes=dict(style["dashes"]) if dash_by != base.dash_by else {**base.dashes, **style.get("dashes", {})},
        )
        layers[layer] = dataclasses.replace(layers[layer], style=merged)
    return dataclasses.replace(data, catalog=dataclasses.replace(data.catalog, layers=layers))


def approx_km(km: float, lang: str) -> str:
    """A drawn length to two significant figures, as "about N km": the legs are drawn
    straight between sourced points, so a tenth of a kilometre would claim a precision
    the geometry does not have."""
    if not km or pd.isna(km):
        return label("approx_km", lang).format(n="0")
    digits = 1 - int(math.floor(math.log10(abs(km))))
    return label("approx_km", lang).format(n=formats.number(round(km, digits), lang, digits=max(0, digits)))


def _whole_percent(computed_km: float, low: float, high: float) -> int:
    """How far a drawn length lies outside its published range, in whole percent, from the lengths
    themselves: rounding ``diff_pct`` (already rounded to tenths) again would turn -4.52 % into -4.5
    and then, rounding half to even, into -4 %."""
    bound = min(max(computed_km, low), high)
    return int(round((computed_km - bound) / bound * 100))


def _length_lines(data: Dataset, lang: str = "en") -> dict[str, list[str]]:
    """Per corridor leg: its drawn length and every route it belongs to, with drawn and published lengths, in ``lang``."""
    lines = {row["id"]: [label("drawn_leg", lang).format(km=approx_km(row["computed_km"], lang))] for row in leg_lengths(data).to_dict("records")}
    routes = data.catalog.name_for("routes")
    names = {}
    if routes:
        spec = data.catalog.all_tables[routes]
        table = data.frame_for("routes")
        names = dict(zip(table[spec.key], table[spec.name_in(lang)]))
    for route in route_lengths(data).to_dict("records"):
        name = names.get(route["id"], route["name"])
        drawn = approx_km(route["computed_km"], lang)
        if pd.isna(route["published_km"]):
            text = label("route_drawn", lang).format(name=name, drawn=drawn)
        else:
            low, high = route.get("published_km_min", route["published_km"]), route.get("published_km_max", route["published_km"])
            if pd.notna(low) and pd.notna(high) and low != high:
                published = f"{formats.number(low, lang)}–{formats.number(high, lang)} {label('km', lang)}"
            else:
                published = f"{formats.number(route['published_km'], lang)} {label('km', lang)}"
            if isinstance(route.get("measured_in"), str) and route["measured_in"]:
                drawn += " " + label("measured_part", lang).format(country=country_names(route["measured_in"], lang))
            whole = _whole_percent(route["computed_km"], low, high)
            diff = ("+" if whole > 0 else "") + formats.number(whole, lang, digits=0) + " %"
            text = label("route_both", lang).format(name=name, drawn=drawn, published=published, diff=diff)
        for leg in split_refs(route["legs"]):
            lines[leg].append(text)
    return lines


def route_length_lines(data: Dataset, lang: str = "en") -> list[str]:
    """One line per route variant: its drawn and its published length, in ``lang`` (for printed maps)."""
    lines: dict[str, None] = {}
    for texts in _length_lines(data, lang).values():
        for text in texts[1:]:
            lines[text] = None
    return list(lines)


def _agreement_details(data: Dataset, lang: str = "en") -> dict[str, list[str]]:
    """Per feature id: the date, title and summary of each agreement that concerns it, in ``lang``."""
    return {
        fid: [f"{formats.date(r['date'], lang)}. {r['title']}" + (f": {r['summary']}" if r["summary"] else "") for r in rows]
        for fid, rows in agreements_by_feature(data, lang).items()
    }


def popup_extras(spec: MapSpec, data: Dataset, shown: tuple[str, ...]) -> dict[str, dict[str, list[tuple[str, list[str]]]]]:
    extras: dict[str, dict[str, list[tuple[str, list[str]]]]] = {layer: {} for layer in shown}
    for extra in spec.popup_extras:
        per_feature = _length_lines(data, spec.lang) if extra == "lengths" else _agreement_details(data, spec.lang)
        for layer in shown:
            for fid in data.layers[layer][data.catalog.layers[layer].key]:
                if per_feature.get(fid):
                    extras[layer].setdefault(fid, []).append((extra, per_feature[fid]))
    return extras

"""Which field plays which part, read from the catalog's roles.

A thin shim over the catalog's role API (``spec.field(role)``,
``spec.names``), so the QGIS writers ask for a *role* and never name a field
of the shipped data.
"""

from __future__ import annotations

from kzgeo.catalog import Catalog, TableSpec

#: Until every catalog declares roles: the fields that conventionally play them.
_CONVENTIONAL = {"accuracy": "location_accuracy", "uncertainty": "uncertainty_km", "uncertainty_min": "uncertainty_min_km"}


def field_for(spec: TableSpec, role: str) -> str | None:
    """The field of ``spec`` with ``role``, or None."""
    finder = getattr(spec, "field", None)
    if callable(finder):
        found = finder(role)
        if found:
            return found
    name = _CONVENTIONAL.get(role)
    return name if name in spec.field_names else None


def name_field(spec: TableSpec, lang: str) -> str | None:
    """The field holding names in ``lang`` (falling back to English, then the layer's name field)."""
    names = getattr(spec, "names", None) or {lang_: f"name_{lang_}" for lang_ in ("en", "ru", "kk") if f"name_{lang_}" in spec.field_names}
    return names.get(lang) or names.get("en") or getattr(spec, "name_field", None)


def sources_table(catalog: Catalog) -> str:
    return catalog.sources_table

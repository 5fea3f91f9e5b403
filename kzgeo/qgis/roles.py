"""Which field plays which part, asked of the catalog's roles (never by field name).

Thin wrappers over :meth:`kzgeo.catalog.TableSpec.field` and
:meth:`~kzgeo.catalog.TableSpec.name_in` so the QGIS writers read the same
way everywhere. ``uncertainty_min`` is optional: a field with that role gives
the inner radius (km) of a ring-shaped uncertainty area.
"""

from __future__ import annotations

from kzgeo.catalog import SOURCE_ROLES, Catalog, TableSpec


def field_for(spec: TableSpec, role: str) -> str | None:
    """The field of ``spec`` with ``role``, or None."""
    return spec.field(role)


def name_field(spec: TableSpec, lang: str) -> str | None:
    """The field holding names in ``lang`` (else English); None when the table declares no names."""
    names = spec.names
    return names.get(lang) or names.get("en")


def source_fields(catalog: Catalog) -> dict[str, str]:
    """The sources table's fields by role: ``publisher``, ``title``, ``date``, ``url``."""
    spec = catalog.all_tables[catalog.sources_table]
    return {role: spec.field(role) for role in SOURCE_ROLES}

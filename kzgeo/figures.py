"""Which resource figures speak for which deposit.

A figure that covers several deposits (one project's combined resource, a
forecast for a wider area) is recorded once, on a group (the table with
``role = "groups"``, its members in the field with ``role = "members"``),
never on one member. A deposit's popup lists its own figures and, marked as
shared, those of every group it belongs to, so no figure is counted twice and
none is hidden.
"""

from __future__ import annotations

from typing import Any

from kzgeo.io.readers import split_refs


def groups_of(data: Any) -> dict[str, tuple[str, list[str]]]:
    """Group id -> (English name, member deposit ids); empty when the catalog declares no groups."""
    name = data.catalog.name_for("groups")
    if name is None:
        return {}
    spec = data.catalog.all_tables[name]
    members, label = spec.field("members"), spec.name_in("en")
    if members is None:
        return {}
    frame = data.frame_for("groups")
    return {r[spec.key]: (r[label] if label else r[spec.key], split_refs(r[members])) for r in frame.to_dict("records")}


def scopes(data: Any, fid: str) -> list[str]:
    """The ids a figure may be recorded under and still concern ``fid``: itself, then its groups."""
    return [fid] + [gid for gid, (_, members) in groups_of(data).items() if fid in members]


def shared_by(data: Any, scope: str) -> list[str]:
    """The deposits a figure recorded under ``scope`` concerns: the group's members, or the deposit itself."""
    group = groups_of(data).get(scope)
    return group[1] if group else [scope]

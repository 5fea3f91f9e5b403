"""Words the map shows that do not come from the data: field labels and captions.

Keyed by language code, so a map can be rendered in English, Russian or
Kazakh; a word without a translation falls back to English, then to itself.
"""

from __future__ import annotations

LANGUAGES = ("en",)

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "name_ru": "Name (Russian)",
        "name_kk": "Name (Kazakh)",
        "commodity_primary": "Primary commodity",
        "commodities_byproduct": "By-products",
        "deposit_type": "Deposit type",
        "region": "Region",
        "district": "District",
        "operator": "Operator",
        "partners": "Partners and shares",
        "investment_usd_m": "Announced investment (USD m)",
        "investment_note": "Investment note",
        "status": "Status",
        "location_accuracy": "Location accuracy",
        "uncertainty_km": "Uncertainty radius (km)",
        "location_note": "How the point was placed",
        "corridor": "Corridor",
        "mode": "Mode",
        "variant": "Route variant",
        "countries": "Countries",
        "from_node": "From",
        "to_node": "To",
        "via": "Via",
        "geometry_note": "How the line was drawn",
        "kind": "Kind",
        "country": "Country",
        "resources": "Resource figures",
        "agreements": "Agreements",
        "agreement_details": "What the agreements say",
        "lengths": "Lengths (drawn and published)",
        "sources": "Sources",
        "as_of": "Data as of",
        "uncertainty": "Uncertainty radius",
    },
}


def label(key: str, lang: str = "en") -> str:
    """The caption for ``key`` in ``lang``, falling back to English, then the key."""
    return LABELS.get(lang, {}).get(key) or LABELS["en"].get(key) or key

"""Numbers, money, dates and plurals as a reader of each language writes them (Babel's CLDR data).

A Russian reader reads "1,100" as one point one, and "1.1" as nothing at all:
every number a map shows goes through here, so USD 1.1 bn is "1,1 млрд
долл. США" on the Russian page and "1,1 млрд АҚШ доллары" on the Kazakh one.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

#: Scale words after a number (thousand-millions and millions), per language.
_SCALES = {
    "en": ((1e9, "bn"), (1e6, "m")),
    "ru": ((1e9, "млрд"), (1e6, "млн")),
    "kk": ((1e9, "млрд"), (1e6, "млн")),
}
#: US dollars, written as each language writes them after an amount.
_USD = {"en": "USD {amount}", "ru": "{amount} долл. США", "kk": "{amount} АҚШ доллары"}


def number(value: Any, lang: str = "en", *, digits: int = 2) -> str:
    """``value`` with the locale's separators, at most ``digits`` decimals (trailing zeros dropped)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        return str(value)
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=lang)


def scaled(value: float, lang: str = "en") -> str:
    """A large number with a scale word: 1.1e9 -> "1.1 bn" / "1,1 млрд"."""
    for size, word in _SCALES.get(lang, _SCALES["en"]):
        if abs(value) >= size:
            return f"{number(value / size, lang, digits=1)} {word}"
    return number(value, lang, digits=0)


def usd(value: float, lang: str = "en") -> str:
    """An amount of US dollars in the reader's language ("USD 1.1 bn", "1,1 млрд долл. США")."""
    return _USD.get(lang, _USD["en"]).format(amount=scaled(value, lang))


def date(value: Any, lang: str = "en") -> str:
    """A ``YYYY-MM-DD`` or ``YYYY-MM`` date as the locale writes it; anything else unchanged."""
    return _date(str(value), lang)


@lru_cache(maxsize=4096)
def _date(text: str, lang: str) -> str:
    """:func:`date` of a text, remembered: a page formats the same few hundred dates again and again."""
    try:
        if len(text) == 7:
            day = dt.date.fromisoformat(text + "-01")
            return format_date(day, format="LLLL y", locale=lang)
        return format_date(dt.date.fromisoformat(text), format="long", locale=lang)
    except ValueError:
        return text


def plural(forms: dict[str, str], count: int, lang: str = "en") -> str:
    """The form of a word for ``count`` (CLDR categories: one, few, many, other), ``{n}`` filled in."""
    category = Locale.parse(lang).plural_form(count)
    text = forms.get(category) or forms.get("other") or next(iter(forms.values()))
    return text.replace("{n}", number(count, lang, digits=0))

"""One error family for kzgeo (after rasterio's ``errors.py``).

Every error kzgeo raises derives from :class:`KzgeoError`, and each also
inherits the built-in it resembles, so callers may catch either. The CLI turns
any ``KzgeoError`` into a single ``Error: ...`` line and exit code 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class KzgeoError(Exception):
    """Root of every error kzgeo raises on purpose."""


class CatalogError(KzgeoError, ValueError):
    """The layer catalog is missing, unreadable or inconsistent."""


class KzgeoIOError(KzgeoError, OSError):
    """A file could not be read or written; the message names the file and why.

    Raised instead of a bare ``OSError`` (permission denied, a directory where
    a file should be, a disk that filled up) so the CLI can report it cleanly.
    """

    def __init__(self, path: object, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class OutputExistsError(KzgeoError, FileExistsError):
    """An output exists and ``overwrite`` was not asked for."""


class ExportError(KzgeoError, OSError):
    """An export could not be written (the previous export, if any, is untouched)."""


#: Characters a terminal would act on rather than show: C0/C1 controls (escape
#: sequences, carriage return, newline), Unicode line separators, bidirectional
#: marks, embeddings, overrides and isolates, and the byte-order mark. In a
#: message they are shown escaped, so a hostile id cannot forge extra ``Error:``
#: lines, reorder what a line says or recolour the terminal.
_UNPRINTABLE = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in [
        *range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029,
        *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF,
    ]
}


def printable(text: object) -> str:
    """``text`` as one inert terminal line: every character of :data:`_UNPRINTABLE` shown escaped.

    The one choke point for text kzgeo prints: the CLI passes every ``Error:``
    line and every file name it echoes through it.
    """
    return str(text).translate(_UNPRINTABLE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the layers: which file, which feature or row, what."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}: {self.where}" if self.where else self.file
        return printable(f"{place}: {self.message}")


#: Parts of a message that name the value at fault (quoted text, numbers): two
#: problems that differ only there are the same problem on different rows.
_VARYING = re.compile(r"\"[^\"]*\"|'[^']*'|-?\d[\d.,_eE+-]*")
#: How many rows a repeated problem names before it says how many more there are.
FIRST_ROWS = 3


def problem_lines(problems: list[Problem], *, every: bool = False, first: int = FIRST_ROWS) -> list[str]:
    """One line per problem, or -- unless ``every`` -- one line per problem repeated on many rows.

    A problem found on more than ``first`` rows of one file (same message but
    for the value at fault) is shown once: the first occurrence, how many
    there are and where the first ``first`` are. One systematic mistake on
    80,000 rows is then one line, not 80,000; ``kzgeo validate --all`` lists
    them all. Lines keep the order in which problems were found.
    """
    if every:
        return [str(p) for p in problems]
    groups: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        groups.setdefault((problem.file, _VARYING.sub("#", problem.message)), []).append(problem)
    lines = []
    for members in groups.values():
        if len(members) <= first:
            lines += [str(p) for p in members]
            continue
        shown = "; ".join(p.where or "(whole file)" for p in members[:first])
        lines.append(printable(f"{members[0]} [{len(members):,} times in {members[0].file}: {shown}; and {len(members) - first:,} more; kzgeo validate --all lists every one]"))
    return lines


class LayersInvalid(KzgeoError, ValueError):
    """The layers failed validation; ``problems`` lists every problem found.

    The message shows a problem repeated on many rows once, with its count
    (:func:`problem_lines`); ``problems`` keeps every one.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  {line}" for line in problem_lines(self.problems))
        super().__init__(f"{len(self.problems)} problem(s) in the layers:\n{lines}")


class MapSpecError(KzgeoError, ValueError):
    """A map spec names something the layers do not have."""


class ArgumentError(KzgeoError, ValueError):
    """A library function was called with an argument it cannot use (an unknown format, a negative radius...)."""


class OfflineAssetError(KzgeoError, ValueError):
    """A self-contained map was asked to carry something that only a network can supply."""


class MapArgumentError(MapSpecError, TypeError):
    """An argument of :func:`kzgeo.render_map` (data, filters, view...) is malformed or names nothing."""


class CrsError(KzgeoError, ValueError):
    """Geometries lack a coordinate reference system, or have one kzgeo cannot turn into longitude and latitude."""


class KzgeoWarning(UserWarning):
    """Root of kzgeo's warnings: an oddity that does not stop the work."""


class TranslationWarning(KzgeoWarning):
    """A text the catalog declares a translation column for has none in some rows.

    The maps then show the English text marked "(in English)" in that
    language; ``kzgeo validate`` prints one ``Warning:`` line per field and
    language, with a count.
    """

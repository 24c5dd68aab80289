"""Tables the product writes for spreadsheets (accounting export, purchase orders): one place
that decides how a cell is written, so no member name or product label runs as a formula, and
in which dialect.

Two dialects. **Excel-FR** (``excel-fr``, the default of every download meant for people): UTF-8
with a byte-order mark (so French Excel reads accents right), ``;`` between cells, a decimal
comma (``1234,56``, read as a number by a French spreadsheet) and French headers. **Plain**
(``plain``, for machines): UTF-8 without BOM, ``,``, a decimal point and English headers.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what a
spreadsheet takes for a formula (``=HYPERLINK(...)``, ``+1+cmd|...``, ``@SUM(...)``): it is
written with a leading apostrophe, which spreadsheets read as "this is text". Numbers are not
text: amounts are passed as ``Decimal`` (``from_cents``) and written as numbers of the dialect,
so a credit note's ``-12,34`` stays a number the accountant's spreadsheet adds up.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


@dataclass(frozen=True)
class Dialect:
    name: str
    delimiter: str
    decimal: str
    bom: bool
    lang: str  # the headers' language


EXCEL_FR = Dialect("excel-fr", ";", ",", True, "fr")
PLAIN = Dialect("plain", ",", ".", False, "en")
DIALECTS = {d.name: d for d in (EXCEL_FR, PLAIN)}


@dataclass(frozen=True)
class Column:
    """A column of a table: its English (plain) and French (Excel-FR) headers."""

    en: str
    fr: str

    def header(self, dialect: Dialect) -> str:
        return self.fr if dialect.lang == "fr" else self.en


def safe_cell(value: object, dialect: Dialect = PLAIN) -> object:
    """A cell as a spreadsheet must read it: numbers as numbers, anything else as inert text."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", dialect.decimal) if dialect.decimal != "." else text
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_line(values: Iterable[object], dialect: Dialect = EXCEL_FR) -> str:
    """One CSV record, CRLF-terminated, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    csv.writer(out, delimiter=dialect.delimiter, lineterminator="\r\n").writerow(
        [safe_cell(v, dialect) for v in values])
    return out.getvalue()


def csv_header(columns: Iterable[Column], dialect: Dialect = EXCEL_FR) -> str:
    """The first line of a document: the BOM when the dialect has one, then the headers."""
    return (BOM if dialect.bom else "") + csv_line([c.header(dialect) for c in columns], dialect)


def csv_document(columns: Iterable[Column], rows: Iterable[Iterable[object]],
                 dialect: Dialect = EXCEL_FR) -> Iterator[str]:
    """A whole CSV document, header first, as chunks (so a long one can be streamed)."""
    yield csv_header(columns, dialect)
    for row in rows:
        yield csv_line(row, dialect)


def csv_text(columns: Iterable[Column], rows: Iterable[Iterable[object]], dialect: Dialect = EXCEL_FR) -> str:
    return "".join(csv_document(columns, rows, dialect))

"""Tables the product writes for spreadsheets (accounting export, purchase orders): one place
that decides how a cell is written, so no member name or product label runs as a formula.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what a
spreadsheet takes for a formula (``=HYPERLINK(...)``, ``+1+cmd|...``, ``@SUM(...)``): it is
written with a leading apostrophe, which spreadsheets read as "this is text". Numbers are not
text: amounts are passed as ``Decimal`` (``from_cents``) and written as they are, so a credit
note's ``-12.34`` stays a number the accountant's spreadsheet adds up.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell as a spreadsheet must read it: numbers as numbers, anything else as inert text."""
    if value is None:
        return ""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_line(values: Iterable[object], *, delimiter: str = ";") -> str:
    """One CSV record, CRLF-terminated, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow([safe_cell(v) for v in values])
    return out.getvalue()


def csv_text(rows: Iterable[Iterable[object]], *, delimiter: str = ";") -> str:
    """A whole CSV document, header row included."""
    return "".join(csv_line(row, delimiter=delimiter) for row in rows)

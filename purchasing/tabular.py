"""Supplier price lists and members' needs imported from CSV or XLSX files.

Treasurers keep price lists and order sheets in spreadsheets: this module reads them as they
come (French or English headers, ``;`` or ``,`` separators, UTF-8 or Windows-1252, decimal commas)
and turns them into checked rows. Every problem in the file is collected and reported at once, with
its spreadsheet row and column, in one :class:`~purchasing.exceptions.TableError`; nothing is
returned when there is any.

Pure Python: openpyxl is imported only when an XLSX file is read.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from .exceptions import MoneyError, TableError
from .model import QUANTITY_DECIMALS, Need, Offer, PriceTier, Temperature
from .money import to_cents

#: French VAT rates (percent) a supplier's food and equipment can carry on mainland France.
VAT_RATES = (Decimal(0), Decimal("2.1"), Decimal("5.5"), Decimal(10), Decimal(20))
DEFAULT_VAT_RATE = Decimal("5.5")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and .doc) container
_CSV_EXTENSIONS = {"", "csv", "txt", "tsv"}
_XLSX_EXTENSIONS = {"xlsx", "xlsm"}

_QUANTUM = Decimal(1).scaleb(-QUANTITY_DECIMALS)


class TableRow(dict):
    """A row of a table: normalised header -> cell text, plus the spreadsheet ``row`` number."""

    def __init__(self, row: int, values: dict[str, str]):
        super().__init__(values)
        self.row = row


@dataclass(frozen=True)
class OfferRow:
    """One product of a supplier's price list, as read from its row of the file.

    ``vat_rate`` is a percentage (``Decimal("5.5")``); ``tiers`` are all-units discounts
    ``(min_packs, pack_price_cents)`` excl. VAT, the first one always ``(1, price)``.
    """

    row: int
    reference: str
    product: str
    category: str
    unit: str
    pack_size: Decimal
    divisible: bool
    vat_rate: Decimal
    temperature: str
    pack_weight_kg: Decimal
    pack_volume_l: Decimal
    packs_available: int | None
    tiers: tuple[tuple[int, int], ...]

    def to_offer(self, supplier_id: str) -> Offer:
        """The solver's :class:`~purchasing.model.Offer` (VAT as a fraction, e.g. 0.055)."""
        return Offer(
            id=self.reference,
            supplier_id=supplier_id,
            product=self.product,
            tiers=tuple(PriceTier(n, c) for n, c in self.tiers),
            category=self.category,
            unit=self.unit,
            pack_size=self.pack_size,
            divisible=self.divisible,
            vat_rate=self.vat_rate / 100,
            temperature=Temperature(self.temperature),
            pack_weight_kg=self.pack_weight_kg,
            pack_volume_l=self.pack_volume_l,
            packs_available=self.packs_available,
        )


@dataclass(frozen=True)
class NeedRow:
    """One need of a member, as read from its row of the file (quantities in the offer's unit)."""

    row: int
    member: str
    references: tuple[str, ...]
    minimum: Decimal
    target: Decimal
    maximum: Decimal | None
    note: str

    def to_need(self, member_id: str | None = None) -> Need:
        """The solver's :class:`~purchasing.model.Need` (``member_id`` defaults to ``member``)."""
        return Need(
            member_id=member_id or self.member,
            offer_ids=self.references,
            target=self.target,
            minimum=self.minimum,
            maximum=self.maximum,
            id=f"row{self.row}",
        )


# ---------------------------------------------------------------------------------------------
# Reading a file into rows of text


def normalise_header(text: str) -> str:
    """``" Unité de vente (kg) "`` -> ``"unite_de_vente_kg"``: accents off, lowercase, ``_``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names the column."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _problem(row: int | None, column: str | None, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _csv_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise TableError([_problem(None, None, "not a CSV or XLSX file (binary content)")], filename)
    try:
        text = _decode(data)
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined, e.g. 0x81
        raise TableError(
            [_problem(None, None, "not a text file in UTF-8 or Windows-1252 (cp1252)")], filename
        ) from None
    # sniffed on the widest of the first lines: a title line above the header has few separators
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
    counts = {sep: max((_count_outside_quotes(line, sep) for line in lines), default=0) for sep in (";", ",", "\t")}
    delimiter = max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        return [(n, [cell.strip() for cell in cells]) for n, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise TableError([_problem(None, None, f"not a readable CSV file ({exc})")], filename) from None


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == sep and not quoted:
            count += 1
    return count


class NumberText(str):
    """The text of a cell the spreadsheet holds as a number: written with a decimal point and no
    thousands separator, so it is never ambiguous, whatever the file's locale."""


def cell_text(value: object, number_format: str = "General") -> str:
    """A spreadsheet cell as the text a user typed: ``12.5``, ``3``, ``2026-11-18``, ``5.5%``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float):
            # 15 significant digits, as the spreadsheet itself shows: 0.1 + 0.2 -> 0.3
            number = Decimal(f"{value:.15g}")
        else:
            number = Decimal(value)
        percent = "%" in (number_format or "")
        if percent:
            number *= 100
        text = _plain(number)
        return f"{text}%" if percent else NumberText(text)
    return str(value).strip()


def _plain(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 12.50 -> 12.5, 3.0 -> 3, 1E+2 -> 100."""
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def _xlsx_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableError(
            [_problem(None, None, f"not a CSV or XLSX file (unreadable workbook: {exc})")], filename
        ) from None
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers record a wrong sheet size
        rows = []
        for n, cells in enumerate(sheet.iter_rows(), start=1):
            texts = [cell_text(c.value, getattr(c, "number_format", "General")) for c in cells]
            number = next((c.row for c in cells if getattr(c, "row", None)), n)
            rows.append((number, texts))
        return rows
    finally:
        workbook.close()


def _raw_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    if not isinstance(data, bytes | bytearray):
        raise TypeError("data must be the file's bytes")
    data = bytes(data)
    if not data.strip():
        raise TableError([_problem(None, None, "the file is empty")], filename)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(_OLE_MAGIC) or ext == "xls":
        raise TableError(
            [_problem(None, None, "old Excel (.xls) files are not read: save it as .xlsx or .csv")],
            filename,
        )
    if ext in _XLSX_EXTENSIONS or data.startswith(_ZIP_MAGIC):
        return _xlsx_rows(data, filename)
    if ext not in _CSV_EXTENSIONS or data.startswith(b"%PDF"):
        raise TableError(
            [_problem(None, None, f"not a CSV or XLSX file (.{ext}): send a .csv or .xlsx file")],
            filename,
        )
    return _csv_rows(data, filename)


#: how far down a title block (supplier's name, date, merged cells) may push the header row
HEADER_SEARCH_ROWS = 20


def _header_index(rows: list[tuple[int, list[str]]], known: set[str], extra: re.Pattern[str] | None) -> int:
    """The header is the first row with two or more known column names; rows above it are a
    title block. Without such a row, the first non-empty row (its unknown columns are reported)."""
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {normalise_header(c) for c in cells if c}
        hits = sum(1 for name in names if name in known or (extra is not None and extra.match(name)))
        if hits >= 2:
            return i
    return 0


def _read(data: bytes, filename: str, spec: dict[str, tuple[str, ...]] | None = None,
          extra: re.Pattern[str] | None = None) -> tuple[int, list[str], list[TableRow], list[dict]]:
    """Header row number, normalised column names, data rows, and the problems found."""
    rows = [(n, cells) for n, cells in _raw_rows(data, filename) if any(c for c in cells)]
    if not rows:
        raise TableError([_problem(None, None, "the file is empty")], filename)
    start = _header_index(rows, {a for names in spec.values() for a in names}, extra) if spec else 0
    header_row, header = rows[start]
    body = rows[start + 1:]
    problems: list[dict] = []
    width = max(len(header), *(len(cells) for _, cells in body)) if body else len(header)
    names: list[str] = []
    seen: dict[str, str] = {}
    for i in range(width):
        raw = header[i] if i < len(header) else ""
        name = normalise_header(raw)
        letter = _column_letter(i)
        if not name:
            if any(i < len(cells) and cells[i] for _, cells in body):
                problems.append(
                    _problem(header_row, letter, f"column {letter} has values but no header")
                )
            names.append("")
            continue
        if name in seen:
            problems.append(
                _problem(header_row, name, f"column {letter}: {raw!r} repeats column {seen[name]}")
            )
            names.append("")
            continue
        seen[name] = letter
        names.append(name)
    out = []
    for number, cells in body:
        values = {
            name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name
        }
        out.append(TableRow(number, values))
    return header_row, names, out, problems


def read_table(data: bytes, filename: str) -> list[dict[str, str]]:
    """The rows of a CSV or XLSX file as dicts of text keyed by the normalised header.

    CSV: UTF-8 with or without BOM, else Windows-1252; the separator (``;``, ``,`` or tab) is
    sniffed from the header line. XLSX (by extension or by content): the first sheet, numbers as
    typed (``12.5``, ``3``), dates in ISO form, percentages as ``5.5%``. The first non-empty row
    is the header (normally row 1); headers are normalised (``"Référence "`` -> ``"reference"``);
    fully empty rows are skipped. Each returned dict is a :class:`TableRow` whose ``row`` is its
    spreadsheet row number.
    """
    _, _, rows, problems = _read(data, filename)
    if problems:
        raise TableError(problems, filename)
    return list(rows)


# ---------------------------------------------------------------------------------------------
# Columns


_PRICE_LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref", "reference_fournisseur", "code_article", "code"),
    "product": ("product", "produit", "designation", "libelle", "article"),
    "pack_size": ("pack_size", "colisage", "conditionnement", "unites_par_colis"),
    "price": ("price", "prix", "prix_ht", "prix_colis", "prix_colis_ht", "pack_price"),
    "category": ("category", "categorie", "famille", "rayon"),
    "unit": ("unit", "unite"),
    "divisible": ("divisible", "vrac", "au_poids"),
    "vat_rate": ("vat_rate", "vat", "tva", "taux_tva", "taux_de_tva"),
    "temperature": ("temperature", "temp"),
    "pack_weight_kg": ("pack_weight_kg", "poids_colis_kg", "poids_kg", "poids"),
    "pack_volume_l": ("pack_volume_l", "volume_colis_l", "volume_l", "volume"),
    "packs_available": ("packs_available", "stock", "colis_disponibles", "disponible"),
    "tiers": ("tiers", "paliers"),
}
_PRICE_LIST_REQUIRED = ("reference", "product", "pack_size", "price")
_TIER_COLUMN = re.compile(r"^(?:price_from|prix_des|prix_a_partir_de|prix_a_partir)_(\d+)(?:_colis)?$")

_NEEDS_COLUMNS: dict[str, tuple[str, ...]] = {
    "member": ("member", "membre", "adherent", "association"),
    "reference": ("reference", "references", "ref", "offer", "offre"),
    "target": ("target", "cible", "besoin", "quantite", "quantity"),
    "minimum": ("minimum", "min", "mini"),
    "maximum": ("maximum", "max", "maxi"),
    "note": ("note", "notes", "commentaire", "remarque"),
}
_NEEDS_REQUIRED = ("member", "reference", "target")


def _map_columns(
    names: list[str],
    header_row: int,
    spec: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    problems: list[dict],
    extra: re.Pattern[str] | None = None,
) -> tuple[dict[str, str], dict[int, str]]:
    """Canonical column -> header in the file, and tier size -> header (price lists only)."""
    alias = {a: canonical for canonical, names_ in spec.items() for a in names_}
    found: dict[str, str] = {}
    tiers: dict[int, str] = {}
    for name in names:
        if not name:
            continue
        match = extra.match(name) if extra is not None else None
        if match:
            packs = int(match.group(1))
            if packs < 2:
                problems.append(
                    _problem(
                        header_row,
                        name,
                        "a tier starts at 2 packs or more (the price for 1 pack is the price column)",
                    )
                )
            elif packs in tiers:
                problems.append(
                    _problem(header_row, name, f"repeats the tier column {tiers[packs]}")
                )
            else:
                tiers[packs] = name
            continue
        canonical = alias.get(name)
        if canonical is None:
            known = ", ".join(spec)
            if extra is not None:
                known += ", price_from_N"
            problems.append(_problem(header_row, name, f"unknown column; the columns are {known}"))
        elif canonical in found:
            problems.append(
                _problem(header_row, canonical, f"{name!r} and {found[canonical]!r} are the same column")
            )
        else:
            found[canonical] = name
    for canonical in required:
        if canonical not in found:
            others = [a for a in spec[canonical] if a != canonical]
            hint = f" (or {', '.join(others[:3])})" if others else ""
            problems.append(_problem(header_row, canonical, f"required column is missing{hint}"))
    return found, tiers


# ---------------------------------------------------------------------------------------------
# Cell values


class _Bad(ValueError):
    """A cell value that cannot be used; the message is shown to the user."""


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
# one separator then exactly three digits: 1.250 is 1250 to a French reader, 1.25 to an English one
_AMBIGUOUS = re.compile(r"[+-]?[1-9][0-9]{0,2}[.,][0-9]{3}", re.ASCII)
#: how the file writes numbers, when the upload says so: (thousands separators, decimal mark)
NUMBER_LOCALES = {"fr": (".", ","), "en": (",", ".")}


def _check_locale(locale: str | None) -> None:
    if locale is not None and locale not in NUMBER_LOCALES:
        raise ValueError(f"locale must be one of {', '.join(NUMBER_LOCALES)} or None, got {locale!r}")


def _decimal(text: str, locale: str | None = None) -> Decimal:
    if isinstance(text, NumberText):  # a number cell of a spreadsheet: exact as it is
        return Decimal(text)
    cleaned = re.sub(r"[\s\u00a0\u202f\u2009€]", "", text)
    if locale is not None:
        thousands, mark = NUMBER_LOCALES[locale]
        if re.fullmatch(r"[+-]?[0-9]{1,3}(?:" + re.escape(thousands) + r"[0-9]{3})+(?:" + re.escape(mark)
                        + r"[0-9]*)?", cleaned):
            cleaned = cleaned.replace(thousands, "")
        elif thousands in cleaned:
            raise _Bad(f"{text!r} is not a number as written in this file's locale ({locale}: decimal "
                       f"mark {mark!r})")
        cleaned = cleaned.replace(mark, ".")
    else:
        if "," in cleaned and "." in cleaned:
            raise _Bad(f"{text!r}: use one decimal separator, without thousands separators, or state the "
                       "file's locale in the upload (locale=fr or locale=en)")
        if _AMBIGUOUS.fullmatch(cleaned):
            sep = "," if "," in cleaned else "."
            whole, frac = cleaned.split(sep)
            raise _Bad(f"{text!r} is ambiguous: {whole}{frac} with a thousands separator or {whole}.{frac} "
                       "with a decimal mark; write it without thousands separator and with at most two "
                       "decimals, or state the file's locale in the upload (locale=fr or locale=en)")
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):  # Decimal() would also read "1_000", "1e3" and other scripts' digits
        raise _Bad(f"{text!r} is not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _Bad(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise _Bad(f"{text!r} is not a number")
    return value


def _quantity(text: str, *, positive: bool = False, locale: str | None = None) -> Decimal:
    value = _decimal(text, locale)
    if value < 0:
        raise _Bad(f"must not be negative, got {text}")
    if positive and value == 0:
        raise _Bad("must be positive, got 0")
    if value != value.quantize(_QUANTUM, rounding="ROUND_DOWN"):
        raise _Bad(f"{text} has more than {QUANTITY_DECIMALS} decimals")
    return Decimal(_plain(value))


def _packs(text: str, locale: str | None = None) -> int:
    value = _decimal(text, locale)
    if value < 0:
        raise _Bad(f"a number of packs must not be negative, got {text}")
    if value != value.to_integral_value():
        raise _Bad(f"a number of packs is a whole number, got {text}")
    return int(value)


def _price(text: str, locale: str | None = None) -> int:
    value = _decimal(text, locale)
    if value < 0:
        raise _Bad(f"a price must not be negative, got {text}")
    try:
        return to_cents(value)
    except MoneyError:
        raise _Bad(f"{text}: a price has at most two decimals (cents)") from None


_TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
_FALSE = {"non", "n", "no", "false", "faux", "0", ""}


def _boolean(text: str) -> bool:
    key = normalise_header(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise _Bad(f"{text!r}: write oui/non (yes/no, true/false, 1/0)")


_TEMPERATURES = {
    "ambient": "ambient",
    "ambiant": "ambient",
    "ambiante": "ambient",
    "sec": "ambient",
    "chilled": "chilled",
    "frais": "chilled",
    "refrigere": "chilled",
    "frozen": "frozen",
    "surgele": "frozen",
    "congele": "frozen",
}


def _temperature(text: str) -> str:
    if not text:
        return "ambient"
    found = _TEMPERATURES.get(normalise_header(text))
    if found is None:
        raise _Bad(f"{text!r}: write ambient, chilled or frozen (ambiant, frais, surgelé)")
    return found


def _vat_rate(text: str, locale: str | None = None) -> Decimal:
    if not text:
        return DEFAULT_VAT_RATE
    value = _decimal(text.replace("%", ""), locale)
    if "%" not in text and 0 < value < 1 and value * 100 in VAT_RATES:
        value *= 100  # written as a fraction, 0.055
    for rate in VAT_RATES:
        if value == rate:
            return rate
    rates = ", ".join(_plain(r) for r in VAT_RATES)
    raise _Bad(f"{text!r} is not a French VAT rate in percent ({rates})")


def _tiers_text(text: str, locale: str | None = None) -> list[tuple[int, int, str]]:
    out = []
    for part in re.split(r"[;|]", text):
        part = part.strip()
        if not part:
            continue
        if ":" not in part:
            raise _Bad(f"{part!r}: write each tier as packs:price, e.g. 10:11.90;50:10.80")
        packs_text, price_text = (p.strip() for p in part.split(":", 1))
        packs = _packs(packs_text, locale)
        if packs < 2:
            raise _Bad(f"{part!r}: a tier starts at 2 packs or more")
        out.append((packs, _price(price_text, locale), part))
    return out


# ---------------------------------------------------------------------------------------------
# Price lists


def parse_price_list(data: bytes, filename: str, *, locale: str | None = None) -> list[OfferRow]:
    """A supplier's price list: one :class:`OfferRow` per product, or :class:`TableError`.

    Required columns: ``reference``, ``product``, ``pack_size``, ``price`` (pack price excl. VAT
    for 1 pack). Optional: ``category``, ``unit``, ``divisible``, ``vat_rate`` (percent, default
    5.5), ``temperature``, ``pack_weight_kg``, ``pack_volume_l``, ``packs_available`` (empty:
    unlimited), and volume discounts as ``price_from_N`` columns or a ``tiers`` column
    (``10:11.90;50:10.80``). French headers are accepted (référence, produit, colisage, prix,
    tva, stock...).

    The header may sit below a title block (the supplier's name in merged cells, a date): it is
    the first row naming two known columns. A number like ``1.250`` or ``1,000`` (one separator,
    three digits after it) is refused as ambiguous unless ``locale`` says how the file writes
    numbers: ``"fr"`` (``1.250,5`` — thousands ``.``, decimal ``,``) or ``"en"`` (``1,250.5``).
    Cells an XLSX file holds as numbers are exact and never ambiguous.
    """
    _check_locale(locale)
    header_row, names, rows, problems = _read(data, filename, _PRICE_LIST_COLUMNS, _TIER_COLUMN)
    columns, tier_columns = _map_columns(
        names, header_row, _PRICE_LIST_COLUMNS, _PRICE_LIST_REQUIRED, problems, _TIER_COLUMN
    )
    if not rows:
        problems.append(_problem(header_row, None, "no rows under the header"))
    missing = [c for c in _PRICE_LIST_REQUIRED if c not in columns]
    offers: list[OfferRow] = []
    first_seen: dict[str, int] = {}
    for table_row in rows if not missing else ():
        offer = _offer_row(table_row, columns, tier_columns, problems, first_seen, locale)
        if offer is not None:
            offers.append(offer)
    if problems:
        raise TableError(_sorted(problems), filename)
    return offers


def _offer_row(
    table_row: TableRow,
    columns: dict[str, str],
    tier_columns: dict[int, str],
    problems: list[dict],
    first_seen: dict[str, int],
    locale: str | None = None,
) -> OfferRow | None:
    n = table_row.row
    before = len(problems)

    def cell(column: str) -> str:
        header = columns.get(column)
        return table_row.get(header, "") if header else ""

    def parse(column: str, fn, default=None, *, required: bool = False):
        text = cell(column)
        if not text:
            if required:
                problems.append(_problem(n, column, "must not be empty"))
            return default
        try:
            return fn(text)
        except _Bad as exc:
            problems.append(_problem(n, column, str(exc)))
            return default

    reference = cell("reference")
    if not reference:
        problems.append(_problem(n, "reference", "must not be empty"))
    elif "|" in reference:
        problems.append(
            _problem(n, "reference", f"{reference!r}: | separates alternatives in needs files")
        )
    elif reference in first_seen:
        problems.append(
            _problem(n, "reference", f"{reference!r} is already on row {first_seen[reference]}")
        )
    else:
        first_seen[reference] = n
    product = cell("product")
    if not product:
        problems.append(_problem(n, "product", "must not be empty"))
    divisible = parse("divisible", _boolean, False)
    pack_size = parse("pack_size", lambda t: _quantity(t, positive=True, locale=locale), required=True)
    if pack_size is not None and not divisible and pack_size != pack_size.to_integral_value():
        problems.append(
            _problem(
                n,
                "pack_size",
                f"{cell('pack_size')} is fractional: mark the product divisible (sold by weight) "
                "or give whole units",
            )
        )
    price = parse("price", lambda t: _price(t, locale), required=True)
    vat_rate = parse("vat_rate", lambda t: _vat_rate(t, locale), DEFAULT_VAT_RATE)
    temperature = parse("temperature", _temperature, "ambient")
    weight = parse("pack_weight_kg", lambda t: _quantity(t, locale=locale), Decimal(0))
    volume = parse("pack_volume_l", lambda t: _quantity(t, locale=locale), Decimal(0))
    available = parse("packs_available", lambda t: _packs(t, locale))

    tiers: list[tuple[int, int, str]] = []
    for packs, header in sorted(tier_columns.items()):
        text = table_row.get(header, "")
        if text:
            try:
                tiers.append((packs, _price(text, locale), header))
            except _Bad as exc:
                problems.append(_problem(n, header, str(exc)))
    listed = parse("tiers", lambda t: _tiers_text(t, locale), [])
    previous = 0
    for packs, _, part in listed:
        if packs <= previous:
            problems.append(
                _problem(n, "tiers", f"{part!r}: the numbers of packs must increase from tier to tier")
            )
        previous = max(previous, packs)
    from_columns = {p for p, _, _ in tiers}
    for packs, cents, part in listed:
        if packs in from_columns:
            problems.append(_problem(n, "tiers", f"{part!r}: the tier at {packs} packs is also a column"))
        else:
            tiers.append((packs, cents, "tiers"))
    if price is not None:
        last_packs, last_price = 1, price
        for packs, cents, column in sorted(tiers):
            if cents > last_price:
                problems.append(
                    _problem(
                        n,
                        column,
                        f"the pack price from {packs} packs ({_euros(cents)}) is above the price "
                        f"from {last_packs} ({_euros(last_price)}): a volume discount cannot cost more",
                    )
                )
            last_packs, last_price = packs, cents
    if len(problems) > before:
        return None
    assert pack_size is not None and price is not None and vat_rate is not None
    return OfferRow(
        row=n,
        reference=reference,
        product=product,
        category=cell("category"),
        unit=cell("unit") or "unit",
        pack_size=pack_size,
        divisible=divisible,
        vat_rate=vat_rate,
        temperature=temperature,
        pack_weight_kg=weight,
        pack_volume_l=volume,
        packs_available=available,
        tiers=((1, price), *((p, c) for p, c, _ in sorted(tiers))),
    )


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# ---------------------------------------------------------------------------------------------
# Needs


def parse_needs(data: bytes, filename: str, *, locale: str | None = None) -> list[NeedRow]:
    """Members' needs: one :class:`NeedRow` per row, or :class:`TableError`.

    Required columns: ``member``, ``reference`` (one offer reference, or several interchangeable
    ones separated by ``|``), ``target``. Optional: ``minimum`` (default 0), ``maximum`` (empty:
    the target), ``note``. French headers are accepted (adhérent, référence, cible/besoin...).
    The header row and numbers are found and read as in :func:`parse_price_list`.
    """
    _check_locale(locale)
    header_row, names, rows, problems = _read(data, filename, _NEEDS_COLUMNS)
    columns, _ = _map_columns(names, header_row, _NEEDS_COLUMNS, _NEEDS_REQUIRED, problems)
    if not rows:
        problems.append(_problem(header_row, None, "no rows under the header"))
    missing = [c for c in _NEEDS_REQUIRED if c not in columns]
    needs: list[NeedRow] = []
    first_seen: dict[tuple[str, frozenset[str]], int] = {}
    for table_row in rows if not missing else ():
        need = _need_row(table_row, columns, problems, first_seen, locale)
        if need is not None:
            needs.append(need)
    if problems:
        raise TableError(_sorted(problems), filename)
    return needs


def _need_row(
    table_row: TableRow,
    columns: dict[str, str],
    problems: list[dict],
    first_seen: dict[tuple[str, frozenset[str]], int],
    locale: str | None = None,
) -> NeedRow | None:
    n = table_row.row
    before = len(problems)

    def cell(column: str) -> str:
        header = columns.get(column)
        return table_row.get(header, "") if header else ""

    def quantity(column: str, *, positive: bool = False) -> Decimal | None:
        text = cell(column)
        if not text:
            return None
        try:
            return _quantity(text, positive=positive, locale=locale)
        except _Bad as exc:
            problems.append(_problem(n, column, str(exc)))
            return None

    member = cell("member")
    if not member:
        problems.append(_problem(n, "member", "must not be empty"))
    references: tuple[str, ...] = ()
    text = cell("reference")
    if not text:
        problems.append(_problem(n, "reference", "must not be empty"))
    else:
        references = tuple(part.strip() for part in text.split("|"))
        if any(not r for r in references):
            problems.append(
                _problem(n, "reference", f"{text!r}: separate interchangeable references with |")
            )
        elif len(set(references)) != len(references):
            problems.append(_problem(n, "reference", f"{text!r} lists a reference twice"))
        elif member:
            key = (member, frozenset(references))
            if key in first_seen:
                problems.append(
                    _problem(
                        n,
                        "reference",
                        f"{member!r} already declares a need for {text!r} on row {first_seen[key]}",
                    )
                )
            else:
                first_seen[key] = n
    target = quantity("target", positive=True)
    if not cell("target"):
        problems.append(_problem(n, "target", "must not be empty"))
    minimum = quantity("minimum")
    maximum = quantity("maximum")
    if target is not None and minimum is not None and minimum > target:
        problems.append(_problem(n, "minimum", f"minimum {minimum} is above the target {target}"))
    if target is not None and maximum is not None and target > maximum:
        problems.append(_problem(n, "maximum", f"maximum {maximum} is below the target {target}"))
    if len(problems) > before:
        return None
    assert target is not None
    return NeedRow(
        row=n,
        member=member,
        references=references,
        minimum=minimum if minimum is not None else Decimal(0),
        target=target,
        maximum=maximum,
        note=cell("note"),
    )


def _sorted(problems: list[dict]) -> list[dict]:
    return sorted(problems, key=lambda p: p["row"] if p["row"] is not None else 0)


__all__ = [
    "DEFAULT_VAT_RATE",
    "VAT_RATES",
    "NUMBER_LOCALES",
    "NeedRow",
    "NumberText",
    "OfferRow",
    "TableRow",
    "cell_text",
    "normalise_header",
    "parse_needs",
    "parse_price_list",
    "read_table",
]

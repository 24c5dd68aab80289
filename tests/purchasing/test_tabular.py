import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from purchasing import (
    NeedRow,
    OfferRow,
    Problem,
    PurchasingError,
    Supplier,
    TableError,
    parse_needs,
    parse_price_list,
    read_table,
)
from purchasing.model import Member
from purchasing.tabular import cell_text, normalise_header

D = Decimal

PRICE_LIST = (
    "reference;product;category;unit;pack_size;price;vat_rate;temperature;packs_available;"
    "price_from_10;tiers;divisible\n"
) + """LAIT;Lait UHT 1 L;Laitage;bouteille;6;5,40;5.5;chilled;12;5,10;50:4.90;non
PATES;Pâtes 500 g;Épicerie;paquet;24;12.00;5,5;ambient;;;;
POMMES;Pommes bio;Fruits;kg;12.5;18.75;5.5;ambient;;;;oui
"""


def table(rows: list[list[str]], sep: str = ";") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


def xlsx(rows: list[list], *, formats: dict[tuple[int, int], str] | None = None) -> bytes:
    """An XLSX file built with openpyxl, as a spreadsheet program would save it."""
    wb = Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cell = ws.cell(row=r, column=c, value=value)
                if formats and (r, c) in formats:
                    cell.number_format = formats[(r, c)]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def errors_of(call, *args) -> list[dict]:
    with pytest.raises(TableError) as info:
        call(*args)
    assert isinstance(info.value, PurchasingError)
    return info.value.errors


def has(errors: list[dict], row, column, fragment: str = "") -> bool:
    return any(
        e["row"] == row and e["column"] == column and fragment in e["message"] for e in errors
    )


# ---------------------------------------------------------------------------------------------
# Reading CSV and XLSX


def test_read_table_normalises_headers_and_skips_empty_rows():
    data = " Référence ;Unité de vente;Prix HT (€)\nA;kg;1,50\n;;\n\nB;L;2\n".encode()
    rows = read_table(data, "list.csv")
    assert rows == [
        {"reference": "A", "unite_de_vente": "kg", "prix_ht": "1,50"},
        {"reference": "B", "unite_de_vente": "L", "prix_ht": "2"},
    ]
    assert [r.row for r in rows] == [2, 5]
    assert normalise_header("  Catégorie  Produit ") == "categorie_produit"


@pytest.mark.parametrize("sep", [";", ","])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_with_either_separator_bom_or_windows_encoding(sep, encoding):
    text = PRICE_LIST.replace(";", sep) if sep == "," else PRICE_LIST
    if sep == ",":  # decimal commas are quoted in a comma-separated file
        text = text.replace("5,40", '"5,40"').replace("5,10", '"5,10"').replace(",5,5,", ',"5,5",')
    offers = parse_price_list(text.encode(encoding), "tarif.csv")
    assert [o.reference for o in offers] == ["LAIT", "PATES", "POMMES"]
    lait, pates, pommes = offers
    assert lait == OfferRow(
        row=2,
        reference="LAIT",
        product="Lait UHT 1 L",
        category="Laitage",
        unit="bouteille",
        pack_size=D(6),
        divisible=False,
        vat_rate=D("5.5"),
        temperature="chilled",
        pack_weight_kg=D(0),
        pack_volume_l=D(0),
        packs_available=12,
        tiers=((1, 540), (10, 510), (50, 490)),
    )
    assert pates.product == "Pâtes 500 g" and pates.category == "Épicerie"
    assert pates.packs_available is None and pates.tiers == ((1, 1200),)
    assert pates.vat_rate == D("5.5")
    assert pommes.row == 4


def test_fractional_pack_size_needs_a_divisible_product():
    data = PRICE_LIST.replace(";oui\n", ";non\n").encode()
    errors = errors_of(parse_price_list, data, "tarif.csv")
    # POMMES has 12.5 kg packs but is not marked divisible
    assert errors == [
        {
            "row": 4,
            "column": "pack_size",
            "message": "12.5 is fractional: mark the product divisible (sold by weight) or give "
            "whole units",
        }
    ]


def test_french_headers_and_values():
    data = (
        "Référence;Produit;Catégorie;Unité;Colisage;Prix;TVA;Température;Stock;Vrac;"
        "Poids colis (kg);Volume colis (L);Paliers\n"
        "SURG-1;Poisson pané;Surgelés;boîte;10;23,50;5,5 %;surgelé;4;non;4,2;12;"
        '"20:22,00;40:21,00"\n'
        "VRAC;Lentilles;Épicerie;kg;5;9;20;Ambiant;0;oui;5;6,5;\n"
    ).encode("cp1252")
    surg, vrac = parse_price_list(data, "Tarifs fournisseur.CSV")
    assert surg.temperature == "frozen" and surg.tiers == ((1, 2350), (20, 2200), (40, 2100))
    assert surg.pack_weight_kg == D("4.2") and surg.pack_volume_l == D(12)
    assert surg.category == "Surgelés" and surg.unit == "boîte" and surg.packs_available == 4
    assert vrac.divisible is True and vrac.vat_rate == D(20) and vrac.packs_available == 0
    assert vrac.temperature == "ambient"


def test_defaults_of_optional_columns():
    (offer,) = parse_price_list(b"reference,product,pack_size,price\nR1,Riz,10,8\n", "t.csv")
    assert offer == OfferRow(
        row=2,
        reference="R1",
        product="Riz",
        category="",
        unit="unit",
        pack_size=D(10),
        divisible=False,
        vat_rate=D("5.5"),
        temperature="ambient",
        pack_weight_kg=D(0),
        pack_volume_l=D(0),
        packs_available=None,
        tiers=((1, 800),),
    )


def test_xlsx_numbers_dates_percentages_and_french_headers():
    data = xlsx(
        [
            ["Référence", "Produit", "Colisage", "Prix", "TVA", "Prix dès 10", "Stock", "Vrac"],
            ["A-1", "Huile 1 L", 12, 12.5, 0.055, 11.9, 3.0, False],
            [None, None, None, None, None, None, None, None],
            ["A-2", "Farine", 2.5, 0.1 + 0.2, 20, None, None, True],
        ],
        formats={(2, 5): "0.0%"},
    )
    a1, a2 = parse_price_list(data, "tarif.xlsx")
    assert a1.row == 2 and a2.row == 4
    assert a1.pack_size == D(12) and a1.tiers == ((1, 1250), (10, 1190))
    assert a1.vat_rate == D("5.5") and a1.packs_available == 3 and a1.divisible is False
    assert a2.pack_size == D("2.5") and a2.divisible is True and a2.tiers == ((1, 30),)


def test_xlsx_is_recognised_by_its_content_and_cells_read_as_typed():
    data = xlsx(
        [
            ["Name", "Amount", "Count", "Day", "Flag", "Rate"],
            ["x", 12.5, 3.0, datetime(2026, 11, 18), True, 0.2],
            ["y", 1e-05, 12345678901234, date(2026, 1, 2), None, 0.055],
        ],
        formats={(2, 6): "0%", (3, 6): "0.0%"},
    )
    rows = read_table(data, "upload")  # no extension: the zip magic says XLSX
    assert rows == [
        {"name": "x", "amount": "12.5", "count": "3", "day": "2026-11-18", "flag": "true", "rate": "20%"},
        {"name": "y", "amount": "0.00001", "count": "12345678901234", "day": "2026-01-02", "flag": "", "rate": "5.5%"},
    ]
    assert [r.row for r in rows] == [2, 3]
    assert cell_text(datetime(2026, 1, 2, 8, 30)) == "2026-01-02T08:30:00"


def test_xlsx_rows_after_blank_lines_keep_their_sheet_number():
    data = xlsx([["member", "reference", "target"], [None], [None], ["Épicerie", "LAIT|LAIT-B", 12]])
    (need,) = parse_needs(data, "besoins.xlsx")
    assert need.row == 4 and need.references == ("LAIT", "LAIT-B")


# ---------------------------------------------------------------------------------------------
# Needs


def test_needs_with_french_headers():
    data = (
        "Adhérent;Référence;Minimum;Cible;Maximum;Commentaire\n"
        "Épicerie des Milles;LAIT | LAIT-BIO;6;12;18;livraison mardi\n"
        "Resto du cœur;PATES;;24;;\n"
        "Épicerie des Milles;POMMES;0;2,5;;\n"
    ).encode("cp1252")
    needs = parse_needs(data, "besoins.csv")
    assert needs[0] == NeedRow(
        row=2,
        member="Épicerie des Milles",
        references=("LAIT", "LAIT-BIO"),
        minimum=D(6),
        target=D(12),
        maximum=D(18),
        note="livraison mardi",
    )
    assert needs[1].minimum == D(0) and needs[1].maximum is None and needs[1].note == ""
    assert needs[2].target == D("2.5")


def test_rows_become_the_solvers_offers_and_needs():
    offers = parse_price_list(
        b"reference,product,pack_size,price,vat_rate,price_from_4\nLAIT,Lait,6,5.40,5.5,5.00\n",
        "t.csv",
    )
    needs = parse_needs(b"member,reference,target\nm1,LAIT,12\nm2,LAIT,6\n", "n.csv")
    offer = offers[0].to_offer("grossiste")
    assert offer.vat_rate == D("0.055") and offer.tier_for(4).pack_price_cents == 500
    problem = Problem(
        suppliers=(Supplier("grossiste"),),
        offers=(offer,),
        members=(Member("m1"), Member("m2")),
        needs=tuple(n.to_need() for n in needs),
    )
    assert [n.id for n in problem.needs] == ["row2", "row3"]


# ---------------------------------------------------------------------------------------------
# Errors: every one reported, with its row and column


def test_missing_unknown_and_repeated_columns_are_reported_on_the_header_row():
    errors = errors_of(
        parse_price_list, b"Ref;Produit;Prix;Colour;prix_ht;price_from_1\nA;B;1;x;2;3\n", "t.csv"
    )
    assert has(errors, 1, "pack_size", "required column is missing")
    assert has(errors, 1, "colour", "unknown column")
    assert has(errors, 1, "price", "same column")
    assert has(errors, 1, "price_from_1", "2 packs or more")
    assert sum(e["column"] == "pack_size" for e in errors) == 1
    assert all(e["row"] == 1 for e in errors)


def test_every_price_list_error_kind_with_row_and_column():
    data = table(
        [
            "reference product pack_size price vat_rate temperature divisible packs_available "
            "price_from_10 price_from_20 tiers".split(),
            ["A", "Lait", "6", "5.40", "5.5", "chilled", "non", "-2", "", "", ""],
            ["B", "Riz", "-1", "1.234", "7", "tiède", "peut-être", "1.5", "", "", ""],
            ["A", "Huile", "12", "10", "20", "", "", "", "9.50", "9.80", ""],
            ["C", "", "6", "abc", "", "", "", "", "", "", "50:4;10:5"],
            ["D", "Sel", "6", "5", "", "", "", "", "", "", "10:4,123"],
            ["E", "Sucre", "6", "", "", "", "", "", "", "", "10"],
            ["F", "Thé", "6", "5", "", "", "", "", "4.50", "", "10:4"],
            ["G|H", "Thé", "6", "5", "", "", "", "", "", "", ""],
        ]
    )
    # row 2: negative stock; 3: negative size, 3 decimals, bad rate, temperature, yes/no, stock;
    # 4: duplicate reference, dearer tier; 5: empty product, bad price, decreasing tiers;
    # 6: tier with 3 decimals; 7: empty price, tier without price; 8: a tier given twice;
    # 9: a reference with the needs' separator
    errors = errors_of(parse_price_list, data, "t.csv")
    expected = [
        (2, "packs_available", "must not be negative"),
        (3, "pack_size", "must not be negative"),
        (3, "price", "at most two decimals"),
        (3, "vat_rate", "not a French VAT rate"),
        (3, "temperature", "ambient, chilled or frozen"),
        (3, "divisible", "oui/non"),
        (3, "packs_available", "whole number"),
        (4, "reference", "already on row 2"),
        (4, "price_from_20", "cannot cost more"),
        (5, "product", "must not be empty"),
        (5, "price", "not a number"),
        (5, "tiers", "must increase"),
        (6, "tiers", "at most two decimals"),
        (7, "price", "must not be empty"),
        (7, "tiers", "packs:price"),
        (8, "tiers", "also a column"),
        (9, "reference", "| separates alternatives"),
    ]
    for row, column, fragment in expected:
        assert has(errors, row, column, fragment), (row, column, fragment, errors)
    assert [e["row"] for e in errors] == sorted(e["row"] for e in errors)


def test_every_needs_error_kind_with_row_and_column():
    data = (
        b"member,reference,minimum,target,maximum,note\n"
        b"m1,LAIT,8,6,,\n"  # 2: minimum above target
        b"m1,PATES,,10,5,\n"  # 3: target above maximum
        b",,,,,\n"  # empty row: skipped
        b",RIZ,-1,1.2345,,\n"  # 5: no member, negative minimum, 4 decimals
        b"m2,A||B,,0,,\n"  # 6: empty reference piece, zero target
        b"m2,A|A,,,,\n"  # 7: repeated reference, empty target
        b"m1,LAIT,,4,,\n"  # 8: m1 already has a need for LAIT
        b"m3,,,1,,\n"  # 9: no reference
    )
    errors = errors_of(parse_needs, data, "besoins.csv")
    expected = [
        (2, "minimum", "above the target"),
        (3, "maximum", "below the target"),
        (5, "member", "must not be empty"),
        (5, "minimum", "must not be negative"),
        (5, "target", "more than 3 decimals"),
        (6, "reference", "separate interchangeable"),
        (6, "target", "must be positive"),
        (7, "reference", "twice"),
        (7, "target", "must not be empty"),
        (8, "reference", "on row 2"),
        (9, "reference", "must not be empty"),
    ]
    for row, column, fragment in expected:
        assert has(errors, row, column, fragment), (row, column, fragment, errors)
    assert len(errors) == len(expected)


def test_needs_missing_required_columns():
    errors = errors_of(parse_needs, b"adherent;quantite;notes;colour\nm1;3;;\n", "n.csv")
    assert errors == [
        {"row": 1, "column": "colour", "message": errors[0]["message"]},
        {"row": 1, "column": "reference", "message": errors[1]["message"]},
    ]
    assert "unknown column" in errors[0]["message"]
    assert "required column is missing" in errors[1]["message"]


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"", "t.csv", "empty"),
        (b"\n ;;\n\n", "t.csv", "empty"),
        (b"%PDF-1.7 ...", "t.pdf", "not a CSV or XLSX"),
        (b"some text", "t.docx", "not a CSV or XLSX"),
        (b"PK\x03\x04 broken zip", "t.xlsx", "not a CSV or XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "t.xls", ".xls"),
        (b"a,b\x00,c", "t.csv", "binary"),
        (b"ref\x81\x8d", "t.csv", "UTF-8 or Windows-1252"),
    ],
)
def test_files_that_are_not_tables(data, filename, fragment):
    errors = errors_of(read_table, data, filename)
    assert len(errors) == 1 and errors[0]["row"] is None and fragment in errors[0]["message"]


def test_header_without_rows_and_values_without_header():
    assert has(errors_of(parse_needs, b"member,reference,target\n", "n.csv"), 1, None, "no rows")
    errors = errors_of(read_table, b"a,,c\n1,2,3\n", "t.csv")
    assert errors == [{"row": 1, "column": "B", "message": "column B has values but no header"}]
    assert read_table(b"a,,c\n1,,3\n", "t.csv") == [{"a": "1", "c": "3"}]


def test_the_error_message_summarises_the_problems():
    with pytest.raises(TableError) as info:
        parse_needs(b"member,reference,target\nm1,A,-1\n", "besoins.csv")
    assert str(info.value) == "1 problem in besoins.csv: row 2, target: must not be negative, got -1"


# ---------------------------------------------------------------------------------------------
# Round trip: whatever valid rows are written to a CSV are read back


# Printable ASCII and accented letters whose cp1252 bytes (0xC0-0xFF) can never read as UTF-8
# continuation bytes: a cp1252 file is then never mistaken for UTF-8.
ALPHABET = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"|') + "éèàçôÉÂ"
text = st.text(alphabet=ALPHABET, min_size=1, max_size=12).filter(lambda s: s == s.strip())
cents = st.integers(min_value=0, max_value=10**7)


@st.composite
def offer_rows(draw):
    refs = draw(st.lists(text, min_size=1, max_size=6, unique=True))
    offers = []
    for k, ref in enumerate(refs, start=2):
        divisible = draw(st.booleans())
        size = D(draw(st.integers(1, 10**6))).scaleb(-3 if divisible else 0)
        price = draw(cents)
        tiers = [(1, price)]
        for packs in sorted(draw(st.sets(st.integers(2, 500), max_size=3))):
            price = draw(st.integers(0, price))
            tiers.append((packs, price))
        offers.append(
            OfferRow(
                row=k,
                reference=ref,
                product=draw(text),
                category=draw(st.one_of(st.just(""), text)),
                unit=draw(text),
                pack_size=size,
                divisible=divisible,
                vat_rate=draw(st.sampled_from([D(0), D("2.1"), D("5.5"), D(10), D(20)])),
                temperature=draw(st.sampled_from(["ambient", "chilled", "frozen"])),
                pack_weight_kg=D(draw(st.integers(0, 10**5))).scaleb(-3),
                pack_volume_l=D(draw(st.integers(0, 10**5))).scaleb(-2),
                packs_available=draw(st.one_of(st.none(), st.integers(0, 10**5))),
                tiers=tuple(tiers),
            )
        )
    return offers


def euros(c: int, comma: bool) -> str:
    s = f"{c // 100}.{c % 100:02d}"
    return s.replace(".", ",") if comma else s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offers=offer_rows(),
    sep=st.sampled_from([";", ","]),
    comma=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    as_tier_column=st.booleans(),
)
def test_price_list_round_trip(offers, sep, comma, encoding, as_tier_column):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(
        ["Référence", "Produit", "Catégorie", "Unité", "Colisage", "Prix", "TVA", "Température",
         "Vrac", "Poids colis (kg)", "Volume colis (L)", "Stock", "Paliers"]
    )
    for o in offers:
        num = (lambda d: str(d).replace(".", ",")) if comma else str
        writer.writerow(
            [
                o.reference,
                o.product,
                o.category,
                o.unit,
                num(o.pack_size),
                euros(o.tiers[0][1], comma),
                num(o.vat_rate),
                {"ambient": "ambiant", "chilled": "frais", "frozen": "surgelé"}[o.temperature],
                "oui" if o.divisible else "non",
                num(o.pack_weight_kg),
                num(o.pack_volume_l),
                "" if o.packs_available is None else str(o.packs_available),
                ";".join(f"{n}:{euros(c, comma)}" for n, c in o.tiers[1:]),
            ]
        )
    data = buf.getvalue().encode(encoding)
    # quantities in grams (1.250 kg) are ambiguous without the file's locale
    assert parse_price_list(data, "tarif.csv", locale="fr" if comma else "en") == offers


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            text,
            st.lists(text, min_size=1, max_size=3, unique=True),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.one_of(st.none(), st.integers(0, 10**6)),
            st.one_of(st.just(""), text),
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda r: (r[0], frozenset(r[1])),
    ),
    sep=st.sampled_from([";", ","]),
)
def test_needs_round_trip(rows, sep):
    expected = []
    for k, (member, refs, a, b, extra, note) in enumerate(rows, start=2):
        minimum, target = sorted((D(a).scaleb(-3), D(b + 1).scaleb(-3)))
        maximum = None if extra is None else target + D(extra).scaleb(-3)
        expected.append(NeedRow(k, member, tuple(refs), minimum, target, maximum, note))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    writer.writerow(["member", "reference", "minimum", "target", "maximum", "note"])
    for n in expected:
        writer.writerow(
            [n.member, "|".join(n.references), n.minimum, n.target, n.maximum or "", n.note]
        )
    got = parse_needs(buf.getvalue().encode(), "needs.csv", locale="en")
    assert [(g.row, g.member, g.references, g.note) for g in got] == [
        (e.row, e.member, e.references, e.note) for e in expected
    ]
    for g, e in zip(got, expected, strict=True):
        assert (g.minimum, g.target, g.maximum) == (e.minimum, e.target, e.maximum)


@pytest.mark.parametrize("price", ["١٢,٥٠", "1_000", "1e3", "١"])
def test_numbers_in_files_are_ascii_digits_with_one_decimal_separator(price):
    data = f"reference;product;pack_size;price\nR1;Riz;10;{price}\n".encode()
    with pytest.raises(TableError) as caught:
        parse_price_list(data, "t.csv")
    assert [(e["row"], e["column"]) for e in caught.value.errors] == [(2, "price")]


# ---------------------------------------------------------------------------------------------
# Title blocks above the header, ambiguous numbers and the file's locale


def _titled_price_list(rows: list[list]) -> bytes:
    """A supplier's XLSX as it comes: a title merged across the columns, a date line, a blank
    line, then the header and the products."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Grossiste Provence Alimentaire — tarif colis 2027"
    ws.merge_cells("A1:E1")
    ws["A2"] = "Prix HT, valables au 1er janvier 2027"
    ws.merge_cells("A2:E2")
    for r, row in enumerate(rows, start=4):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_price_list_with_a_merged_title_block_finds_its_header_row():
    data = _titled_price_list([["Référence", "Désignation", "Colisage", "Prix HT", "TVA"],
                               ["RIZ5", "Riz long 5 kg", 4, 12.5, 5.5],
                               ["HUI1", "Huile de tournesol 1 L", 12, 1.85, 5.5]])
    offers = parse_price_list(data, "tarif.xlsx")
    assert [(o.row, o.reference, o.pack_size, o.tiers[0][1]) for o in offers] == [
        (5, "RIZ5", D(4), 1250), (6, "HUI1", D(12), 185)]


def test_csv_price_list_with_a_title_block_finds_its_header_row():
    data = table([["Tarif Provence Alimentaire"], ["Édité le 02/12/2026"], [],
                  ["reference", "product", "pack_size", "price"], ["RIZ5", "Riz", "4", "12,50"]])
    [offer] = parse_price_list(data, "tarif.csv")
    assert (offer.row, offer.reference, offer.tiers[0][1]) == (5, "RIZ5", 1250)


@pytest.mark.parametrize(("column", "text"), [("price", "1.250"), ("pack_size", "1.000"), ("price", "2,500")])
def test_ambiguous_numbers_are_refused_with_their_row_and_column(column, text):
    cells = {"reference": "LAIT", "product": "Lait UHT", "pack_size": "6", "price": "7,20"} | {column: text}
    data = table([list(cells), list(cells.values())])
    errors = errors_of(parse_price_list, data, "tarif.csv")
    assert has(errors, 2, column, "ambiguous") and has(errors, 2, column, "locale=fr")


def test_the_stated_locale_reads_thousands_and_decimals():
    data = table([["reference", "product", "pack_size", "price", "tiers"],
                  ["VERRE", "Gobelets", "1.000", "1.250,00", "10:1.190,50"]])
    [fr] = parse_price_list(data, "tarif.csv", locale="fr")
    assert (fr.pack_size, fr.tiers) == (D(1000), ((1, 125000), (10, 119050)))
    data = table([["reference", "product", "pack_size", "price"], ["VERRE", "Gobelets", "1,000", "1.25"]])
    [en] = parse_price_list(data, "tarif.csv", locale="en")
    assert (en.pack_size, en.tiers) == (D(1000), ((1, 125),))
    # a price list stated English but written with a decimal comma is refused, not misread
    data = table([["reference", "product", "pack_size", "price"], ["VERRE", "Gobelets", "6", "1,25"]])
    assert has(errors_of(lambda: parse_price_list(data, "tarif.csv", locale="en")), 2, "price", "locale")


def test_numbers_an_xlsx_holds_as_numbers_are_never_ambiguous():
    data = _titled_price_list([["reference", "product", "pack_size", "price", "divisible"],
                               ["FROM", "Emmental râpé", 1.25, 1.25, "oui"]])
    [offer] = parse_price_list(data, "tarif.xlsx")
    assert (offer.pack_size, offer.tiers[0][1]) == (D("1.25"), 125)
    data = _titled_price_list([["reference", "product", "pack_size", "price"], ["LAIT", "Lait", "1.000", 7.2]])
    assert has(errors_of(parse_price_list, data, "tarif.xlsx"), 5, "pack_size", "ambiguous")

"""Tables written for spreadsheets: no cell runs as a formula, amounts stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from logipool.exports import PLAIN, csv_line, safe_cell
from logipool.models import Role
from logipool.services.orders import purchase_order_csv

from .test_errors import assert_problem


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_written_as_text(text):
    assert safe_cell(text) == "'" + text
    (cell,) = next(csv.reader(io.StringIO(csv_line([text]))))
    assert cell == "'" + text


def test_numbers_and_plain_text_are_written_unchanged():
    assert csv_line([Decimal("-12.34"), -3, "Épicerie = solidaire", None, "2026-11-30"], PLAIN) == (
        "-12.34,-3,Épicerie = solidaire,,2026-11-30\r\n")
    assert csv_line([Decimal("-12.34"), -3, "Épicerie = solidaire", None, "2026-11-30"]) == (
        "-12,34;-3;Épicerie = solidaire;;2026-11-30\r\n")


def test_purchase_order_csv_neutralises_references_and_products_but_not_prices():
    line = SimpleNamespace(reference="+1+cmd|' /C calc'!A0", description="@SUM(A1:A9)", packs=3,
                           pack_size=Decimal("6"), unit="=1+1", pack_price_cents=-540, vat_rate=Decimal("5.5"),
                           amount_cents=-1620)
    po = SimpleNamespace(number="BC-1", lines=[line])
    rows = list(csv.DictReader(io.StringIO(purchase_order_csv(po, PLAIN))))
    assert rows == [{"number": "BC-1", "reference": "'+1+cmd|' /C calc'!A0", "product": "'@SUM(A1:A9)",
                     "packs": "3", "pack_size": "6", "unit": "'=1+1", "pack_price_ht": "-5.40",
                     "vat_rate": "5.5", "amount_ht": "-16.20"}]


def _issued_invoice(client, world, session) -> tuple[dict, str]:
    from .test_invoicing import charge, make_billable, run_and_issue

    a = world.a
    make_billable(session, a)
    charge(session, a, 123456)
    session.commit()
    headers = a.headers(Role.MANAGER)
    invoice = next(i for i in run_and_issue(client, headers)["invoices"] if i["member_id"] == a.member.id)
    url = f"/api/v1/invoices/export.csv?start=2026-01-01&end={date.today().year}-12-31"
    return invoice, url


def test_accounting_export_opens_in_french_excel_by_default(client, world, session):
    """The default download: UTF-8 with a BOM (accents survive Excel), `;`, decimal comma, French
    headers; the amounts read back as numbers."""
    invoice, url = _issued_invoice(client, world, session)
    r = client.get(url, headers=world.a.headers(Role.MANAGER))
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Numéro", "Type", "Client", "SIREN", "Montant HT", "Taux de TVA", "TVA",
                       "Montant TTC", "Payé", "Reste dû"]
    row = next(row for row in rows[1:] if row[1] == invoice["number"])
    assert row[5] == "1234,56" and Decimal(row[8].replace(",", ".")) == Decimal("1234.56")
    assert row[3] == world.a.member.legal_name  # accents and all, read back as written


def test_accounting_export_in_the_plain_dialect_for_machines(client, world, session):
    invoice, url = _issued_invoice(client, world, session)
    r = client.get(url + "&dialect=plain", headers=world.a.headers(Role.MANAGER))
    assert r.status_code == 200 and not r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8"))))
    row = next(row for row in rows if row["number"] == invoice["number"])
    assert (row["ht"], row["ttc"]) == ("1234.56", "1234.56")
    bad = client.get(url + "&dialect=excel-de", headers=world.a.headers(Role.MANAGER))
    assert "dialect" in assert_problem(bad, 422)["errors"]


def test_purchase_order_csv_in_both_dialects():
    line = SimpleNamespace(reference="RIZ1", description="Riz étuvé", packs=12, pack_size=Decimal("5"),
                           unit="kg", pack_price_cents=1250, vat_rate=Decimal("5.5"), amount_cents=15000)
    po = SimpleNamespace(number="BC-2026-1", lines=[line])
    french = purchase_order_csv(po)
    assert french.startswith("\ufeffBon de commande;Référence;Produit;Colis;")
    [row] = list(csv.DictReader(io.StringIO(french.removeprefix("\ufeff")), delimiter=";"))
    assert (row["Produit"], row["Prix du colis HT"], row["Taux de TVA"], row["Montant HT"]) == (
        "Riz étuvé", "12,50", "5,5", "150,00")
    [row] = list(csv.DictReader(io.StringIO(purchase_order_csv(po, PLAIN))))
    assert (row["pack_price_ht"], row["vat_rate"], row["amount_ht"]) == ("12.50", "5.5", "150.00")

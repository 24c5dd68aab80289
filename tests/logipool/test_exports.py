"""Tables written for spreadsheets: no cell runs as a formula, amounts stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest

from logipool.exports import csv_line, safe_cell
from logipool.services.orders import purchase_order_csv


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_written_as_text(text):
    assert safe_cell(text) == "'" + text
    (cell,) = next(csv.reader(io.StringIO(csv_line([text]))))
    assert cell == "'" + text


def test_numbers_and_plain_text_are_written_unchanged():
    assert csv_line([Decimal("-12.34"), -3, "Épicerie = solidaire", None, "2026-11-30"]) == (
        "-12.34;-3;Épicerie = solidaire;;2026-11-30\r\n")


def test_purchase_order_csv_neutralises_references_and_products_but_not_prices():
    line = SimpleNamespace(reference="+1+cmd|' /C calc'!A0", description="@SUM(A1:A9)", packs=3,
                           pack_size=Decimal("6"), unit="=1+1", pack_price_cents=-540, vat_rate=Decimal("5.5"),
                           amount_cents=-1620)
    rows = list(csv.DictReader(io.StringIO(purchase_order_csv(SimpleNamespace(number="BC-1", lines=[line]))),
                               delimiter=";"))
    assert rows == [{"number": "BC-1", "reference": "'+1+cmd|' /C calc'!A0", "product": "'@SUM(A1:A9)",
                     "packs": "3", "pack_size": "6", "unit": "'=1+1", "pack_price_ht": "-5.40",
                     "vat_rate": "5.5", "amount_ht": "-16.20"}]

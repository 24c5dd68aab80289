import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoices import (
    DeliveryItem,
    DocumentError,
    EntryKind,
    Statement,
    StatementEntry,
    TemperatureClass,
)

from .conftest import coordination, make_delivery_note, make_statement, member

D = Decimal


def test_a_quantity_difference_needs_a_reason():
    with pytest.raises(DocumentError, match="difference_reason: 18 delivered for 20 ordered"):
        DeliveryItem(
            description="Colin",
            lot="FZ-1",
            temperature_class=TemperatureClass.FROZEN,
            ordered_quantity=D("20"),
            delivered_quantity=D("18"),
            unit="KGM",
        )


def test_food_past_its_use_by_date_cannot_be_delivered():
    past = DeliveryItem(
        description="Yaourts",
        lot="L1",
        unit="C62",
        temperature_class=TemperatureClass.CHILLED,
        ordered_quantity=D("1"),
        delivered_quantity=D("1"),
        use_by=date(2026, 11, 17),
    )
    with pytest.raises(DocumentError, match=r"items\[0\].use_by"):
        make_delivery_note(items=(past,))


def test_an_item_has_a_dlc_or_a_ddm_not_both():
    with pytest.raises(DocumentError, match="use_by, best_before"):
        DeliveryItem(
            description="Pâtes",
            lot="P1",
            temperature_class=TemperatureClass.AMBIENT,
            ordered_quantity=D("1"),
            delivered_quantity=D("1"),
            unit="C62",
            use_by=date(2027, 1, 1),
            best_before=date(2027, 1, 1),
        )


def test_delivery_note_as_json():
    data = json.loads(json.dumps(make_delivery_note().to_dict()))
    colin = data["items"][1]
    assert colin["ordered_quantity"] == "20" and colin["delivered_quantity"] == "18"
    assert colin["temperature_class"] == "frozen" and colin["measured_temperature"] is None
    assert data["recipient"]["siren"] == "421122334"


def test_statement_summary_allocates_credits_and_payments():
    summary = make_statement().summary()
    assert summary.invoiced_cents == 31250 + 52840 + 39581
    assert summary.credited_cents == 8500
    assert summary.paid_cents == 31250 + 20000
    assert summary.balance_cents == 63921
    # the unassigned 200 € payment settles the oldest open invoice (October) first
    remaining = {o.reference: (o.remaining_cents, o.overdue) for o in summary.open_items}
    assert remaining == {"2026-000098": (32840, True), "2026-000123": (31081, False)}
    assert summary.overdue_cents == 32840


def test_a_same_day_credit_note_settles_its_invoice_whatever_the_input_order():
    day = date(2026, 11, 30)
    entries = (
        StatementEntry(
            EntryKind.PAYMENT, day, "VIR-1", "Virement", 400, invoice_reference="2026-000123"
        ),
        StatementEntry(
            EntryKind.CREDIT_NOTE, day, "2026-000131", "Avoir", 600, invoice_reference="2026-000123"
        ),
        StatementEntry(
            EntryKind.INVOICE, day, "2026-000123", "Novembre", 1000, due_date=date(2026, 12, 30)
        ),
    )
    statement = Statement(issuer=coordination(), member=member(), as_of=day, entries=entries)
    assert [e.kind for e in statement.entries] == [
        EntryKind.INVOICE,
        EntryKind.CREDIT_NOTE,
        EntryKind.PAYMENT,
    ]
    assert statement.summary().balance_cents == 0
    assert statement.summary().open_items == ()


def test_a_credit_larger_than_what_remains_is_refused():
    entries = (
        StatementEntry(
            EntryKind.INVOICE,
            date(2026, 11, 30),
            "2026-000123",
            "Novembre",
            1000,
            due_date=date(2026, 12, 30),
        ),
        StatementEntry(
            EntryKind.CREDIT_NOTE,
            date(2026, 12, 1),
            "2026-000131",
            "Avoir",
            1001,
            invoice_reference="2026-000123",
        ),
    )
    with pytest.raises(DocumentError, match="exceed what remains of 2026-000123"):
        Statement(issuer=coordination(), member=member(), as_of=date(2026, 12, 10), entries=entries)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 10**6)), min_size=1, max_size=8))
def test_balance_is_what_remains_open_minus_advance_payments(movements):
    entries = []
    for i, (invoiced, paid) in enumerate(movements):
        day = date(2026, 1, 1 + i)
        entries.append(
            StatementEntry(
                EntryKind.INVOICE,
                day,
                f"2026-{i:06d}",
                "Charges",
                invoiced,
                due_date=date(2026, 2, 1),
            )
        )
        if paid:
            entries.append(StatementEntry(EntryKind.PAYMENT, day, f"VIR-{i}", "Virement", paid))
    summary = Statement(
        issuer=coordination(), member=member(), as_of=date(2026, 3, 1), entries=tuple(entries)
    ).summary()
    open_total = sum(o.remaining_cents for o in summary.open_items)
    assert summary.balance_cents == open_total - summary.unallocated_cents
    assert open_total == 0 or summary.unallocated_cents == 0


def test_an_invoice_entry_carries_its_period_for_readers_to_word_and_refuses_one_that_ends_first():
    """The period lets a page write it in its own language and format, rather than a fixed label."""
    entry = StatementEntry(EntryKind.INVOICE, date(2026, 12, 1), "2026-000140", "Novembre", 1000,
                           due_date=date(2026, 12, 31), period=(date(2026, 11, 1), date(2026, 11, 30)))
    assert entry.period == (date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(DocumentError, match="period"):
        StatementEntry(EntryKind.INVOICE, date(2026, 12, 1), "2026-000140", "Novembre", 1000,
                       due_date=date(2026, 12, 31), period=(date(2026, 11, 30), date(2026, 11, 1)))

"""Matching statement credits to open invoices (pure): references first, then amount and a known
payer; never more paid on an invoice than remains, and every euro of a matched credit accounted for."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from invoices import Credit, OpenInvoice, invoice_reference, match_credits
from invoices.matching import references_in

DAY = date(2026, 12, 1)
M1, M2 = ("member", 1), ("member", 2)
NAMES = {M1: ["Association L'Escale", "escale"], M2: ["Association solidaire n° 5", "asso-5"]}


def inv(i: int, cents: int, customer=M1) -> OpenInvoice:
    number = f"2026-{i:06d}"
    return OpenInvoice(i, number, customer, cents, DAY, invoice_reference(1, number))


def test_creditor_reference_is_iso11649_and_found_however_written():
    ref = invoice_reference(1, "2026-000123")
    assert iso11649.is_valid(ref) and ref.endswith("0012026000123")
    spaced = iso11649.format(ref)
    assert references_in(f"VIR {spaced} merci") == [ref]
    assert references_in(f"{ref[:-1]}9") == []  # a wrong check digit is no reference
    assert references_in("factures 2026-000001 et 2026/000002") == ["2026-000001", "2026-000002"]


def test_reference_pays_in_order_and_surplus_is_a_credit():
    result = match_credits([Credit("a", DAY, 15000, remittance="2026-000001 2026-000002")],
                           [inv(1, 10000), inv(2, 3000), inv(3, 1000)], customer_names=NAMES)
    (m,) = result.matches
    assert (m.rule, [(a.invoice_id, a.amount_cents) for a in m.allocations], m.surplus_cents) == \
        ("reference", [(1, 10000), (2, 3000)], 2000)


def test_amount_alone_or_an_ambiguous_name_is_not_enough():
    invoices = [inv(1, 5000, M1), inv(2, 5000, M2)]
    result = match_credits([Credit("a", DAY, 5000, "Quelqu'un"), Credit("b", DAY, 5000, "ASSOCIATION"),
                            Credit("c", DAY, 5000, "ASSOCIATION SOLIDAIRE N 15"),
                            Credit("d", DAY, 5000, "ASS SOLIDAIRE N 5")], invoices, customer_names=NAMES)
    assert result.unmatched == ["a", "b", "c"]
    assert [(m.key, m.rule, m.allocations[0].invoice_id) for m in result.matches] == [("d", "amount_payer", 2)]


def test_known_iban_identifies_the_payer():
    result = match_credits([Credit("a", DAY, 5000, counterparty_iban="FR76 3000 4000 0312 3456 7890 143")],
                           [inv(1, 5000)], known_ibans={"FR7630004000031234567890143": M1})
    assert result.matches[0].customer == M1


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 30000), st.booleans()), max_size=30),
       st.lists(st.integers(1, 20000), min_size=1, max_size=5))
def test_never_more_than_remains_and_every_cent_accounted_for(credits, amounts):
    invoices = [inv(i + 1, cents) for i, cents in enumerate(amounts)]
    lines = [Credit(f"k{n}", DAY, cents, "Association L'Escale", remittance=f"2026-{i:06d}" if cited else "")
             for n, (i, cents, cited) in enumerate(credits)]
    result = match_credits(lines, invoices, customer_names=NAMES)
    amount = {c.key: c.amount_cents for c in lines}
    paid: dict[int, int] = {}
    for m in result.matches:
        assert sum(a.amount_cents for a in m.allocations) + m.surplus_cents == amount[m.key]
        for a in m.allocations:
            assert a.amount_cents > 0
            paid[a.invoice_id] = paid.get(a.invoice_id, 0) + a.amount_cents
    assert all(paid[i.id] <= i.remaining_cents for i in invoices if i.id in paid)
    assert len(result.matches) + len(result.unmatched) == len(lines)

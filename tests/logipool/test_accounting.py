"""The FEC export over a full month: a billing run with VAT and funders' parts, a credit note, the
direct-debit file of a mandated member, a bank statement paying half the invoices by reference
(the direct debit among them), one by amount and payer, one beyond what it owes, reminder letters
for the rest — then the year's FEC, read back column by column: every entry balanced, numbered without
gap per journal, dated in the year, and its totals equal to what was invoiced and paid to the cent."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from lxml import etree
from sqlalchemy import func, select

import invoices as lib
from logipool.models import AccountCredit, Invoice, InvoiceKind, Nature, Payment, Role
from logipool.services import payments
from logipool.services.accounting import FEC_COLUMNS

from ..factories import make_member
from .camt import Entry, assert_valid, statement
from .test_errors import assert_problem
from .test_invoicing import charge, fresh, make_billable, run_and_issue, subsidy

IBAN = "FR7630006000011234567890189"
TODAY = date.today()


def read_fec(body: bytes) -> list[dict]:
    text = body.decode("iso8859_15")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert tuple(rows[0]) == FEC_COLUMNS
    assert all(len(r) == 18 for r in rows[1:])
    return [dict(zip(FEC_COLUMNS, r, strict=True)) for r in rows[1:]]


def cents(amount: str) -> int:
    assert "." not in amount and amount.count(",") == 1, amount  # a decimal comma, no thousands separator
    return int(Decimal(amount.replace(",", ".")) * 100)


def test_full_month_billing_statement_and_fec_balance_to_the_cent(client, world, session):
    staff = world.a.headers(Role.MANAGER)
    a = world.a
    make_billable(session, a, vat=True)
    members = [a.member, a.other_member] + [make_member(session, a.coordination, f"asso{i}") for i in range(4)]
    for i, m in enumerate(members):
        charge(session, a, 12345 + 1111 * i, member=m, rate="20", subsidies=[subsidy(a, 1000 + i)])
        charge(session, a, 3333 + 7 * i, member=m, rate="5.5", nature=Nature.GOODS)
    charge(session, a, 50000, funder=a.funder, rate="20")
    a.coordination.sepa_creditor_id = "FR72ZZZ123456"
    session.commit()
    mandated = members[2]
    r = client.post("/api/v1/mandates/", headers=staff, json={
        "member_id": mandated.id, "reference": "LP-ASSO0-01", "signed_on": "2026-01-15",
        "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"})
    assert r.status_code == 201, r.get_json()
    run = run_and_issue(client, staff)
    invoices = {i["member_id"]: i for i in run["invoices"] if i["member_id"]}
    assert len(invoices) == 6
    # the mandated member's invoice is collected by a pain.008 file, valid by its XSD
    r = client.post("/api/v1/direct-debits/", json={"billing_run_id": run["id"]}, headers=staff)
    assert r.status_code == 201, r.get_json()
    debit = r.get_json()
    assert debit["count"] == 1 and [i["number"] for i in debit["invoices"]] == [invoices[mandated.id]["number"]]
    pain = etree.fromstring(client.get(f"/api/v1/direct-debits/{debit['id']}/pain.008.xml", headers=staff).data)
    lib.pain008_schema().assertValid(pain)
    collected_text = pain.xpath("//p:RmtInf/p:Ustrd/text()",
                                namespaces={"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"})[0]
    credited = invoices[members[5].id]
    r = client.post(f"/api/v1/invoices/{credited['invoice_id']}/credit-notes", json={"reason": "Erreur", "amount":
                    "10.00"}, headers=staff)
    assert r.status_code == 201, r.get_json()

    def total(member) -> str:
        return invoices[member.id]["total"]

    def reference_of(summary) -> str:  # the RF reference printed on the invoice
        return client.get(f"/api/v1/invoices/{summary['invoice_id']}", headers=staff).get_json()["payment_reference"]

    by_ref = [Entry(total(m), TODAY, name=m.legal_name, creditor_ref=reference_of(invoices[m.id]))
              for m in members[:2]]
    # the collection arrives on the statement with the remittance text the direct-debit file sent
    by_ref.append(Entry(total(mandated), TODAY, name=mandated.legal_name, ustrd=collected_text))
    by_amount = Entry(total(members[3]), TODAY, name=members[3].legal_name.upper(), ustrd="Virement novembre")
    over = Decimal(total(members[4])) + Decimal("12.34")
    overpaid = Entry(f"{over:.2f}", TODAY, name="X", ustrd=f"Facture {invoices[members[4].id]['number']}")
    doc = statement(by_ref + [by_amount, overpaid, Entry("99.00", TODAY, name="Inconnu", ustrd="?"),
                              Entry("250.00", TODAY, credit=False, name="Loyer")], iban=IBAN)
    assert_valid(doc, "02")
    r = client.post("/api/v1/bank-statements/", data=doc, headers=staff | {"Content-Type": "application/xml"})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["matched"], r.get_json()["unmatched"]) == (5, 1)
    assert r.get_json()["by_rule"] == {"reference": 4, "amount_payer": 1}

    # reminders for the rest: the credited member's invoice and the funder's, once each
    fresh(session)
    rest = session.scalars(select(Invoice).where(
        Invoice.coordination_id == a.coordination.id, Invoice.kind == InvoiceKind.INVOICE,
        Invoice.paid_cents < Invoice.total_cents - Invoice.credited_cents)).all()
    assert {(i.member_id, i.funder_id) for i in rest} == {(members[5].id, None), (None, a.funder.id)}
    later = datetime.combine(rest[0].due_date + timedelta(days=11), datetime.min.time(), tzinfo=UTC)
    r = client.get(f"/api/v1/overdue?on={later.date().isoformat()}", headers=staff)
    assert r.status_code == 200, r.get_json()
    assert sorted(row["invoice_id"] for row in r.get_json()) == sorted(i.id for i in rest)
    letters = payments.send_due_reminders(session, later)
    assert sorted(x.invoice_id for x in letters) == sorted(i.id for i in rest)
    assert {x.level for x in letters} == {1} and payments.send_due_reminders(session, later) == []
    session.commit()

    r = client.get(f"/api/v1/accounting/fec?year={TODAY.year}", headers=world.a.headers(Role.AUDITOR))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.headers["Content-Disposition"] == f'attachment; filename="{a.coordination.siren}FEC{TODAY.year}1231.txt"'
    rows = read_fec(r.get_data())

    entries = defaultdict(list)
    for row in rows:
        entries[(row["JournalCode"], row["EcritureNum"])].append(row)
        assert row["EcritureDate"] == row["PieceDate"] == row["ValidDate"]
        day = date(int(row["EcritureDate"][:4]), int(row["EcritureDate"][4:6]), int(row["EcritureDate"][6:]))
        assert date(TODAY.year, 1, 1) <= day <= date(TODAY.year, 12, 31)
        assert row["CompteNum"] and row["CompteLib"] and row["PieceRef"] and row["EcritureLib"]
        assert (cents(row["Debit"]) == 0) != (cents(row["Credit"]) == 0)
        assert bool(row["CompAuxNum"]) == row["CompteNum"].startswith(("411", "441"))
    for key, lines in entries.items():
        assert sum(cents(x["Debit"]) for x in lines) == sum(cents(x["Credit"]) for x in lines), key
        assert len({(x["EcritureDate"], x["PieceRef"]) for x in lines}) == 1, key
    for journal in ("VE", "BQ"):
        numbers = sorted(int(n) for j, n in entries if j == journal)
        assert numbers == list(range(1, len(numbers) + 1)), journal

    fresh(session)
    docs = session.scalars(select(Invoice).where(Invoice.coordination_id == a.coordination.id)).all()
    invoiced = sum(d.total_cents for d in docs if d.kind == InvoiceKind.INVOICE)
    credited_total = sum(d.total_cents for d in docs if d.kind == InvoiceKind.CREDIT_NOTE)
    received = session.scalar(select(func.sum(Payment.amount_cents))) + session.scalar(
        select(func.sum(AccountCredit.amount_cents)))
    assert received == sum(int(Decimal(e.amount) * 100) for e in by_ref + [by_amount, overpaid])

    def total_of(journal: str, prefix: str, side: str) -> int:
        return sum(cents(x[side]) for x in rows if x["JournalCode"] == journal and x["CompteNum"].startswith(prefix))

    assert total_of("VE", "411", "Debit") == invoiced
    assert total_of("VE", "411", "Credit") == credited_total == 1000
    assert total_of("VE", "441", "Debit") == sum(1000 + i for i in range(6))
    assert total_of("BQ", "512", "Debit") == total_of("BQ", "411", "Credit") == received
    vat = sum(d.vat_cents * (1 if d.kind == InvoiceKind.INVOICE else -1) for d in docs)
    assert total_of("VE", "44571", "Credit") - total_of("VE", "44571", "Debit") == vat
    revenue = sum(line.amount_cents * (1 if d.kind == InvoiceKind.INVOICE else -1) for d in docs for line in d.lines)
    assert total_of("VE", "70", "Credit") - total_of("VE", "70", "Debit") == revenue
    customers = {x["CompAuxNum"] for x in rows if x["CompteNum"].startswith("411")}
    assert customers == {f"M{m.id:05d}" for m in members} | {f"F{a.funder.id:05d}"}


def test_chart_of_accounts_is_the_coordinations(client, world, session):
    """A coordination's own accounts and journal codes are used in its FEC; a bad account is
    refused naming the field; another coordination keeps the defaults."""
    staff = world.a.headers(Role.MANAGER)
    make_billable(session, world.a)
    charge(session, world.a, 4200)
    session.commit()
    body = assert_problem(client.patch("/api/v1/accounting/chart", json={"services": "70 6"}, headers=staff), 422)
    assert "services" in body["errors"]
    assert_problem(client.patch("/api/v1/accounting/chart", json={"services": "706100"},
                                headers=world.a.headers(Role.AUDITOR)), 403)
    r = client.patch("/api/v1/accounting/chart", json={"services": "706100", "sales_journal": "VT"}, headers=staff)
    assert r.status_code == 200 and (r.get_json()["services"], r.get_json()["bank"]) == ("706100", "512000")
    assert client.get("/api/v1/accounting/chart", headers=world.b.headers(Role.MANAGER)).get_json()["services"] == \
        "706000"
    run_and_issue(client, staff)
    rows = read_fec(client.get(f"/api/v1/accounting/fec?year={TODAY.year}", headers=staff).get_data())
    assert {(x["JournalCode"], x["CompteNum"]) for x in rows} == {("VT", "411000"), ("VT", "706100")}
    assert_problem(client.get("/api/v1/accounting/fec?year=1999", headers=staff), 422)
    assert_problem(client.get(f"/api/v1/accounting/fec?year={TODAY.year}", headers=world.a.headers(Role.TREASURER)),
                   403)

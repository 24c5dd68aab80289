"""VAT treatment per nature of charge: the coordination's settings, and invoices whose lines
each carry the category, exemption reason and mention of their nature's treatment."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from invoices.identifiers import french_vat_number
from logipool.models import ChargeSource, Coordination, Invoice, Nature, Role, VatRegime

from ..invoices.pdftext import pdf_text
from .test_errors import assert_problem
from .test_invoicing import NS, charge, fresh, make_billable, run_and_issue, subsidy, xml_of


def _url(world) -> str:
    return f"/api/v1/coordinations/{world.a.coordination.id}"


def test_every_nature_follows_the_regime_until_the_coordination_chooses(client, world):
    admin = world.a.headers(Role.ADMIN)
    body = client.get(_url(world), headers=admin).get_json()
    assert body["vat_regime"] == "cost_sharing_261b"
    assert body["vat_treatments"] == {"goods": "cost_sharing_261b", "services": "cost_sharing_261b",
                                      "disbursement": "cost_sharing_261b"}
    r = client.patch(_url(world), headers=admin, json={"vat_treatments": {"disbursement": "disbursement"}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["vat_treatments"]["disbursement"] == "disbursement"
    r = client.patch(_url(world), headers=admin, json={"vat_treatments": {"disbursement": None}})
    assert r.get_json()["vat_treatments"]["disbursement"] == "cost_sharing_261b"


def test_a_bad_vat_treatment_is_refused_naming_the_nature_and_nothing_is_written(client, world, session):
    admin = world.a.headers(Role.ADMIN)
    cases = [
        ({"goods": "zero_rated"}, "vat_treatments.goods"),
        ({"goods": "disbursement"}, "vat_treatments.goods"),  # débours are a nature, not a way to sell goods
        ({"goods": "vat_registered"}, "vat_treatments.goods"),  # VAT needs the coordination's VAT number
        ({"disbursement": "outside_vat"}, "vat_treatments.disbursement"),  # BR-O-11: O mixes with nothing
    ]
    for treatments, field in cases:
        body = assert_problem(client.patch(_url(world), headers=admin, json={"vat_treatments": treatments}), 422)
        assert field in body["errors"], (treatments, body)
        fresh(session)
        assert session.get(Coordination, world.a.coordination.id).vat_treatments == {}


def test_mixed_invoice_exempts_services_taxes_goods_and_keeps_disbursements_out_of_the_base(
        client, world, session):
    a = world.a
    admin, staff = a.headers(Role.ADMIN), a.headers(Role.MANAGER)
    make_billable(session, a)
    a.coordination.vat_number = french_vat_number(a.coordination.siren)
    session.commit()
    r = client.patch(_url(world), headers=admin, json={
        "vat_treatments": {"goods": "vat_registered", "disbursement": "disbursement"}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["vat_treatments"] == {"goods": "vat_registered", "services": "cost_sharing_261b",
                                              "disbursement": "disbursement"}
    charge(session, a, 14499, source=ChargeSource.STORAGE_BOOKING, source_id=4, subsidies=[subsidy(a, 2501)])
    charge(session, a, 16200, rate="5.5", nature=Nature.GOODS, source=ChargeSource.ORDER_CYCLE, source_id=3)
    charge(session, a, 3745, nature=Nature.DISBURSEMENT, label="Analyse bactériologique avancée")
    session.commit()
    run = run_and_issue(client, staff)
    fresh(session)
    invoice = session.scalars(select(Invoice)).one()
    # excl. VAT the sum of the charges; VAT only on the goods: 162.00 × 5.5 % = 8.91
    assert invoice.lines_cents - invoice.deductions_cents == 14499 + 16200 + 3745
    assert invoice.vat_cents == 891 and invoice.total_cents == 34444 + 891 == 35335
    assert run["invoices"][0]["invoice_id"] == invoice.id

    detail = client.get(f"/api/v1/invoices/{invoice.id}", headers=staff).get_json()
    by_nature = {line["nature"]: line for line in detail["lines"]}
    services = by_nature["services"]
    assert services["vat_treatment"] == "cost_sharing_261b" and services["vat_category"] == "E"
    assert by_nature["goods"]["vat_category"] == "S" and by_nature["goods"]["vat_rate"] == "5.50"
    assert by_nature["disbursement"]["vat_treatment"] == "disbursement"
    assert by_nature["disbursement"]["vat_rate"] is None and detail["total"] == "353.35"

    text = " ".join(pdf_text(invoice.pdf).split())
    assert "Exonération de TVA, art. 261 B du CGI" in text
    assert "Débours refacturés à l'identique, exclus de la base d'imposition, art. 267 II 2° du CGI" in text
    assert "TVA 5,5 % 8,91 €" in text and "353,35 €" in text

    root = xml_of(invoice.pdf)
    cats = root.xpath("//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode/text()",
                      namespaces=NS)
    names = root.xpath("//ram:SpecifiedTradeProduct/ram:Name/text()", namespaces=NS)
    expected = {"services": "E", "goods": "S", "disbursement": "E"}
    assert sorted(cats) == sorted(expected[line.nature.value] for line in invoice.lines)
    assert len(names) == len(cats)
    tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    assert root.xpath(f"{tax}/ram:CategoryCode/text()", namespaces=NS) == ["E", "S"]
    # exempt base: services 170.00 gross - 25.01 funder + disbursement 37.45
    assert root.xpath(f"{tax}/ram:BasisAmount/text()", namespaces=NS) == ["182.44", "162.00"]
    (reason,) = root.xpath(f"{tax}[ram:CategoryCode='E']/ram:ExemptionReason/text()", namespaces=NS)
    assert "261 B" in reason and "267 II 2°" in reason
    assert root.xpath("//ram:DuePayableAmount/text()", namespaces=NS) == ["353.35"]

    # a credit note keeps each line's treatment and credits the same total
    r = client.post(f"/api/v1/invoices/{invoice.id}/credit-notes", headers=staff, json={"reason": "Annulation"})
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    assert note["total"] == "353.35"
    assert {(line["vat_treatment"], line["vat_rate"]) for line in note["lines"]} == {
        ("cost_sharing_261b", None), ("disbursement", None), ("vat_registered", "5.50")}
    assert sum(Decimal(line["amount"]) for line in note["lines"]) == Decimal("344.44")
    assert VatRegime.COST_SHARING_261B == a.coordination.vat_regime

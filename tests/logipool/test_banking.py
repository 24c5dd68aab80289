"""Bank statements over HTTP: CAMT.053 and French banks' CSV imported once, credits matched to
invoices as payments (by reference, then by amount and payer), partial and over-payments, the
queue of unmatched credits, and bad files refused with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from logipool.models import AccountCredit, BankLine, BankStatement, Payment, Role

from .camt import Entry, assert_valid, statement
from .test_errors import assert_problem
from .test_invoicing import charge, fresh, make_billable

IBAN = "FR7630006000011234567890189"  # the coordination's account (make_billable)
PAYER_IBAN = "FR7630004000031234567890143"
TODAY = date.today()


@pytest.fixture
def staff(world):
    return world.a.headers(Role.MANAGER)


@pytest.fixture
def issued(client, world, session, staff) -> dict[str, dict]:
    """Three issued invoices of member m1 (100.00, 200.00, 50.00) and one of m2 (80.00)."""
    a = world.a
    make_billable(session, a)
    session.commit()
    numbers = {}
    for cents in (10000, 20000, 5000):
        r = client.post("/api/v1/invoices/", headers=staff,
                        json={"member_id": a.member.id, "charge_ids": [new_charge(session, a, cents)]})
        assert r.status_code == 201, r.get_json()
        r = client.post(f"/api/v1/invoices/{r.get_json()['id']}/issue", headers=staff)
        assert r.status_code == 200, r.get_json()
        numbers[cents] = r.get_json()
    r = client.post("/api/v1/invoices/", json={"member_id": a.other_member.id,
                                               "charge_ids": [new_charge(session, a, 8000, member=a.other_member)]},
                    headers=staff)
    numbers["other"] = client.post(f"/api/v1/invoices/{r.get_json()['id']}/issue", headers=staff).get_json()
    return numbers


def new_charge(session, tenant, cents: int, **kw) -> int:
    """A committed uninvoiced charge's id (the test's transaction ended, for the requests to write)."""
    charge_id = charge(session, tenant, cents, **kw).id
    session.commit()
    return charge_id


def upload(client, headers, data: bytes, name: str = "releve.xml"):
    import io

    return client.post("/api/v1/bank-statements/", data={"file": (io.BytesIO(data), name)}, headers=headers,
                       content_type="multipart/form-data")


def counts(session) -> tuple[int, int, int, int]:
    fresh(session)
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in
                 (BankStatement, BankLine, Payment, AccountCredit))


def invoice(client, headers, invoice_id: int) -> dict:
    return client.get(f"/api/v1/invoices/{invoice_id}", headers=headers).get_json()


@pytest.mark.parametrize("version", ["02", "08"])
def test_camt_credits_pay_invoices_by_reference_partly_and_overpaid_once(client, world, session, staff, issued,
                                                                        version):
    """A CAMT.053 statement pays an invoice by its RF reference, another partly by its number in
    the remittance text, a third beyond what it owes (the surplus is a credit on the account),
    keeps the debits, leaves an unknown credit in the queue; imported again it creates nothing."""
    first, second, third = issued[10000], issued[20000], issued[5000]
    doc = statement([
        Entry("100.00", TODAY, name="ASSOCIATION ALPHA-M1", iban=PAYER_IBAN,
              creditor_ref=first["payment_reference"]),
        Entry("120.00", TODAY, name="ASSOCIATION ALPHA-M1", ustrd=f"Acompte facture {second['number']}"),
        Entry("65.00", TODAY, name="ASSOC ALPHA M1", ustrd=f"REGLEMENT FACT {third['number']}"),
        Entry("42.00", TODAY, name="Inconnu", ustrd="Don"),
        Entry("300.00", TODAY, credit=False, name="Fournisseur", ustrd="Facture achat"),
    ], iban=IBAN, version=version)
    assert_valid(doc, version)

    r = upload(client, staff, doc)
    assert r.status_code == 201, r.get_json()
    result = r.get_json()
    assert (result["lines"], result["debits"], result["matched"], result["unmatched"]) == (5, 1, 3, 1)
    assert result["by_rule"] == {"reference": 3}
    assert (result["paid"], result["credit"]) == ("270.00", "15.00")
    assert result["statement"]["file_format"] == f"camt.053.001.{version}"

    assert (invoice(client, staff, first["id"])["status"], invoice(client, staff, first["id"])["remaining"]) == \
        ("paid", "0.00")
    partly = invoice(client, staff, second["id"])
    assert (partly["status"], partly["paid"], partly["remaining"]) == ("partly_paid", "120.00", "80.00")
    assert partly["payments"][0]["method"] == "transfer" and partly["payments"][0]["bank_line_id"] is not None
    assert invoice(client, staff, third["id"])["status"] == "paid"
    credits = client.get("/api/v1/account-credits/?open=true", headers=staff).get_json()["items"]
    assert [(c["member_id"], c["amount"], c["remaining"]) for c in credits] == [(world.a.member.id, "15.00", "15.00")]

    queue = client.get("/api/v1/bank-lines/?state=unmatched", headers=staff).get_json()
    assert [(line["amount"], line["counterparty_name"]) for line in queue["items"]] == [("42.00", "Inconnu")]
    matched = client.get("/api/v1/bank-lines/?state=matched", headers=staff).get_json()["items"]
    assert sorted(p["invoice_id"] for line in matched for p in line["payments"]) == sorted(
        [first["id"], second["id"], third["id"]])

    before = counts(session)
    again = upload(client, staff, doc)
    assert again.status_code == 201
    assert (again.get_json()["created"], again.get_json()["lines"]) == (False, 0)
    assert counts(session) == before
    assert invoice(client, staff, second["id"])["paid"] == "120.00"


def test_overlapping_statement_stores_known_lines_once(client, world, session, staff, issued):
    """A second statement repeating lines already imported (same bank references) stores only its
    new lines and pays nothing twice."""
    first = issued[10000]
    known = Entry("100.00", TODAY, name="ASSOCIATION ALPHA-M1", ustrd=first["number"], reference="BQ-0001")
    assert upload(client, staff, statement([known], iban=IBAN, statement_id="S1")).status_code == 201
    r = upload(client, staff, statement([known, Entry("80.00", TODAY, name="Association alpha-m2",
                                                      reference="BQ-0002")], iban=IBAN, statement_id="S2"))
    assert r.status_code == 201
    assert (r.get_json()["lines"], r.get_json()["duplicates"], r.get_json()["matched"]) == (1, 1, 1)
    assert r.get_json()["by_rule"] == {"amount_payer": 1}
    assert invoice(client, staff, first["id"])["paid"] == "100.00"
    assert invoice(client, staff, issued["other"]["id"])["status"] == "paid"


def test_amount_and_payer_match_needs_a_known_payer(client, world, session, staff, issued):
    """Without a reference, a credit pays an invoice of exactly its amount only when the payer is
    known — by name, or by an IBAN seen on an earlier matched line; an amount alone stays queued."""
    first, third = issued[10000], issued[5000]
    r = upload(client, staff, statement([
        Entry("50.00", TODAY, name="Quelqu'un", ustrd="virement"),  # right amount, unknown payer
        Entry("100.00", TODAY, name="ALPHA-M1 ASSOCIATION", iban=PAYER_IBAN, ustrd="cotisation logistique"),
    ], iban=IBAN, statement_id="S1"))
    assert (r.get_json()["matched"], r.get_json()["unmatched"]) == (1, 1)
    assert invoice(client, staff, first["id"])["status"] == "paid"
    assert invoice(client, staff, third["id"])["status"] == "issued"
    # the payer's IBAN is known now: a later credit from it with no name is recognised
    r = upload(client, staff, statement([Entry("50.00", TODAY, iban=PAYER_IBAN, ustrd="virement")], iban=IBAN,
                                        statement_id="S2"))
    assert r.get_json()["by_rule"] == {"amount_payer": 1}
    assert invoice(client, staff, third["id"])["status"] == "paid"


CREDIT_AGRICOLE = (
    "Téléchargement du 01/12/2026;\n"
    "Compte courant associatif;N° FR76 3000 6000 0112 3456 7890 189;\n"
    "Solde au 30/11/2026;1 234,56 €\n"
    "\n"
    "Date;Libellé;Débit euros;Crédit euros;\n"
    "{day};\"VIR SEPA RECU /DE ASSOCIATION ALPHA-M1 /MOTIF FACTURE {number} /REF 123\";;100,00;\n"
    "{day};\"PRLV SEPA EDF\";45,10;;\n"
    "{day};\"VIR SEPA RECU /DE ASSOCIATION ALPHA-M2 /MOTIF NOVEMBRE\";;80,00;\n"
)
BANQUE_POSTALE = (
    "Numéro Compte   ;0123456A020\n"
    "Type ;CCP\n"
    "Compte tenu en  ;euros\n"
    "Date;Libellé;Montant(EUROS);Montant(FRANCS)\n"
    "{day};VIREMENT DE ASSOCIATION ALPHA-M1 REF {reference};200,00;1311,91\n"
    "{day};CARTE X1234 STATION SERVICE;-52,30;-343,07\n"
)


def test_french_bank_csv_exports_are_imported_and_matched(client, world, session, staff, issued):
    """A Crédit Agricole export in Latin-1 (debit and credit columns) and a Banque Postale export in
    UTF-8 (one signed amount): credits matched by invoice number, RF reference, or amount and payer."""
    day = TODAY.strftime("%d/%m/%Y")
    ca = CREDIT_AGRICOLE.format(day=day, number=issued[10000]["number"]).encode("cp1252")
    r = upload(client, staff, ca, "CA.csv")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["statement"]["file_format"] == "csv:credit_agricole"
    assert r.get_json()["statement"]["account_iban"] == IBAN
    assert (r.get_json()["lines"], r.get_json()["debits"], r.get_json()["matched"]) == (3, 1, 2)
    assert r.get_json()["by_rule"] == {"reference": 1, "amount_payer": 1}
    assert invoice(client, staff, issued["other"]["id"])["status"] == "paid"

    reference = issued[20000]["payment_reference"]
    lbp = BANQUE_POSTALE.format(day=day, reference=f"{reference[:4]} {reference[4:8]} {reference[8:]}")
    r = upload(client, staff, lbp.encode("utf-8"), "releve.csv")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["statement"]["file_format"] == "csv:banque_postale"
    assert (r.get_json()["lines"], r.get_json()["matched"]) == (2, 1)
    assert invoice(client, staff, issued[20000]["id"])["status"] == "paid"
    lines = client.get("/api/v1/bank-lines/?state=debit", headers=staff).get_json()["items"]
    assert sorted(line["amount"] for line in lines) == ["-45.10", "-52.30"]
    before = counts(session)
    assert upload(client, staff, ca, "CA-bis.csv").get_json()["created"] is False
    assert counts(session) == before


def test_queued_credit_is_matched_or_ignored_by_a_person(client, world, session, staff, issued):
    """From the queue, staff match a credit to an invoice (the surplus becomes a credit on the
    account), to a member's account, or ignore it; a line leaves the queue once (409 after)."""
    upload(client, staff, statement([Entry("230.00", TODAY, name="Trésorerie"), Entry("30.00", TODAY, name="X"),
                                     Entry("9.00", TODAY, name="Y")], iban=IBAN))
    queue = client.get("/api/v1/bank-lines/?state=unmatched", headers=staff).get_json()["items"]
    big, small, tiny = sorted(queue, key=lambda line: -int(line["amount"].replace(".", "")))

    treasurer = world.a.headers(Role.TREASURER)
    assert_problem(client.post(f"/api/v1/bank-lines/{big['id']}/match", json={"invoice_id": issued[20000]["id"]},
                               headers=treasurer), 403)
    r = client.post(f"/api/v1/bank-lines/{big['id']}/match", json={"invoice_id": issued[20000]["id"]}, headers=staff)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["state"], r.get_json()["match_rule"]) == ("matched", "manual")
    assert invoice(client, staff, issued[20000]["id"])["status"] == "paid"
    r = client.post(f"/api/v1/bank-lines/{small['id']}/match", json={"member_id": world.a.other_member.id},
                    headers=staff)
    assert r.status_code == 200
    credits = client.get("/api/v1/account-credits/", headers=staff).get_json()["items"]
    assert sorted((c["member_id"], c["amount"]) for c in credits) == sorted(
        [(world.a.member.id, "30.00"), (world.a.other_member.id, "30.00")])
    assert client.post(f"/api/v1/bank-lines/{tiny['id']}/ignore", headers=staff).get_json()["state"] == "ignored"
    assert_problem(client.post(f"/api/v1/bank-lines/{tiny['id']}/ignore", headers=staff), 409)
    assert_problem(client.post(f"/api/v1/bank-lines/{big['id']}/match", json={"invoice_id": issued[5000]["id"]},
                               headers=staff), 409)
    assert client.get("/api/v1/bank-lines/?state=unmatched", headers=staff).get_json()["total"] == 0


def test_credit_on_account_pays_the_next_invoice(client, world, session, staff, issued):
    """An overpayment is used, as a payment, by the member's next issued invoice; the statement
    counts the money once, when it was received."""
    third = issued[5000]
    upload(client, staff, statement([Entry("70.00", TODAY, name="ALPHA-M1", ustrd=third["number"])], iban=IBAN))
    st = client.get(f"/api/v1/statement?member_id={world.a.member.id}", headers=staff).get_json()
    assert st["balance"] == "280.00"  # 350.00 invoiced, 70.00 received
    fresh(session)
    r = client.post("/api/v1/invoices/", json={"member_id": world.a.member.id,
                                               "charge_ids": [new_charge(session, world.a, 1500)]}, headers=staff)
    nxt = client.post(f"/api/v1/invoices/{r.get_json()['id']}/issue", headers=staff).get_json()
    assert (nxt["status"], nxt["paid"]) == ("paid", "15.00")
    assert [p["method"] for p in nxt["payments"]] == ["account_credit"]
    assert nxt["payments"][0]["account_credit_id"] is not None and nxt["payments"][0]["bank_line_id"] is None
    credits = client.get("/api/v1/account-credits/", headers=staff).get_json()["items"]
    assert [(c["amount"], c["remaining"]) for c in credits] == [("20.00", "5.00")]
    st = client.get(f"/api/v1/statement?member_id={world.a.member.id}", headers=staff).get_json()
    assert st["balance"] == "295.00"  # 365.00 invoiced, still 70.00 received


def _hostile(kind: str) -> bytes:
    camt = statement([Entry("10.00", TODAY, name="X")], iban=IBAN)
    if kind == "not camt.053":
        return camt.replace(b"camt.053.001.02", b"camt.054.001.02")
    if kind == "dollars":
        return statement([Entry("10.00", TODAY, name="X", currency="USD")], iban=IBAN)
    if kind == "dollar account":
        return statement([Entry("10.00", TODAY, name="X")], iban=IBAN, account_currency="USD")
    if kind == "malformed":
        return camt[:-40]
    if kind == "external entity":
        return (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + camt[camt.index(b"<Document"):].replace(b"<Id>STMT", b"<Id>&x;STMT"))
    if kind == "entity expansion":
        return (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                + camt[camt.index(b"<Document"):].replace(b"<Id>STMT", b"<Id>&b;STMT"))
    if kind == "another account":
        return statement([Entry("10.00", TODAY, name="X")], iban="FR7610107001011234567890129")
    if kind == "bad amount":
        return camt.replace(b">10.00<", b">dix<", 1)
    if kind == "unknown csv":
        return b"when,what,how much\n01/12/2026,x,1.00\n"
    if kind == "csv bad date":
        return "Date;Libellé;Débit euros;Crédit euros;\n2026-12-01;VIR;;1,00;\n".encode()
    if kind == "csv bad amount":
        return "Date;Libellé;Débit euros;Crédit euros;\n01/12/2026;VIR;;1.000.00;\n".encode()
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["not camt.053", "dollars", "dollar account", "malformed", "external entity",
                                  "entity expansion", "another account", "bad amount", "unknown csv", "csv bad date",
                                  "csv bad amount"])
def test_bad_statement_is_refused_and_nothing_is_written(client, world, session, staff, issued, kind):
    before = counts(session)
    body = assert_problem(upload(client, staff, _hostile(kind)), 422)
    assert "file" in body["errors"], body
    assert "passwd" not in body["detail"] and "root:" not in body["detail"]
    assert counts(session) == before


def test_statement_endpoints_are_staffs(client, world, session, issued):
    doc = statement([Entry("10.00", TODAY, name="X")], iban=IBAN)
    for role in (Role.MEMBER_REP, Role.TREASURER, Role.AUDITOR):
        assert_problem(upload(client, world.a.headers(role), doc), 403)
    assert upload(client, world.a.headers(Role.ADMIN), doc).status_code == 201
    line = client.get("/api/v1/bank-lines/", headers=world.a.headers(Role.AUDITOR)).get_json()["items"][0]
    assert_problem(client.get(f"/api/v1/bank-lines/{line['id']}", headers=world.b.headers(Role.MANAGER)), 404)
    assert_problem(client.get("/api/v1/bank-lines/", headers=world.a.headers(Role.TREASURER)), 403)
    assert client.get("/api/v1/bank-lines/", headers=world.b.headers(Role.MANAGER)).get_json()["total"] == 0

"""LOGIPOOL_LOCALE decides the language and number formats of the documents people read when
the request does not ask for one: a statement printed under fr_FR and under en_GB differ as a
French and an English reader expect."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from logipool.models import Role

from .test_invoicing import charge, make_billable, run_and_issue


def pdftotext(pdf: bytes) -> str:
    """The PDF's text as poppler's pdftotext reads it, spaces of every width made plain."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode().replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.fixture
def statement_pdf(client, world, session, monkeypatch):
    a = world.a
    make_billable(session, a)
    charge(session, a, 240000)
    session.commit()
    staff = a.headers(Role.MANAGER)
    mine = next(i for i in run_and_issue(client, staff)["invoices"] if i["member_id"] == a.member.id)
    client.post(f"/api/v1/invoices/{mine['invoice_id']}/payments", headers=staff,
                json={"amount": "400.00", "paid_on": date.today().isoformat(), "method": "cheque"})

    def printed(locale: str, query: str = "") -> str:
        monkeypatch.setitem(client.application.config, "LOCALE", locale)
        r = client.get("/api/v1/statement.pdf" + query, headers=a.headers(Role.TREASURER))
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        return pdftotext(r.data)

    return printed


def test_statement_pdf_follows_the_configured_locale(statement_pdf):
    french, english = statement_pdf("fr_FR"), statement_pdf("en_GB")
    assert french != english
    assert "Relevé de compte" in french and "Account statement" not in french
    assert "2 400,00 €" in french and "2 000,00 €" in french  # invoiced, then the balance
    assert "Account statement" in english and "Relevé de compte" not in english
    assert "€2,400.00" in english and "€2,000.00" in english


def test_a_document_language_asked_for_overrides_the_locale(statement_pdf):
    assert "Relevé de compte" in statement_pdf("en_GB", "?lang=fr")
    assert "Account statement" in statement_pdf("fr_FR", "?lang=en")


def test_api_errors_answer_in_french_to_accept_language_fr_and_in_english_by_default(client, world):
    from .test_errors import assert_problem

    body = {"legal_name": "X", "colour": "blue", "people_served_per_week": 1.5}
    h = world.a.headers(Role.MANAGER)
    english = client.post("/api/v1/members/", json=body, headers=h)
    en = assert_problem(english, 422)
    assert en["errors"]["colour"] == ["Unknown field."] and en["title"] == "Unprocessable Entity"
    assert english.headers["Content-Language"] == "en"
    french = client.post("/api/v1/members/", json=body, headers=h | {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    fr = assert_problem(french, 422)
    assert french.headers["Content-Language"] == "fr" and "Accept-Language" in french.headers["Vary"]
    assert fr["title"] == "Données invalides"
    assert fr["errors"]["colour"] == ["Champ inconnu."]
    assert fr["errors"]["siren"] == ["Ce champ est obligatoire."]
    assert fr["errors"]["people_served_per_week"] == ["Un nombre entier est attendu."]
    assert fr["detail"].startswith("Données invalides. ") and "colour: Champ inconnu." in fr["detail"]
    assert set(fr["errors"]) == set(en["errors"])
    missing = client.get("/api/v1/members/999999", headers=h | {"Accept-Language": "fr"})
    assert assert_problem(missing, 404)["title"] == "Introuvable"

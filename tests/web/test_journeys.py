"""Journeys through the pages in a real browser (Chromium) against a real server process, as the
association's representative and treasurers do them; each page's accessibility is checked by
axe-core and its screenshot saved at desktop and phone width."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from urllib.error import HTTPError
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from logipool.db import get_session
from logipool.models import (
    Coordination,
    Invoice,
    Member,
    Offer,
    OrderCycle,
    OrderNeed,
    StorageBooking,
    User,
    Vehicle,
    VehicleBooking,
)
from logipool.services import orders as orders_svc
from logipool.services import passwords
from logipool.services import vehicles as vehicles_svc
from logipool.services.demo import _manager
from logipool.web import labels

pytestmark = pytest.mark.browser


def _staff(app):
    session = get_session()
    return session, _manager(session, session.scalar(select(Member.coordination_id).limit(1)))


def _by_text(person, tag, text):
    from selenium.webdriver.common.by import By

    return next(e for e in person.driver.find_elements(By.TAG_NAME, tag) if text in e.text)


def _download(person, path) -> tuple[int, bytes]:
    """Fetch a download with the browser's session cookie, as the browser's download would."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in person.driver.get_cookies())
    try:
        with urlopen(Request(person.base + path, headers={"Cookie": cookie})) as response:
            return response.status, response.read()
    except HTTPError as exc:
        return exc.code, exc.read()


def _french_words(words: dict) -> set[str]:
    from babel.messages.pofile import read_po

    from .test_page_text import CATALOGUE

    with (CATALOGUE / "messages.po").open("rb") as f:
        french = {m.id: m.string for m in read_po(f) if m.id}
    return {french[word._args[0]] for word in words.values()}


def _far_day() -> date:
    """A Wednesday three weeks ahead: the demo's recurring rounds take the chilled van on
    Tuesdays and Fridays."""
    day = date.today() + timedelta(days=21)
    return day + timedelta(days=(2 - day.weekday()) % 7)


def test_representative_finds_a_free_chilled_van_requests_it_and_sees_it_pending(person, _app):
    person.sign_in("escale.benevole")
    assert "Sophie Martin" in person.text and "Réservations de la semaine" in person.text
    person.screenshot("home-representative")
    person.follow("Véhicules")
    day = _far_day()
    person.fill("Du", f"{day}T08:00")
    person.fill("Au", f"{day}T12:00")
    person.field("Réfrigéré").click()
    person.press("Rechercher")
    results = person.wait_for("Master frigo", "results")
    assert "Master frigo" in results.text and "Jumper" not in results.text
    person.screenshot("vehicles-search")
    card = _by_text(person, "li", "Master frigo")
    card.find_element("css selector", "input[name=purpose]").send_keys("Collecte Banque alimentaire")
    person.press("Demander Master frigo", within=card)
    person.wait_for("Votre demande pour Master frigo est enregistrée")
    row = _by_text(person, "tr", "Collecte Banque alimentaire")
    assert "demandée" in row.text
    person.screenshot("vehicles-bookings")
    person.follow("Calendrier de la semaine")
    assert "Master frigo" in person.text
    person.screenshot("vehicles-calendar")


def test_a_managers_confirmation_shows_as_confirmed(person, _app):
    """A request of the association (made here, through the service) confirmed by the manager
    shows as confirmed on the association's bookings."""
    day = _far_day() + timedelta(days=1)
    with _app.app_context():
        session, staff = _staff(_app)
        rep = session.scalar(select(User.id).where(User.email.like("escale.benevole@%")))
        representative = passwords.principal_for_grant(passwords.grant_of(session, rep))
        truck = session.scalar(select(Vehicle.id).where(Vehicle.name == "Daily 35"))
        tz = ZoneInfo(_app.config["TIMEZONE"])
        booking = vehicles_svc.create_booking(session, representative, {
            "vehicle_id": truck, "purpose": "Livraison des colis de Noël",
            "start_at": datetime.combine(day, time(13), tzinfo=tz),
            "end_at": datetime.combine(day, time(16), tzinfo=tz)})
        assert booking.status.value == "requested"
        vehicles_svc.confirm_booking(session, staff, booking.id)
        session.commit()
    person.sign_in("escale.benevole")
    person.open("/vehicles/bookings")
    assert "confirmée" in _by_text(person, "tr", "Livraison des colis de Noël").text
    person.press("Créer une adresse d'abonnement")
    assert person.field("Adresse de l'abonnement").get_attribute("value").endswith(".ics")
    person.screenshot("vehicles-feed")


def test_representative_uploads_its_needs_file_row_errors_shown_by_the_upload_and_nothing_written(
        person, _app, tmp_path):
    """The needs CSV from the joint-order page: a wrong row shows by the upload and writes nothing;
    a right file replaces the association's needs; an upload without the CSRF token is refused."""
    with _app.app_context():
        session = get_session()
        cycle = session.scalars(select(OrderCycle).where(OrderCycle.status == "open")).one()
        member = session.scalars(select(Member).where(Member.short_name.ilike("%escale%"))).one()
        offers = session.scalars(select(Offer).where(Offer.supplier_id.in_(cycle.supplier_ids), Offer.active)
                                 .order_by(Offer.id)).all()
        references = list(dict.fromkeys(o.reference for o in offers))[:2]
        cycle_id, short, member_id = cycle.id, member.short_name, member.id
        by_reference = {o.id: o.reference for o in offers}

    def needs():
        with _app.app_context():
            return sorted(get_session().execute(select(OrderNeed.offer_ids, OrderNeed.target).where(
                OrderNeed.cycle_id == cycle_id, OrderNeed.member_id == member_id)).all(), key=str)

    before = needs()
    bad = tmp_path / "besoins-faux.csv"
    bad.write_text(f"member,reference,minimum,target,maximum\n{short},{references[0]},1,4,6\n"
                   f"{short},NO-SUCH-REF,1,2,3\n", encoding="utf-8")
    person.sign_in("escale.benevole")
    person.open(f"/orders/{cycle_id}")
    person.field("Fichier des besoins (CSV ou XLSX)").send_keys(str(bad))
    person.press("Envoyer le fichier")
    rows = person.driver.find_element("id", "import-errors").text
    assert "Ligne 3" in rows and "NO-SUCH-REF" in rows  # the refused row, by the upload
    assert "n'est pas au catalogue de cette commande" in rows  # worded by the service, read in French
    assert "1 problème dans le fichier, listé ci-dessous" in person.text  # one problem: singular
    assert "Fichier des besoins" in person.driver.find_element("id", "form-errors").text
    assert person.field("Fichier des besoins (CSV ou XLSX)").get_attribute("aria-invalid") == "true"
    person.screenshot("orders-import-refused")
    assert needs() == before

    status = person.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const body = new FormData(); body.append('file', new Blob([arguments[0]]), 'b.csv');"
        "fetch(arguments[1], {method: 'POST', body}).then(r => done(r.status));",
        f"member,reference,target\n{short},{references[0]},9\n", f"/orders/{cycle_id}/needs/import")
    assert status == 400
    assert needs() == before

    good = tmp_path / "besoins.csv"
    good.write_text("member,reference,minimum,target,maximum\n"
                    + "".join(f"{short},{ref},1,{5 + i},{8 + i}\n" for i, ref in enumerate(references)),
                    encoding="utf-8")
    person.field("Fichier des besoins (CSV ou XLSX)").send_keys(str(good))
    person.press("Envoyer le fichier")
    assert f"{len(references)} besoins importés" in person.text
    assert sorted((by_reference[ids[0]], int(target)) for ids, target in needs()) == sorted(
        (ref, 5 + i) for i, ref in enumerate(references))


def _own_open_cycle(app) -> int:
    """An open joint order of the demo's suppliers, with the other associations' needs of the
    demo's open cycle: the journey's own, whatever other journeys did to the demo's."""
    with app.app_context():
        session, staff = _staff(app)
        demo = session.scalars(select(OrderCycle).where(OrderCycle.name.like("Achat groupé épicerie%"))
                               .order_by(OrderCycle.id.desc())).first()
        tz = ZoneInfo(app.config["TIMEZONE"])
        cycle = orders_svc.create_cycle(session, staff, dict(
            name="Achat groupé de Noël", supplier_ids=demo.supplier_ids,
            delivery_date=date.today() + timedelta(days=12), delivery_site_id=demo.delivery_site_id,
            needs_deadline=datetime.combine(date.today() + timedelta(days=5), time(), tzinfo=tz), fee_key="weight",
            leftover_policy="shared_stock", transport_cents=6000, time_limit_s=5))
        orders_svc.move(session, staff, cycle.id, "open")
        escale = session.scalar(select(Member.id).where(Member.short_name == "escale"))
        for need in session.scalars(select(OrderNeed).where(OrderNeed.cycle_id == demo.id,
                                                            OrderNeed.member_id != escale)):
            orders_svc.create_need(session, staff, cycle.id, dict(
                member_id=need.member_id, offer_ids=need.offer_ids, minimum=need.minimum, target=need.target,
                maximum=need.maximum, note=""))
        session.commit()
        return cycle.id


def test_representative_declares_needs_and_after_allocation_sees_its_lines_and_why(person, _app):
    cycle_id = _own_open_cycle(_app)
    person.sign_in("escale.benevole")
    person.open(f"/orders/{cycle_id}")
    form = person.driver.find_elements("css selector", "form.need")[0]
    product = form.find_element("tag name", "legend").text
    target = form.find_element("css selector", "input[name=target]")
    target.clear()
    target.send_keys("12")
    person.press("Enregistrer", within=form)
    assert "Votre besoin est enregistré." in person.text
    person.screenshot("orders-cycle-open")
    with _app.app_context():
        session, staff = _staff(_app)
        orders_svc.move(session, staff, cycle_id, "close")
        orders_svc.allocate(session, staff, cycle_id, time_limit_s=5)
        session.commit()
    person.open(f"/orders/{cycle_id}")
    outcome = person.driver.find_element("id", "outcome").find_element("xpath", "..")
    assert "Ce que l'association reçoit" in outcome.text
    assert re.search(r"\d+\s?%", person.driver.find_element("id", "fill-ratio").text)
    assert "autres associations" in outcome.text and "palier" in outcome.text
    assert not re.search(r"\d unit\b", outcome.text)  # units in words ("12 unités")
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", outcome.text)  # no stored code (a reason, a key) shown as such
    assert product.split("(")[0].replace("Notre besoin en", "").strip() in outcome.text
    person.screenshot("orders-cycle-allocated")


def test_treasurer_downloads_its_invoice_pdf_and_opens_why_this_amount(person):
    person.sign_in("escale.tresorerie")
    person.screenshot("home-treasurer")
    person.follow("Factures")
    person.screenshot("treasury-invoices")
    link = person.driver.find_element("css selector", "tbody tr td a")
    number = link.text
    link.click()
    total = person.driver.find_element("id", "invoice-total").text
    summary = person.driver.find_elements("tag name", "summary")[0]
    summary.click()
    assert "Calcul" in person.text and "Clé de répartition" in person.text
    french_keys = _french_words(labels.ALLOCATION_KEY)
    keys = [dd.get_attribute("textContent").strip() for dd in person.driver.find_elements("css selector", "dd.key")]
    assert "quantité reçue" in keys and set(keys) <= french_keys  # words, never a stored code
    person.screenshot("treasury-invoice")
    status, pdf = _download(person, person.driver.current_url.removeprefix(person.base) + ".pdf")
    assert status == 200 and pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert number in text
    amount = total.replace("\u202f", " ").replace("\xa0", " ").replace(" €", "").strip()
    assert amount in text.replace("\u202f", " ").replace("\xa0", " ")
    person.follow("Charges à venir")
    keys = [dd.get_attribute("textContent").strip() for dd in person.driver.find_elements("css selector", "dd.key")]
    assert keys and set(keys) <= french_keys and "personnes servies par semaine" in keys
    if date.today().day > 1:  # this month's pallet-days so far, charged as the warehouse is used
        assert "palettes-jours" in keys and "2 charges" in person.text
    person.screenshot("treasury-charges")
    person.follow("Relevé")
    # last month's invoice, its period in words; each date field says the format it expects
    entries = person.driver.find_element("css selector", "table").text
    last = date.today().replace(day=1) - timedelta(days=1)
    assert re.search(rf"facture · du \d+ \w+\.? {last:%Y} au \d+ \w+\.? {last:%Y}", entries)
    assert not re.search(r"\d\d/\d\d/\d{4}", entries)
    hint = person.driver.find_element("id", person.field("Du").get_attribute("aria-describedby").split()[0])
    assert "30/11/2026" in hint.text
    person.screenshot("treasury-statement")
    # the statement of last month: the balance before it opens it, the balance after closes it
    first = date.today().replace(day=1)
    start, end = (first - timedelta(days=1)).replace(day=1), first - timedelta(days=1)
    person.fill("Du", start.isoformat())
    person.fill("Au", end.isoformat())
    person.press("Afficher")

    def period_figures(driver):
        """The figures once the period's statement has replaced the page (None while it loads)."""
        try:
            first_day = driver.find_elements("css selector", "tbody tr time")
            if not first_day or first_day[0].get_attribute("datetime") != start.isoformat():
                return None
            terms = driver.find_elements("css selector", ".figures dt")
            values = driver.find_elements("css selector", ".figures dd")
            if len(terms) != len(values):
                return None
            return {dt.text: dd.text for dt, dd in zip(terms, values, strict=True)}
        except StaleElementReferenceException:
            return None

    figures = WebDriverWait(person.driver, 15).until(period_figures)
    assert "Solde d'ouverture" in figures and "Solde de clôture" in figures
    rows = person.driver.find_elements("css selector", "tbody tr")
    assert rows[0].find_element("tag name", "time").get_attribute("datetime") == start.isoformat()
    assert "Solde d'ouverture" in rows[0].text
    assert rows[-1].text.endswith(figures["Solde de clôture"])  # the running balance ends on the closing one
    href = person.driver.find_element("partial link text", "PDF").get_attribute("href")
    status, pdf = _download(person, href.removeprefix(person.base))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert status == 200 and "Solde d'ouverture" in text and f"{end:%Y}" in text


def test_treasurer_pays_by_scanning_the_qr_code_of_the_invoice_page(person, _app):
    """The QR code on the page, read back from the browser's own rendering, is the EPC payload of
    what remains to pay, with the invoice's reference."""
    import zxingcpp
    from PIL import Image

    person.sign_in("escale.tresorerie")
    person.follow("Factures")
    person.driver.find_element("css selector", "tbody tr td a").click()
    reference = person.driver.find_element("id", "payment-reference").text.replace(" ", "")
    total = person.driver.find_element("id", "invoice-total").text
    person.screenshot("treasury-invoice-qr")
    person.driver.set_window_size(1280, 1400)
    figure = person.driver.find_element("css selector", "section.pay figure")
    person.driver.execute_script("arguments[0].scrollIntoView()", figure)
    image = Image.open(io.BytesIO(figure.screenshot_as_png))
    (code,) = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    with _app.app_context():
        session = get_session()
        invoice = session.scalars(select(Invoice).where(Invoice.payment_reference == reference)).one()
        coordination = session.get(Coordination, invoice.coordination_id)
        expected = "\n".join(["BCD", "002", "1", "SCT", coordination.bic, coordination.legal_name, coordination.iban,
                               f"EUR{invoice.remaining_cents // 100}.{invoice.remaining_cents % 100:02d}", "",
                               reference])
    assert code == expected
    amount = total.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "").replace(",", ".")
    assert code.split("\n")[7] == f"EUR{amount}"


def test_treasurer_of_another_association_gets_404_on_the_first_ones_invoice(person, _app):
    with _app.app_context():
        session = get_session()
        escale = session.scalar(select(Member.id).where(Member.short_name.ilike("%escale%")))
        invoice_id = session.scalar(select(Invoice.id).where(Invoice.member_id == escale))
    person.sign_in("marmite.tresorerie")
    person.open(f"/treasury/invoices/{invoice_id}")
    assert "Cette page n'existe pas ici" in person.text
    assert _download(person, f"/treasury/invoices/{invoice_id}.pdf")[0] == 404
    assert _download(person, f"/treasury/invoices/{invoice_id}.xml")[0] == 404
    person.screenshot("error-404")


def test_a_form_with_a_bad_value_shows_the_message_by_the_field_and_writes_nothing(person, _app):
    def count():
        with _app.app_context():
            return get_session().scalar(select(func.count()).select_from(StorageBooking))

    before = count()
    person.sign_in("escale.benevole")
    person.follow("Stockage")
    person.fill("Palettes réservées", "100001")
    person.press("Demander les emplacements")
    message = person.driver.find_element("id", "pallets-error").text
    assert message  # shown by the field
    assert "Palettes réservées" in person.driver.find_element("id", "form-errors").text
    assert person.field("Palettes réservées").get_attribute("aria-invalid") == "true"
    assert count() == before
    # more positions than the zone has: the storage service refuses, in French
    person.fill("Palettes réservées", "500")
    person.press("Demander les emplacements")
    assert "emplacements de palette en tout" in person.driver.find_element("id", "pallets-error").text
    person.screenshot("storage-refused")
    assert count() == before


def test_posts_without_the_csrf_token_are_refused(person, _app):
    def bookings():
        with _app.app_context():
            return get_session().scalar(select(func.count()).select_from(VehicleBooking))

    before = bookings()
    person.sign_in("escale.benevole")
    person.open("/vehicles/")
    day = _far_day() + timedelta(days=1)
    status = person.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const body = new URLSearchParams({vehicle_id: '1', start: arguments[0], end: arguments[1]});"
        "fetch('/vehicles/bookings', {method: 'POST', body}).then(r => done(r.status));",
        f"{day}T08:00", f"{day}T10:00")
    assert status == 400
    assert bookings() == before


def test_sign_in_page_and_wrong_password(person, _app):
    person.open("/signin")
    person.screenshot("sign-in")
    person.sign_in("escale.benevole", "not-the-password")
    assert "ne correspondent à aucun compte" in person.text
    with _app.app_context():
        user = get_session().scalar(select(User).where(User.email.like("escale.benevole@%")))
        assert user.failed_sign_ins == 1

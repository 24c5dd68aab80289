"""E-mail notifications: outbox rows written in the event's transaction, sent to a real SMTP server
on loopback (aiosmtpd) and read back as received: headers, both parts, attachments, language;
refusals, retries, opt-outs and the scheduled reminders at a fixed now."""

from __future__ import annotations

import email
import io
import socket
from datetime import UTC, date, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import func, select

from logipool.config import ConfigError
from logipool.db import get_session
from logipool.models import (
    CycleStatus,
    Invoice,
    MailKind,
    OrderCycle,
    OutboxMessage,
    OutboxState,
    Role,
    User,
    VehicleBooking,
)
from logipool.services import mail
from logipool.services.vehicles import create_booking

from ..factories import make_vehicle
from .test_errors import assert_problem
from .test_invoicing import charge, make_billable, run_and_issue
from .test_vehicles import ago, at, book

MANAGER, REP, ADMIN, TREASURER = Role.MANAGER, Role.MEMBER_REP, Role.ADMIN, Role.TREASURER


class Inbox:
    """What the loopback SMTP server received; addresses it refuses (550) or defers (451)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.raw: list[bytes] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.defer:
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 Ok: queued as 4F2A1"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def mailing(app, smtp, monkeypatch):
    """Mail configured towards the loopback server; ``send()`` runs one delivery and commits."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    monkeypatch.setitem(app.config, "SMTP_FROM", "Coordination <logistique@coordination.example>")

    def send(now=None, **kw):
        with app.app_context():
            session = get_session()
            report = mail.deliver_pending(session, app.config, now=now, **kw)
            session.commit()
            return report

    return send


def outbox(session, **where) -> list[OutboxMessage]:
    session.rollback()
    session.expire_all()
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, key) == value)
    return list(session.scalars(stmt))


def email_of(world, role: Role) -> str:
    return f"{role.value}@alpha.example"


@pytest.fixture
def truck(world, session):
    v = make_vehicle(session, world.a.coordination, "Master frigo", plate="GA-123-LP")
    session.commit()
    return v


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


# The outbox and the transaction --------------------------------------------------------------


def test_a_booking_request_rolled_back_leaves_no_mail_and_a_committed_one_keeps_it(app, world, truck, session,
                                                                                  mailing):
    from logipool.models import RoleGrant
    from logipool.services.passwords import principal_for_grant

    with app.app_context():
        s = get_session()
        grant = s.scalars(select(RoleGrant).where(RoleGrant.user_id == world.a.user_ids[REP])).one()
        data = {"vehicle_id": truck.id, "start_at": datetime.fromisoformat(at(0)),
                "end_at": datetime.fromisoformat(at(3))}
        booking = create_booking(s, principal_for_grant(grant), data)
        assert booking.status.value == "requested"
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # written with the booking
        s.rollback()
    assert outbox(session) == []
    assert session.scalar(select(func.count()).select_from(VehicleBooking)) == 0

    with app.app_context():
        s = get_session()
        grant = s.scalars(select(RoleGrant).where(RoleGrant.user_id == world.a.user_ids[REP])).one()
        create_booking(s, principal_for_grant(grant), data)
        s.commit()
    rows = outbox(session)
    assert {r.recipient for r in rows} == {email_of(world, ADMIN), email_of(world, MANAGER)}
    assert {r.kind for r in rows} == {MailKind.BOOKING_REQUESTED}
    assert all(r.state == OutboxState.PENDING and r.attempts == 0 for r in rows)


def test_a_refused_request_writes_no_mail(client, world, truck, session, mailing):
    assert book(client, world, truck.id, at(0), at(4)).status_code == 201  # staff: confirmed, no mail
    assert_problem(book(client, world, truck.id, at(1), at(3), role=REP), 409)
    assert outbox(session) == []


# Real SMTP: what arrives ---------------------------------------------------------------------


def test_booking_request_reaches_the_staff_in_french_with_both_parts(client, world, truck, session, smtp, mailing):
    r = book(client, world, truck.id, at(0), at(3), role=REP, purpose="Collecte Banque alimentaire")
    assert r.status_code == 201
    report = mailing()
    assert (report.sent, report.retried, report.refused) == (2, 0, 0)
    [message] = smtp.to(email_of(world, MANAGER))
    assert message["From"] == "Coordination <logistique@coordination.example>"
    assert message["Subject"].startswith("Demande de réservation : Master frigo")
    assert message["Content-Language"] == "fr"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    assert all(raw.isascii() for raw in smtp.raw)  # 7-bit clean: any server takes it
    assert smtp.envelopes[0][0] == "logistique@coordination.example"
    text, html = _text(message), _html(message)
    assert "alpha-m1 demande le véhicule Master frigo (GA-123-LP)" in text
    assert "Motif : Collecte Banque alimentaire" in text
    assert "http://127.0.0.1:8000/vehicles/bookings" in text
    assert "<strong>alpha-m1</strong>" in html and 'lang="fr"' in html
    # the local time of the coordination, in French
    start = datetime.fromisoformat(at(0)).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert f"{start:%H}:00" in text
    rows = outbox(session, recipient=email_of(world, MANAGER))
    assert rows[0].state == OutboxState.SENT and rows[0].attempts == 1
    assert rows[0].smtp_reply.startswith("250 2.0.0 Ok: queued") and rows[0].sent_at is not None
    assert rows[0].message_id == message["Message-ID"].strip()
    # sent once: a second run sends nothing more
    assert mailing().sent == 0 and len(smtp.messages) == 2


def test_confirmation_and_rejection_reach_the_requester_with_an_ics(client, world, truck, session, smtp, mailing):
    first = book(client, world, truck.id, at(0), at(3), role=REP).get_json()
    second = book(client, world, truck.id, at(24), at(27), role=REP).get_json()
    h = world.a.headers(MANAGER)
    assert client.post(f"/api/v1/vehicle-bookings/{first['id']}/confirm", json={}, headers=h).status_code == 200
    assert client.post(f"/api/v1/vehicle-bookings/{second['id']}/reject", json={"reason": "Camion en révision"},
                       headers=h).status_code == 200
    mailing()
    confirmed, rejected = smtp.to(email_of(world, REP))
    assert confirmed["Subject"].startswith("Réservation confirmée : Master frigo")
    assert confirmed.get_content_type() == "multipart/mixed"
    [ics] = [p for p in confirmed.iter_attachments()]
    assert ics.get_content_type() == "text/calendar" and ics.get_filename() == f"reservation-{first['id']}.ics"
    event = Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
    assert str(event["uid"]) == f"vehicle-booking-{first['id']}@alpha.logipool"
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstart") == datetime.fromisoformat(at(0))
    assert "est confirmée" in _text(confirmed)

    assert rejected["Subject"].startswith("Réservation refusée")
    assert "Motif : Camion en révision" in _text(rejected)
    cal = Calendar.from_ical([p for p in rejected.iter_attachments()][0].get_content())
    assert str(cal["method"]) == "CANCEL" and str(cal.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_english_users_get_english_mail(client, world, truck, session, smtp, mailing):
    user = session.get(User, world.a.user_ids[MANAGER])
    user.locale = "en_GB"
    session.commit()
    book(client, world, truck.id, at(0), at(3), role=REP)
    mailing()
    [english] = smtp.to(email_of(world, MANAGER))
    [french] = smtp.to(email_of(world, ADMIN))
    assert english["Subject"].startswith("Booking request: Master frigo") and english["Content-Language"] == "en"
    assert "asks for the vehicle Master frigo" in _text(english) and 'lang="en"' in _html(english)
    assert french["Subject"].startswith("Demande de réservation")


def test_issued_invoice_reaches_the_treasurer_with_its_pdf_and_payment_details(
        client, world, session, smtp, mailing):
    a = world.a
    make_billable(session, a)
    charge(session, a, 12345)
    session.commit()
    run_and_issue(client, a.headers(MANAGER))
    mailing()
    [message] = smtp.to(email_of(world, TREASURER))
    invoice = session.scalars(select(Invoice).where(Invoice.member_id == a.member.id)).one()
    assert message["Subject"] == f"Facture {invoice.number} de Coordination alpha : 123,45\xa0€"
    text = _text(message)
    assert "IBAN FR7630006000011234567890189 · BIC AGRIFRPP" in text
    assert f"Référence à indiquer : {invoice.number}" in text
    assert f"À payer avant le {_french_day(invoice.due_date)}." in text
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_filename() == f"{invoice.number}.pdf"
    assert pdf.get_content() == invoice.pdf  # the stored, immutable PDF, byte for byte
    assert invoice.number in PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    # the PDF is referenced by the outbox row, not copied into it
    row = outbox(session, recipient=email_of(world, TREASURER))[0]
    assert row.attachments[0].content is None and row.attachments[0].invoice_id == invoice.id
    # nobody else in the member, and not the other member's treasurer
    assert {m["To"] for m in smtp.messages} == {email_of(world, TREASURER)}


# Refusals, retries, addresses ----------------------------------------------------------------


def test_a_refusing_server_records_the_refusal_and_never_retries(client, world, truck, session, smtp, mailing):
    smtp.refuse.add(email_of(world, ADMIN))
    book(client, world, truck.id, at(0), at(3), role=REP)
    report = mailing()
    assert (report.sent, report.refused) == (1, 1)
    [row] = outbox(session, recipient=email_of(world, ADMIN))
    assert row.state == OutboxState.REFUSED and row.attempts == 1
    assert row.smtp_reply.startswith("550 5.1.1") and "User unknown" in row.last_error
    smtp.refuse.clear()
    assert mailing(now=datetime.now(UTC) + timedelta(days=1)).sent == 0  # refused is final
    assert smtp.to(email_of(world, ADMIN)) == []


def test_a_deferral_is_retried_with_back_off_then_sent(client, world, truck, session, smtp, mailing):
    smtp.defer.add(email_of(world, ADMIN))
    book(client, world, truck.id, at(0), at(3), role=REP)
    now = datetime.now(UTC) + timedelta(seconds=5)
    assert mailing(now=now).retried == 1
    [row] = outbox(session, recipient=email_of(world, ADMIN))
    assert row.state == OutboxState.PENDING and row.attempts == 1 and row.smtp_reply.startswith("451 4.7.1")
    assert row.next_attempt_at == now + timedelta(minutes=1)
    assert mailing(now=now + timedelta(seconds=30)).ids == []  # not due yet
    assert mailing(now=now + timedelta(minutes=1)).retried == 1
    [row] = outbox(session, recipient=email_of(world, ADMIN))
    assert row.attempts == 2 and row.next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=2)
    smtp.defer.clear()
    assert mailing(now=now + timedelta(minutes=3)).sent == 1
    [row] = outbox(session, recipient=email_of(world, ADMIN))
    assert row.state == OutboxState.SENT and row.attempts == 3 and row.last_error is None
    assert len(smtp.to(email_of(world, ADMIN))) == 1


def test_transient_failures_end_as_failed_after_the_last_attempt(app, client, world, truck, session, smtp, mailing,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    smtp.defer.add(email_of(world, ADMIN))
    book(client, world, truck.id, at(0), at(3), role=REP)
    now = datetime.now(UTC) + timedelta(seconds=5)
    mailing(now=now)
    assert mailing(now=now + timedelta(hours=1)).failed == 1
    [row] = outbox(session, recipient=email_of(world, ADMIN))
    assert row.state == OutboxState.FAILED and row.attempts == 2 and "Greylisted" in row.last_error


def test_an_unreachable_server_keeps_every_message_pending(app, client, world, truck, session, mailing, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_PORT", _free_port())  # nothing listens there
    book(client, world, truck.id, at(0), at(3), role=REP)
    report = mailing()
    assert report.stopped and report.retried == 1 and report.sent == 0
    rows = outbox(session)
    assert [r.state for r in rows] == [OutboxState.PENDING, OutboxState.PENDING]
    assert sorted(r.attempts for r in rows) == [0, 1]  # the second was not even tried
    assert "Connection refused" in next(r.last_error for r in rows if r.attempts)


def test_an_undeliverable_address_is_kept_as_refused(app, world, session, mailing):
    with app.app_context():
        s = get_session()
        rows = mail.enqueue(s, MailKind.INVITATION, "test:1", [mail.Recipient("not an address")],
                            {"url": "http://x/", "expires_at": datetime.now(UTC), "user": {"email": "x"}},
                            coordination=None)
        s.commit()
    [row] = outbox(session)
    assert row.id == rows[0].id and row.state == OutboxState.REFUSED
    assert row.last_error.startswith("Not a deliverable address: Not a valid email address.")


def test_without_an_smtp_server_nothing_piles_up_in_the_outbox(client, world, truck, session):
    assert book(client, world, truck.id, at(0), at(3), role=REP).status_code == 201
    assert outbox(session) == []


def test_sending_without_an_smtp_server_configured_is_refused_clearly(runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "No SMTP server is configured (LOGIPOOL_SMTP_HOST)" in result.output


def test_mail_settings_are_validated(tmp_path):
    from logipool import create_app

    for bad, message in [({"SMTP_PORT": 70000}, "LOGIPOOL_SMTP_PORT"), ({"SMTP_FROM": "nobody"}, "LOGIPOOL_SMTP_FROM"),
                         ({"SMTP_STARTTLS": "yes"}, "LOGIPOOL_SMTP_STARTTLS"),
                         ({"SMTP_PASSWORD": "x"}, "LOGIPOOL_SMTP_PASSWORD"),
                         ({"SMTP_HOST": "smtp example"}, "LOGIPOOL_SMTP_HOST")]:
        with pytest.raises(ConfigError, match=message):
            create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", **bad}, instance_path=str(tmp_path))


def test_cli_sends_the_outbox(runner, client, world, truck, smtp, mailing):
    book(client, world, truck.id, at(0), at(3), role=REP)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 to retry, 0 failed, 0 refused" in result.output
    assert len(smtp.messages) == 2


def test_the_workers_send_the_outbox_every_minute(app, client, world, truck, smtp, mailing):
    """The scheduled ``mail_deliver`` task (run by the job workers each minute) sends what is due."""
    from logipool.db import utcnow
    from logipool.queue import queue_of
    from logipool.services import scheduled

    book(client, world, truck.id, at(0), at(3), role=REP)
    assert smtp.messages == []  # written to the outbox, not sent in the request
    summary = queue_of(app).run_periodic("mail_deliver", scheduled.mail_deliver, utcnow())
    assert summary == {"summary": "2 sent, 0 to retry, 0 failed, 0 refused"}
    assert len(smtp.messages) == 2
    assert queue_of(app).run_periodic("mail_deliver", scheduled.mail_deliver, utcnow())["summary"].startswith("0 sent")


# Opt-out -------------------------------------------------------------------------------------


def test_opting_out_over_the_api_stops_optional_mail_only(client, world, truck, session, smtp, mailing):
    h = world.a.headers(MANAGER)
    me = client.get("/api/v1/users/me", headers=h).get_json()
    assert me["mail"]["booking_requested"] is True and me["locale"] is None
    r = client.patch("/api/v1/users/me", json={"mail": {"booking_requested": False}, "locale": "en_GB"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["mail"]["booking_requested"] is False and r.get_json()["mail"]["cycle_opened"] is True
    book(client, world, truck.id, at(0), at(3), role=REP)
    mailing()
    assert smtp.to(email_of(world, MANAGER)) == [] and len(smtp.to(email_of(world, ADMIN))) == 1
    # a decision on one's own request is not optional
    assert_problem(client.patch("/api/v1/users/me", json={"mail": {"booking_confirmed": False}},
                                headers=world.a.headers(REP)), 422)


def test_bad_preferences_are_refused_and_change_nothing(client, world, session):
    h = world.a.headers(REP)
    for body, field in [({"mail": {"cycle_opened": "sometimes"}}, "mail"), ({"locale": "de_DE"}, "locale"),
                        ({"mail": {"invoice_overdue": False}}, "mail")]:
        problem = assert_problem(client.patch("/api/v1/users/me", json=body, headers=h), 422)
        assert any(k.startswith(field) for k in problem["errors"]), problem
    session.rollback()
    user = session.get(User, world.a.user_ids[REP])
    assert user.mail_opt_outs == [] and user.locale is None


def test_the_account_page_turns_optional_mail_off(app, client, world, session):
    from ..web.test_sign_in import _sign_in, _with_password

    _with_password(app, email_of(world, REP))
    assert _sign_in(client, email_of(world, REP)).status_code == 302
    page = client.get("/account")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="cycle_opened"' in html and "checked" in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    boxes = {"csrf_token": token, "cycle_allocated": "on", "vehicle_due_back": "on"}
    r = client.post("/account", data=boxes)
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")
    assert "Vos choix d&#39;e-mails sont enregistrés." in client.get("/account").get_data(as_text=True)
    session.rollback()
    user = session.get(User, world.a.user_ids[REP])
    assert "cycle_opened" in user.mail_opt_outs and "cycle_allocated" not in user.mail_opt_outs


# Scheduled notices at a fixed now ------------------------------------------------------------


def test_due_back_reminder_goes_once_to_the_driver(app, client, world, truck, session, smtp, mailing):
    h = world.a.headers(MANAGER)
    booking = book(client, world, truck.id, ago(1), ago(-3)).get_json()
    r = client.post(f"/api/v1/vehicle-bookings/{booking['id']}/checkout", json={"odometer_km": 15000, "at": ago(1)},
                    headers=h)
    assert r.status_code == 200, r.get_json()
    end = datetime.fromisoformat(booking["end"])
    with app.app_context():
        s = get_session()
        assert mail.vehicle_due_back(s, now=end - timedelta(hours=3)) == []  # not yet
        assert len(mail.vehicle_due_back(s, now=end - timedelta(hours=1))) == 1
        assert mail.vehicle_due_back(s, now=end - timedelta(minutes=30)) == []  # once
        s.commit()
    mailing()
    [message] = smtp.to(email_of(world, MANAGER))
    assert message["Subject"].startswith("Retour prévu à ") and "Master frigo" in message["Subject"]
    assert "relever le compteur" in _text(message)


def test_invoice_reminders_due_soon_then_overdue_once_each(app, client, world, session, smtp, mailing):
    a = world.a
    make_billable(session, a)
    charge(session, a, 5000)
    session.commit()
    run_and_issue(client, a.headers(MANAGER))
    session.rollback()
    invoice = session.scalars(select(Invoice).where(Invoice.member_id == a.member.id)).one()
    due = invoice.due_date

    def noon(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 11, tzinfo=UTC)

    with app.app_context():
        s = get_session()
        assert mail.invoice_reminders(s, noon(due - timedelta(days=5))) == []
        [soon] = mail.invoice_reminders(s, noon(due - timedelta(days=2)))
        assert mail.invoice_reminders(s, noon(due - timedelta(days=1))) == []
        [late] = mail.invoice_reminders(s, noon(due + timedelta(days=4)))
        assert mail.invoice_reminders(s, noon(due + timedelta(days=5))) == []
        assert (soon.kind, late.kind) == (MailKind.INVOICE_DUE_SOON, MailKind.INVOICE_OVERDUE)
        s.commit()
    r = client.post(f"/api/v1/invoices/{invoice.id}/payments", json={
        "amount": "50.00", "paid_on": date.today().isoformat(), "method": "transfer"}, headers=a.headers(MANAGER))
    assert r.status_code == 201, r.get_json()
    mailing()
    subjects = [m["Subject"] for m in smtp.to(email_of(world, TREASURER))]
    assert subjects[1:] == [f"Facture {invoice.number} : échéance le {_french_day(due)}",
                            f"Facture {invoice.number} impayée depuis le {_french_day(due)}"]
    assert "il y a 4 jours. Reste à payer : 50,00\xa0€" in _text(smtp.to(email_of(world, TREASURER))[2])
    with app.app_context():  # paid: no reminder any more
        s = get_session()
        s.execute(OutboxMessage.__table__.delete().where(OutboxMessage.kind == MailKind.INVOICE_OVERDUE))
        assert mail.invoice_reminders(s, noon(due + timedelta(days=6))) == []
        s.rollback()


def _french_day(day: date) -> str:
    from babel.dates import format_date

    return format_date(day, "full", locale="fr_FR")


# Joint orders --------------------------------------------------------------------------------


def test_cycle_mails_open_closing_allocated_and_delivered(app, client, world, session, smtp, mailing):
    from .test_orders import _need, _ok

    h = world.a.headers(MANAGER)
    supplier = _ok(client.post("/api/v1/suppliers/", json={
        "name": "Grossiste Provence", "street": "ZI des Paluds", "postcode": "13400", "city": "Aubagne"},
        headers=h), 201)
    rice = _ok(client.post("/api/v1/offers/", json={
        "supplier_id": supplier["id"], "reference": "RIZ1", "product": "Riz long 1 kg", "pack_size": "10",
        "tiers": [{"min_packs": 1, "pack_price": "12.00"}]}, headers=h), 201)
    deadline = datetime(2026, 12, 8, 17, tzinfo=UTC)
    cycle = _ok(client.post("/api/v1/order-cycles/", json={
        "name": "Épicerie de décembre", "supplier_ids": [supplier["id"]], "delivery_date": "2026-12-10",
        "needs_deadline": deadline.isoformat()}, headers=h), 201)
    cid = cycle["id"]
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    with app.app_context():
        s = get_session()
        assert mail.cycles_closing(s, now=deadline - timedelta(hours=60)) == []
        closing = mail.cycles_closing(s, now=deadline - timedelta(hours=40))
        assert mail.cycles_closing(s, now=deadline - timedelta(hours=20)) == []
        s.commit()
    # the representative of the first member; the second has none, so its contact address
    assert {r.recipient for r in closing} == {email_of(world, REP), world.a.other_member.contact_email.lower()}
    _ok(_need(client, world, cid, world.a.member, rice["id"], 30), 201)
    _ok(_need(client, world, cid, world.a.other_member, rice["id"], 50), 201)
    _ok(client.post(f"/api/v1/order-cycles/{cid}/close", headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/allocate", json={}, headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/order", headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/receive", json={"items": []}, headers=h))
    mailing()
    subjects = [m["Subject"] for m in smtp.to(email_of(world, REP))]
    assert subjects == ["Achat groupé ouvert : Épicerie de décembre",
                        "Achat groupé « Épicerie de décembre » : clôture le mardi 8 décembre 2026, 18:00",
                        "Achat groupé « Épicerie de décembre » : la répartition de alpha-m1",
                        "Achat groupé « Épicerie de décembre » livré : ce que reçoit alpha-m1"]
    allocated = _text(smtp.to(email_of(world, REP))[2])
    assert "- Riz long 1 kg : 30 kg, 36,00\xa0€ TTC" in allocated or "- Riz long 1 kg : 30" in allocated
    assert "50" not in allocated.split("recevrait :")[1].split("Total")[0]  # not the other member's lines
    other = smtp.to(world.a.other_member.contact_email.lower())
    assert [m["Subject"].split(":")[0] for m in other][2] == "Achat groupé « Épicerie de décembre » "
    assert "alpha-m2" in _text(other[2])
    session.rollback()
    assert session.get(OrderCycle, cid).status == CycleStatus.RECEIVED


# Invitations ---------------------------------------------------------------------------------


def test_invitation_is_mailed_when_mail_is_configured_and_printed_always(runner, world, smtp, mailing, session):
    result = runner.invoke(args=["users", "invite", "--email", email_of(world, TREASURER)])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[0]
    assert url.startswith("http://127.0.0.1:8000/invitation/inv_")
    [message] = smtp.to(email_of(world, TREASURER))
    assert message["Subject"] == "Votre accès à logipool (Coordination alpha)"
    assert url in _text(message) and f'href="{url}"' in _html(message)
    assert outbox(session)[0].state == OutboxState.SENT


def test_invitation_without_mail_is_only_printed(runner, world, session):
    result = runner.invoke(args=["users", "invite", "--email", email_of(world, TREASURER)])
    assert result.exit_code == 0 and "/invitation/inv_" in result.output
    assert outbox(session) == []


def test_invitation_over_the_api_goes_to_the_outbox(client, world, session, smtp, mailing):
    r = client.post(f"/api/v1/users/{world.a.user_ids[TREASURER]}/invitation", headers=world.a.headers(ADMIN))
    assert r.status_code == 201 and r.get_json()["mailed"] is True
    mailing()
    [message] = smtp.to(email_of(world, TREASURER))
    assert r.get_json()["url"] in _text(message)


def test_a_deleted_coordination_takes_its_mail_history_with_it(app, client, world, session, smtp, mailing):
    from logipool.services.accounts import grant_role

    from ..factories import make_coordination, platform_token

    empty = make_coordination(session, "gamma")
    grant = grant_role(session, empty.id, "admin@gamma.example", ADMIN, None)
    session.commit()
    user_id, gamma_id = grant.user_id, empty.id
    with app.app_context():
        s = get_session()
        user = s.get(User, user_id)
        from logipool.services.passwords import create_invitation

        create_invitation(s, user)
        assert mail.invitation(s, user, "http://127.0.0.1:8000/invitation/x")
        s.commit()
    mailing()
    assert len(outbox(session, coordination_id=gamma_id)) == 1
    headers = platform_token(session, world.a)
    assert client.delete(f"/api/v1/coordinations/{gamma_id}", headers=headers).status_code == 204
    assert outbox(session) == []


def test_cli_writes_the_reminders_due_now_once(runner, client, world, session, smtp, mailing):
    a = world.a
    make_billable(session, a)
    charge(session, a, 5000)
    session.commit()
    run_and_issue(client, a.headers(MANAGER))
    session.rollback()
    invoice = session.scalars(select(Invoice).where(Invoice.member_id == a.member.id)).one()
    invoice.due_date = date.today()  # due today: "due soon"
    session.commit()
    first = runner.invoke(args=["mail", "remind"])
    assert first.exit_code == 0, first.output
    assert "0 due-back, 0 closing, 1 invoice reminders written" in first.output
    assert "1 invoice reminders" not in runner.invoke(args=["mail", "remind"]).output
    assert [r.kind for r in outbox(session, recipient=email_of(world, TREASURER))] == [
        MailKind.INVOICE_ISSUED, MailKind.INVOICE_DUE_SOON]

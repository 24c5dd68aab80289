"""Getting paid: SEPA mandates and direct-debit files, overdue invoices and their reminders,
refunds of credit notes.

The rules live here and in the ``invoices`` library (references, QR codes, pain.008, late
figures); the API, the pages and the scheduler call these functions. Services flush, callers
commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import invoices as lib
from invoices.payment import check_iban
from purchasing import format_cents

from ..auth import READERS, STAFF, STAFF_READERS, Principal, require
from ..errors import Conflict, InvalidInput, NotFound
from ..models import (
    Coordination,
    DirectDebit,
    Invoice,
    InvoiceKind,
    InvoiceReminder,
    InvoiceStatus,
    MandateSequence,
    Member,
    Refund,
    SepaMandate,
)
from .crud import Resource, own_member_only
from .invoicing import (
    PAYMENT_METHODS,
    _locked,
    active_mandates,
    customer_party,
    issuer_party,
    today_in,
)
from .parties import document_part, logo_of

_MANDATE_REFERENCE = re.compile(r"^[A-Za-z0-9+?/:().,' \-]{1,35}$")
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)
PARIS = ZoneInfo("Europe/Paris")


def _field(name: str, check, value: str) -> str:
    """A library check (python-stdnum) whose refusal names the API field."""
    try:
        return check(value, name)
    except lib.DocumentError as exc:
        raise InvalidInput.field(name, str(exc).partition(": ")[2] or str(exc)) from None


def check_creditor_id(value: str | None) -> str | None:
    """A coordination's SEPA creditor identifier (ICS), compact, or a 422 naming it."""
    if value is None or value == "":
        return None
    return _field("sepa_creditor_id", lib.check_creditor_id, value)


# Mandates -------------------------------------------------------------------------------------


MANDATES = Resource(model=SepaMandate, label="mandate", write_roles=STAFF, read_roles=READERS,
                    visible=lambda p, stmt: own_member_only(p, stmt, SepaMandate.member_id))


def list_mandates(session: Session, principal: Principal, args: dict) -> dict:
    return MANDATES.list(session, principal, args)


def get_mandate(session: Session, principal: Principal, mandate_id: int) -> SepaMandate:
    return MANDATES.get(session, principal, mandate_id)


def create_mandate(session: Session, principal: Principal, data: dict, *, tz: ZoneInfo) -> SepaMandate:
    """Record a mandate a member signed: unique reference (RUM), signature date (not in the
    future), IBAN and BIC checked by python-stdnum; its first collection is FRST."""
    require(principal, *STAFF)
    member = session.get(Member, data["member_id"])
    if member is None or member.coordination_id != principal.coordination_id:
        raise InvalidInput.field("member_id", f"No member {data['member_id']} in this coordination.")
    reference = data["reference"].strip()
    if not _MANDATE_REFERENCE.match(reference):
        raise InvalidInput.field("reference", "1 to 35 letters, digits, spaces or + ? / - : ( ) . , '.")
    iban = _field("iban", check_iban, data["iban"])
    bic = _field("bic", lib.check_bic, data["bic"])
    if data["signed_on"] > today_in(tz):
        raise InvalidInput.field("signed_on", "A mandate is recorded once signed: not a future date.")
    taken = session.scalar(select(func.count()).select_from(SepaMandate).where(
        SepaMandate.coordination_id == principal.coordination_id, SepaMandate.reference == reference))
    if taken:
        raise InvalidInput.field("reference", f"The mandate reference {reference} is already used.")
    holder = (data.get("account_holder") or member.legal_name).strip()[:70]
    mandate = SepaMandate(coordination_id=principal.coordination_id, member_id=member.id, reference=reference,
                          signed_on=data["signed_on"], iban=iban, bic=bic, account_holder=holder,
                          sequence=MandateSequence.FIRST)
    session.add(mandate)
    session.flush()
    return mandate


def revoke_mandate(session: Session, principal: Principal, mandate_id: int, data: dict, *,
                   tz: ZoneInfo) -> SepaMandate:
    """The member withdrew its mandate: no further collection under it."""
    require(principal, *STAFF)
    mandate = MANDATES.get(session, principal, mandate_id, for_update=True)
    if mandate.revoked_on is not None:
        raise Conflict(f"Mandate {mandate.reference} was revoked on {mandate.revoked_on}.")
    day = data.get("revoked_on") or today_in(tz)
    if not mandate.signed_on <= day <= today_in(tz):
        raise InvalidInput.field("revoked_on", f"Between the signature ({mandate.signed_on}) and today.")
    mandate.revoked_on = day
    session.flush()
    return mandate


# Direct debits --------------------------------------------------------------------------------


DEBITS = Resource(model=DirectDebit, label="direct debit", write_roles=STAFF, read_roles=STAFF_READERS)


def list_direct_debits(session: Session, principal: Principal, args: dict) -> dict:
    return DEBITS.list(session, principal, args)


def get_direct_debit(session: Session, principal: Principal, debit_id: int) -> DirectDebit:
    return DEBITS.get(session, principal, debit_id)


def _debit_candidates(session: Session, principal: Principal, data: dict) -> tuple[list[Invoice], bool]:
    """The invoices asked for, locked: a billing run's, or a chosen set (then every one must
    be collectable)."""
    stmt = select(Invoice).where(Invoice.coordination_id == principal.coordination_id,
                                 Invoice.kind == InvoiceKind.INVOICE)
    if data.get("invoice_ids"):
        ids = data["invoice_ids"]
        if len(set(ids)) != len(ids):
            raise InvalidInput.field("invoice_ids", "An invoice appears twice.")
        rows = {i.id: i for i in session.scalars(stmt.where(Invoice.id.in_(ids)).with_for_update())}
        missing = [i for i in ids if i not in rows]
        if missing:
            raise InvalidInput.field("invoice_ids", f"No invoice {missing[0]} in this coordination.")
        return [rows[i] for i in ids], True
    if data.get("billing_run_id") is None:
        raise InvalidInput.field("billing_run_id", "Give billing_run_id or invoice_ids.")
    rows = session.scalars(stmt.where(Invoice.billing_run_id == data["billing_run_id"])
                           .order_by(Invoice.number).with_for_update()).all()
    if not rows:
        raise InvalidInput.field("billing_run_id", f"No invoice in billing run {data['billing_run_id']}.")
    return list(rows), False


def create_direct_debit(session: Session, principal: Principal, data: dict, *, tz: ZoneInfo) -> DirectDebit:
    """One pain.008.001.02 file collecting the open invoices of mandated members.

    Each invoice is collected on the date it states ("prélevé le", its due date), or on
    ``collection_date``, never before tomorrow; under the member's mandate in force, FRST for a
    mandate's first file and RCUR after. A chosen invoice that cannot be collected, or a run
    with no mandated member, is refused (422) and nothing is written."""
    require(principal, *STAFF)
    coordination = session.get(Coordination, principal.coordination_id)
    if not coordination.sepa_creditor_id:
        raise InvalidInput.field("sepa_creditor_id", "Set the coordination's SEPA creditor identifier (ICS) first.")
    if not coordination.iban or not coordination.bic:
        raise InvalidInput.field("iban", "Set the coordination's IBAN and BIC first: the account credited.")
    invoices, chosen = _debit_candidates(session, principal, data)
    mandates = active_mandates(session, coordination.id, (i.member_id for i in invoices))
    today = today_in(tz)
    earliest = today + timedelta(days=1)
    if data.get("collection_date") is not None and data["collection_date"] < earliest:
        raise InvalidInput.field("collection_date", f"A collection is requested for {earliest} or later.")
    picked: list[tuple[Invoice, SepaMandate]] = []
    for invoice in invoices:
        why = None
        mandate = mandates.get(invoice.member_id)
        if invoice.status not in OPEN_STATUSES or invoice.remaining_cents <= 0:
            why = f"Invoice {invoice.number or invoice.id} has nothing left to collect."
        elif invoice.direct_debit_id is not None:
            why = f"Invoice {invoice.number} is already in direct debit {invoice.direct_debit_id}."
        elif mandate is None:
            why = f"Invoice {invoice.number}: its payer has no SEPA mandate in force."
        if why is None:
            picked.append((invoice, mandate))
        elif chosen:
            raise InvalidInput.field("invoice_ids", why)
    if not picked:
        raise InvalidInput.field("billing_run_id", "No invoice of a member with a SEPA mandate is left to collect.")
    collections = []
    for invoice, mandate in picked:
        when = data.get("collection_date") or max(invoice.debit_on or invoice.due_date, earliest)
        collections.append(document_part(f"invoice {invoice.number}", lambda i=invoice, m=mandate, w=when:
                                         lib.Collection(
            end_to_end_id=i.number, debtor_name=m.account_holder, iban=m.iban, bic=m.bic,
            mandate_reference=m.reference, mandate_signed_on=m.signed_on, sequence=m.sequence.value,
            amount_cents=i.remaining_cents, collection_date=w,
            remittance=f"Facture {i.number} {i.payment_reference or ''}".strip())))
    message_id, xml = document_part("direct_debit", lambda: lib.direct_debit_xml(
        creditor_name=coordination.legal_name, iban=coordination.iban, bic=coordination.bic,
        creditor_id=coordination.sepa_creditor_id, collections=collections))
    debit = DirectDebit(coordination_id=coordination.id, message_id=message_id, count=len(collections),
                        total_cents=sum(c.amount_cents for c in collections), xml=xml,
                        created_by_id=principal.user_id)
    session.add(debit)
    session.flush()
    for (invoice, mandate), collection in zip(picked, collections, strict=True):
        invoice.direct_debit_id, invoice.mandate_id = debit.id, mandate.id
        invoice.debit_on = collection.collection_date
    for mandate in {m.id: m for _i, m in picked}.values():
        mandate.sequence = MandateSequence.RECURRING
    session.flush()
    return debit


def debit_invoices(session: Session, debit: DirectDebit) -> list[Invoice]:
    return list(session.scalars(select(Invoice).where(Invoice.direct_debit_id == debit.id).order_by(Invoice.number)))


def transfer_of(session: Session, invoice: Invoice) -> lib.TransferRequest | None:
    """What an EPC QR code asks to pay now for an issued invoice: what remains, to the
    coordination's account, with the invoice's reference; none when it is collected by direct
    debit, fully settled, or the coordination has no IBAN."""
    if (invoice.kind != InvoiceKind.INVOICE or invoice.status not in OPEN_STATUSES or invoice.remaining_cents <= 0
            or not invoice.payment_reference or invoice.mandate_id is not None):
        return None
    coordination = session.get(Coordination, invoice.coordination_id)
    if not coordination.iban:
        return None
    return document_part("transfer", lambda: lib.TransferRequest(
        name=coordination.legal_name[:70], iban=coordination.iban, bic=coordination.bic,
        amount_cents=invoice.remaining_cents, reference=invoice.payment_reference))


# Overdue invoices and reminders ---------------------------------------------------------------


def late_figures(invoice: Invoice, coordination: Coordination, on: date) -> lib.LateFigures:
    """Days late, penalties and indemnity of an invoice on ``on``, at the rate it states."""
    rate = invoice.late_penalty_rate if invoice.late_penalty_rate is not None else coordination.late_penalty_rate
    return lib.LateFigures(due_date=invoice.due_date, on=on, remaining_cents=invoice.remaining_cents,
                           annual_rate=Decimal(rate))


def _overdue_stmt(on: date):
    return (select(Invoice).where(Invoice.kind == InvoiceKind.INVOICE, Invoice.status.in_(OPEN_STATUSES),
                                  Invoice.due_date < on)
            .order_by(Invoice.due_date, Invoice.number))


def _sent_levels(session: Session, ids: list[int]) -> dict[int, set[int]]:
    sent: dict[int, set[int]] = {}
    if ids:
        for invoice_id, level in session.execute(select(InvoiceReminder.invoice_id, InvoiceReminder.level)
                                                 .where(InvoiceReminder.invoice_id.in_(ids))):
            sent.setdefault(invoice_id, set()).add(level)
    return sent


def _next_level(coordination: Coordination, days_late: int, sent: set[int]) -> int | None:
    """The reminder the schedule calls for now: the first after ``reminder_first_days``, the
    second after ``reminder_second_days`` once the first was sent."""
    if 1 not in sent:
        return 1 if days_late >= coordination.reminder_first_days else None
    if 2 not in sent and days_late >= coordination.reminder_second_days:
        return 2
    return None


def overdue(session: Session, principal: Principal, *, tz: ZoneInfo, on: date | None = None) -> list[dict]:
    """Every invoice past its due date with something left to pay: days late, the penalties
    and the indemnity it states, the reminders sent and the one the schedule calls for."""
    require(principal, *READERS)
    on = today_in(tz) if on is None else on
    coordination = session.get(Coordination, principal.coordination_id)
    stmt = own_member_only(principal, _overdue_stmt(on).where(Invoice.coordination_id == coordination.id),
                           Invoice.member_id)
    rows = [i for i in session.scalars(stmt) if i.remaining_cents > 0]
    sent = _sent_levels(session, [i.id for i in rows])
    out = []
    for invoice in rows:
        late = late_figures(invoice, coordination, on)
        levels = sent.get(invoice.id, set())
        out.append({"invoice_id": invoice.id, "number": invoice.number, "member_id": invoice.member_id,
                    "funder_id": invoice.funder_id, "customer": customer_party_name(invoice),
                    "issue_date": invoice.issue_date, "due_date": invoice.due_date, "days_late": late.days_late,
                    "remaining_cents": late.remaining_cents, "penalty_cents": late.penalty_cents,
                    "indemnity_cents": late.indemnity_cents, "total_cents": late.total_cents,
                    "payment_reference": invoice.payment_reference, "reminders_sent": sorted(levels),
                    "reminder_due": _next_level(coordination, late.days_late, levels)})
    return out


def customer_party_name(invoice: Invoice) -> str:
    return invoice.member.legal_name if invoice.member is not None else invoice.funder.name


@dataclass(frozen=True)
class DueReminder:
    """A reminder the schedule calls for (what the scheduler sends)."""

    coordination_id: int
    invoice_id: int
    level: int
    on: date


def due_reminders(session: Session, now: datetime, *, tz: ZoneInfo = PARIS) -> list[DueReminder]:
    """Every reminder due at ``now`` across coordinations, by each one's schedule: the first
    ``reminder_first_days`` after the due date, the second ``reminder_second_days`` after it
    (once the first was sent). Sending one (``send_reminder``) removes it from this list."""
    on = now.astimezone(tz).date()
    coordinations = {c.id: c for c in session.scalars(select(Coordination))}
    rows = [i for i in session.scalars(_overdue_stmt(on)) if i.remaining_cents > 0]
    sent = _sent_levels(session, [i.id for i in rows])
    due = []
    for invoice in rows:
        level = _next_level(coordinations[invoice.coordination_id], (on - invoice.due_date).days,
                            sent.get(invoice.id, set()))
        if level is not None:
            due.append(DueReminder(invoice.coordination_id, invoice.id, level, on))
    return due


def _reminder_document(session: Session, invoice: Invoice, coordination: Coordination, level: int,
                       on: date) -> lib.Reminder:
    late = late_figures(invoice, coordination, on)
    issuer = issuer_party(coordination)
    customer = customer_party(invoice)

    def build() -> lib.Reminder:
        transfer = None
        if coordination.iban and invoice.payment_reference and invoice.direct_debit_id is None:
            transfer = lib.TransferRequest(name=issuer.legal_name[:70], iban=coordination.iban, bic=coordination.bic,
                                           amount_cents=late.total_cents, reference=invoice.payment_reference)
        return lib.Reminder(issuer=issuer, customer=customer, level=level, invoice_number=invoice.number,
                            issue_date=invoice.issue_date, total_cents=invoice.total_cents, late=late,
                            payment_reference=invoice.payment_reference or "", transfer=transfer)

    return document_part("reminder", build)


def send_reminder(session: Session, invoice: Invoice, level: int, on: date) -> InvoiceReminder:
    """Render and keep the reminder letter of ``level`` for an overdue invoice."""
    coordination = session.get(Coordination, invoice.coordination_id)
    document = _reminder_document(session, invoice, coordination, level, on)
    pdf = lib.render_reminder(document, logo=logo_of(session, coordination.id))
    late = document.late
    reminder = InvoiceReminder(coordination_id=coordination.id, invoice_id=invoice.id, level=level, sent_on=on,
                               days_late=late.days_late, remaining_cents=late.remaining_cents,
                               penalty_cents=late.penalty_cents, indemnity_cents=late.indemnity_cents, pdf=pdf)
    session.add(reminder)
    session.flush()
    return reminder


def send_due_reminders(session: Session, now: datetime, *, tz: ZoneInfo = PARIS) -> list[InvoiceReminder]:
    """What the scheduler runs: every reminder due now, rendered and kept (the caller commits)."""
    sent = []
    for due in due_reminders(session, now, tz=tz):
        invoice = session.get(Invoice, due.invoice_id, with_for_update=True)
        sent.append(send_reminder(session, invoice, due.level, due.on))
    return sent


def create_reminder(session: Session, principal: Principal, invoice_id: int, *, tz: ZoneInfo) -> InvoiceReminder:
    """Send the next reminder of an overdue invoice now, ahead of the schedule if need be."""
    invoice = _locked(session, principal, invoice_id)
    on = today_in(tz)
    if (invoice.kind != InvoiceKind.INVOICE or invoice.status not in OPEN_STATUSES or invoice.remaining_cents <= 0
            or invoice.due_date >= on):
        raise InvalidInput.field("invoice_id", f"Invoice {invoice.number or invoice.id} is not overdue.")
    sent = _sent_levels(session, [invoice.id]).get(invoice.id, set())
    if sent >= {1, 2}:
        raise Conflict(f"Both reminders of invoice {invoice.number} were sent.")
    return send_reminder(session, invoice, 1 if 1 not in sent else 2, on)


def list_reminders(session: Session, principal: Principal, invoice_id: int) -> list[InvoiceReminder]:
    from .invoicing import get_invoice

    invoice = get_invoice(session, principal, invoice_id)
    return list(session.scalars(select(InvoiceReminder).where(InvoiceReminder.invoice_id == invoice.id)
                                .order_by(InvoiceReminder.level)))


def reminder_pdf(session: Session, principal: Principal, invoice_id: int, level: int) -> InvoiceReminder:
    for reminder in list_reminders(session, principal, invoice_id):
        if reminder.level == level:
            return reminder
    raise NotFound(f"No reminder {level} of invoice {invoice_id}.")


# Refunds --------------------------------------------------------------------------------------


def refundable_cents(session: Session, note: Invoice) -> int:
    """What may still be paid back on a credit note: what it credited beyond what remained to
    pay on its invoice (money received), less what was refunded already."""
    if note.kind != InvoiceKind.CREDIT_NOTE or note.original is None:
        return 0
    original = note.original
    refunded = session.scalar(select(func.coalesce(func.sum(Invoice.refunded_cents), 0)).where(
        Invoice.original_id == original.id, Invoice.kind == InvoiceKind.CREDIT_NOTE))
    overpaid = original.paid_cents + original.credited_cents - original.total_cents - refunded
    return max(min(note.total_cents - note.refunded_cents, overpaid), 0)


def record_refund(session: Session, principal: Principal, credit_note_id: int, data: dict, *,
                  tz: ZoneInfo) -> Refund:
    """Pay back (part of) a credit note of an invoice that was paid: never more than was paid
    and credited (422). Until refunded, it is a credit on the member's account."""
    note = _locked(session, principal, credit_note_id)
    if note.kind != InvoiceKind.CREDIT_NOTE:
        raise InvalidInput.field("credit_note_id", f"{note.number or note.id} is not a credit note: refund a "
                                                   "credit note of the invoice.")
    amount = data["amount_cents"]
    if amount <= 0:
        raise InvalidInput.field("amount", "A refund is a positive amount.")
    refundable = refundable_cents(session, note)
    if amount > refundable:
        raise InvalidInput.field("amount", f"{format_cents(amount)} € exceeds what was paid and credited by "
                                           f"{note.number} ({format_cents(refundable)} € may be refunded).")
    if not note.issue_date <= data["paid_on"] <= today_in(tz):
        raise InvalidInput.field("paid_on", f"Between the credit note's date ({note.issue_date}) and today.")
    if data["method"] not in PAYMENT_METHODS:
        raise InvalidInput.field("method", f"One of {', '.join(PAYMENT_METHODS)}.")
    refund = Refund(coordination_id=note.coordination_id, credit_note_id=note.id, amount_cents=amount,
                    paid_on=data["paid_on"], method=data["method"], reference=data.get("reference") or "",
                    created_by_id=principal.user_id)
    session.add(refund)
    note.refunded_cents += amount
    session.flush()
    return refund


def refunds_of(session: Session, note: Invoice) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.credit_note_id == note.id).order_by(Refund.id)))

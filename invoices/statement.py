"""Member statements: what a treasurer owes, what is overdue, and how it adds up.

Credit notes settle the invoice they cite; a payment settles the invoice it names, otherwise the
oldest open invoices first. A credit note of an invoice already paid leaves a credit on the
account, which a refund pays back. Every figure is integer cents and reproducible from the entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from .exceptions import DocumentError
from .model import Party, _cents, _date, _set, _text


class EntryKind(Enum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    REFUND = "refund"  # money paid back to the member (of a credit beyond what was due)


@dataclass(frozen=True)
class StatementEntry:
    """One movement on the member's account; ``amount_cents`` is always positive."""

    kind: EntryKind
    entry_date: date
    reference: str
    label: str
    amount_cents: int
    due_date: date | None = None
    invoice_reference: str | None = None
    #: an invoice's period (first and last day), so a reader can word it in its own language
    period: tuple[date, date] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, EntryKind):
            raise DocumentError("kind: expected an EntryKind")
        _date(self.entry_date, "entry_date")
        _text(self.reference, "reference", max_len=35)
        _text(self.label, "label", max_len=200)
        if _cents(self.amount_cents, "amount_cents") <= 0:
            raise DocumentError("amount_cents: an entry amount is positive")
        if self.kind is EntryKind.INVOICE and self.due_date is None:
            raise DocumentError("due_date: an invoice entry has a due date")
        if self.kind is EntryKind.CREDIT_NOTE and not self.invoice_reference:
            raise DocumentError("invoice_reference: a credit note cites the invoice it corrects")
        if self.period is not None:
            _date(self.period[0], "period")
            _date(self.period[1], "period")
            if self.period[1] < self.period[0]:
                raise DocumentError("period: it ends before it starts")

    @property
    def signed_cents(self) -> int:
        """Positive for what the member owes, negative for what reduces it."""
        return self.amount_cents if self.kind in (EntryKind.INVOICE, EntryKind.REFUND) else -self.amount_cents


@dataclass(frozen=True)
class OpenItem:
    """An invoice with something left to pay on the statement date."""

    reference: str
    issue_date: date
    due_date: date
    amount_cents: int
    remaining_cents: int
    overdue: bool


@dataclass(frozen=True)
class StatementSummary:
    invoiced_cents: int
    credited_cents: int
    paid_cents: int
    balance_cents: int
    overdue_cents: int
    unallocated_cents: int
    open_items: tuple[OpenItem, ...]
    opening_balance_cents: int = 0
    refunded_cents: int = 0


@dataclass(frozen=True)
class Statement:
    """A member's account with the coordination on a given date.

    ``entries`` are every movement up to ``as_of``. With ``period_start`` the statement covers
    ``[period_start, as_of]``: what came before is the opening balance, the totals are the period's
    movements, and the balance is the closing balance (opening + invoiced - credited - paid).
    """

    issuer: Party
    member: Party
    as_of: date
    entries: tuple[StatementEntry, ...]
    period_start: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, Party) or not isinstance(self.member, Party):
            raise DocumentError("issuer, member: expected Party objects")
        _date(self.as_of, "as_of")
        if self.period_start is not None:
            _date(self.period_start, "period_start")
            if self.period_start > self.as_of:
                raise DocumentError("period_start: after the statement date")
        # same day: the invoice before what settles it, a refund last
        order = {EntryKind.INVOICE: 0, EntryKind.CREDIT_NOTE: 1, EntryKind.PAYMENT: 2, EntryKind.REFUND: 3}
        entries = tuple(sorted(self.entries, key=lambda e: (e.entry_date, order[e.kind])))
        refs = [e.reference for e in entries if e.kind is EntryKind.INVOICE]
        if len(refs) != len(set(refs)):
            raise DocumentError("entries: an invoice number appears twice")
        for i, e in enumerate(entries):
            if e.entry_date > self.as_of:
                raise DocumentError(f"entries[{i}].entry_date: after the statement date")
            if e.invoice_reference is not None and e.invoice_reference not in refs:
                raise DocumentError(
                    f"entries[{i}].invoice_reference: {e.invoice_reference} is not on the statement"
                )
        _set(self, "entries", entries)
        self.summary()  # refuses payments larger than their invoice, refunds larger than the credit

    def running_balances(self) -> list[int]:
        """Balance after each entry, in entry order."""
        balance, out = 0, []
        for e in self.entries:
            balance += e.signed_cents
            out.append(balance)
        return out

    def _in_period(self, e: StatementEntry) -> bool:
        return self.period_start is None or e.entry_date >= self.period_start

    @property
    def opening_balance_cents(self) -> int:
        """What the member owed when the period began (0 without a period)."""
        return sum(e.signed_cents for e in self.entries if not self._in_period(e))

    def period_entries(self) -> list[tuple[StatementEntry, int]]:
        """The period's movements, each with the running balance after it (from the opening balance)."""
        return [(e, b) for e, b in zip(self.entries, self.running_balances(), strict=True) if self._in_period(e)]

    def summary(self) -> StatementSummary:
        remaining: dict[str, int] = {}
        invoices = {}
        unallocated = 0
        settled: dict[str, dict[EntryKind, int]] = {}
        # an advance paid before the invoice it names is a credit on the account until then
        advances: dict[str, list[StatementEntry]] = {}
        for e in self.entries:
            if e.kind is EntryKind.REFUND:
                if e.amount_cents > unallocated:
                    raise DocumentError(
                        f"{e.reference}: a refund of {e.amount_cents} cents exceeds the credit on the "
                        f"account ({unallocated} cents)"
                    )
                unallocated -= e.amount_cents
            elif e.kind is EntryKind.INVOICE:
                remaining[e.reference] = e.amount_cents
                invoices[e.reference] = e
                for advance in advances.pop(e.reference, ()):
                    if advance.amount_cents > remaining[e.reference]:
                        raise DocumentError(
                            f"{advance.reference}: {advance.amount_cents} cents exceed what remains of "
                            f"{e.reference} ({remaining[e.reference]} cents)"
                        )
                    remaining[e.reference] -= advance.amount_cents
            elif e.invoice_reference is not None and e.invoice_reference not in remaining:
                advances.setdefault(e.invoice_reference, []).append(e)
            elif e.invoice_reference is not None:
                # payments and credit notes each settle at most the invoice's amount; together
                # they may exceed it (an invoice paid, then credited): the excess is a credit on
                # the account
                ref = e.invoice_reference
                tally = settled.setdefault(ref, {EntryKind.PAYMENT: 0, EntryKind.CREDIT_NOTE: 0})
                tally[e.kind] += e.amount_cents
                if tally[e.kind] > invoices[ref].amount_cents:
                    what = "credit notes" if e.kind is EntryKind.CREDIT_NOTE else "payments"
                    raise DocumentError(
                        f"{e.reference}: {what} of {tally[e.kind]} cents exceed what remains of "
                        f"{ref} ({invoices[ref].amount_cents} cents invoiced)"
                    )
                take = min(e.amount_cents, remaining[ref])
                remaining[ref] -= take
                unallocated += e.amount_cents - take
            else:
                left = e.amount_cents + unallocated
                unallocated = 0
                for ref in remaining:  # oldest first: invoices were inserted in date order
                    take = min(left, remaining[ref])
                    remaining[ref] -= take
                    left -= take
                unallocated = left
        # Payments received before an invoice existed settle it now, oldest first.
        for ref in remaining:
            take = min(unallocated, remaining[ref])
            remaining[ref] -= take
            unallocated -= take
        open_items = tuple(
            OpenItem(
                reference=ref,
                issue_date=invoices[ref].entry_date,
                due_date=invoices[ref].due_date,
                amount_cents=invoices[ref].amount_cents,
                remaining_cents=left,
                overdue=invoices[ref].due_date < self.as_of,
            )
            for ref, left in remaining.items()
            if left
        )
        total = {k: sum(e.amount_cents for e in self.entries if e.kind is k and self._in_period(e))
                 for k in EntryKind}
        return StatementSummary(
            invoiced_cents=total[EntryKind.INVOICE],
            credited_cents=total[EntryKind.CREDIT_NOTE],
            paid_cents=total[EntryKind.PAYMENT],
            balance_cents=sum(e.signed_cents for e in self.entries),
            overdue_cents=sum(o.remaining_cents for o in open_items if o.overdue),
            unallocated_cents=unallocated,
            open_items=open_items,
            opening_balance_cents=self.opening_balance_cents,
            refunded_cents=total[EntryKind.REFUND],
        )

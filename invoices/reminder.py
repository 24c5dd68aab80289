"""Reminder letters for overdue invoices (first and second reminder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .exceptions import DocumentError
from .model import Party, _date, _text
from .payment import LateFigures, TransferRequest


@dataclass(frozen=True)
class Reminder:
    """A reminder of ``level`` 1 or 2 about one invoice, with the late figures of ``late.on``."""

    issuer: Party
    customer: Party
    level: int
    invoice_number: str
    issue_date: date
    total_cents: int
    late: LateFigures
    payment_reference: str = ""
    transfer: TransferRequest | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, Party) or not isinstance(self.customer, Party):
            raise DocumentError("issuer, customer: expected Party objects")
        if self.level not in (1, 2):
            raise DocumentError(f"level: a first (1) or second (2) reminder, got {self.level!r}")
        _text(self.invoice_number, "invoice_number", max_len=35)
        _date(self.issue_date, "issue_date")
        if self.late.days_late <= 0:
            raise DocumentError("late: the invoice is not overdue on the reminder's date")
        if self.late.remaining_cents <= 0:
            raise DocumentError("late.remaining_cents: nothing remains to pay")

    @property
    def sent_on(self) -> date:
        return self.late.on

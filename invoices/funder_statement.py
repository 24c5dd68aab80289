"""Funders' statements: what a funder's parts paid for — the deductions it took on members'
invoices — per period, per source and per member. Every figure is integer cents and adds up to
the total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .exceptions import DocumentError
from .model import Party, _cents, _date, _text


@dataclass(frozen=True)
class FundedPart:
    """One deduction: the funder's part of a member's charge on an invoice."""

    period: date  # the first day of the month the invoice's service falls in
    source: str  # what kind of service: "Frais d'entrepôt", "Réservation de véhicule"...
    member: str
    invoice_reference: str
    label: str
    amount_cents: int

    def __post_init__(self) -> None:
        _date(self.period, "period")
        _text(self.source, "source", max_len=120)
        _text(self.member, "member", max_len=200)
        _text(self.invoice_reference, "invoice_reference", max_len=35)
        if _cents(self.amount_cents, "amount_cents") <= 0:
            raise DocumentError("amount_cents: a funded part is positive")


@dataclass(frozen=True)
class FunderStatement:
    issuer: Party
    funder: str
    start: date
    end: date
    parts: tuple[FundedPart, ...]

    def __post_init__(self) -> None:
        _text(self.funder, "funder", max_len=200)
        if self.end < self.start:
            raise DocumentError("end: the period ends before it starts")

    @property
    def total_cents(self) -> int:
        return sum(p.amount_cents for p in self.parts)

    def _by(self, key) -> list[tuple[object, int]]:
        sums: dict[object, int] = {}
        for p in self.parts:
            sums[key(p)] = sums.get(key(p), 0) + p.amount_cents
        return sorted(sums.items(), key=lambda kv: kv[0])

    def by_period(self) -> list[tuple[date, int]]:
        return self._by(lambda p: p.period)

    def by_source(self) -> list[tuple[str, int]]:
        return self._by(lambda p: p.source)

    def by_period_and_source(self) -> list[tuple[tuple[date, str], int]]:
        return self._by(lambda p: (p.period, p.source))

    def by_member(self) -> list[tuple[str, int]]:
        return self._by(lambda p: p.member)

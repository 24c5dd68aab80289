"""Bank statements imported from the bank (CAMT.053 or a French bank's CSV), their lines, and
the credits on a customer's account that overpayments leave."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import enum_column
from .directory import Funder, Member

if TYPE_CHECKING:
    from .invoices import Payment


class BankLineState(enum.StrEnum):
    UNMATCHED = "unmatched"  # a credit waiting for a person: match it to an invoice or ignore it
    MATCHED = "matched"  # recorded as payments (and perhaps a credit on the account)
    IGNORED = "ignored"  # a person said it pays no invoice
    DEBIT = "debit"  # money going out: kept for the record, never matched


class BankStatement(Base):
    """One imported file. The same file imported again is this same statement (its SHA-256)."""

    __tablename__ = "bank_statement"
    __table_args__ = (UniqueConstraint("coordination_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    file_format: Mapped[str] = mapped_column(String(40))  # camt.053.001.02, csv:credit_agricole...
    statement_id: Mapped[str] = mapped_column(String(140), default="")  # the bank's Stmt/Id
    account_iban: Mapped[str] = mapped_column(String(34), default="")
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    lines_count: Mapped[int] = mapped_column(default=0)  # lines this import created
    duplicates_count: Mapped[int] = mapped_column(default=0)  # lines already known from an earlier import
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankLine(Base):
    """One booked movement of the account. ``line_key`` identifies it across imports: the bank's
    own reference (AcctSvcrRef) when it gives one, else a hash of what the line says."""

    __tablename__ = "bank_line"
    __table_args__ = (
        UniqueConstraint("coordination_id", "line_key"),
        CheckConstraint("amount_cents <> 0", name="nonzero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), index=True)
    line_key: Mapped[str] = mapped_column(String(200))
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # positive: credit (received), negative: debit
    counterparty_name: Mapped[str] = mapped_column(String(200), default="")
    counterparty_iban: Mapped[str] = mapped_column(String(34), default="")
    remittance: Mapped[str] = mapped_column(Text, default="")  # what the payer wrote, and the bank's label
    bank_reference: Mapped[str] = mapped_column(String(140), default="")
    state: Mapped[BankLineState] = mapped_column(enum_column(BankLineState, "bank_line_state"), index=True)
    match_rule: Mapped[str] = mapped_column(String(20), default="")  # reference, amount_payer, manual
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)  # who paid, once known
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funder.id"), index=True)
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payments: Mapped[list[Payment]] = relationship(order_by="Payment.id", viewonly=True)


class AccountCredit(Base):
    """What a customer paid beyond its invoices: applied, oldest first, as a payment on its
    next issued invoices until nothing remains."""

    __tablename__ = "account_credit"
    __table_args__ = (
        CheckConstraint("(member_id IS NULL) <> (funder_id IS NULL)", name="one_customer"),
        CheckConstraint("remaining_cents >= 0 AND remaining_cents <= amount_cents", name="remaining"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funder.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    remaining_cents: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    bank_line_id: Mapped[int | None] = mapped_column(ForeignKey("bank_line.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member | None] = relationship()
    funder: Mapped[Funder | None] = relationship()

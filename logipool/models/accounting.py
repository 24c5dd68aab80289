"""The coordination's chart of accounts for the accounting export (FEC)."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class ChartOfAccounts(Base):
    """The accounts a coordination's entries are written to; what it leaves out keeps the
    default (``services.accounting.DEFAULT_CHART``)."""

    __tablename__ = "chart_of_accounts"

    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), primary_key=True)
    accounts: Mapped[dict] = mapped_column(JSON, default=dict)

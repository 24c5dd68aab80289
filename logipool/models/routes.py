"""Route plans: pooled delivery rounds and how their cost is shared."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from .base import enum_column


class PlanStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SOLVED = "solved"
    FAILED = "failed"
    ACCEPTED = "accepted"
    EXECUTED = "executed"


class RoutePlan(Base):
    """A day's shared pickup and delivery routes: the problem built from bookings and sites,
    the solver's progress while it runs, then the checked plan, its cost shares and its maps."""

    __tablename__ = "route_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "plan_status"))
    share_method: Mapped[str] = mapped_column(String(40))
    time_limit_s: Mapped[int]
    seed: Mapped[int] = mapped_column(default=0)
    problem: Mapped[dict] = mapped_column(JSON)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    geojson: Mapped[dict | None] = mapped_column(JSON)
    svg: Mapped[str | None] = mapped_column(Text)
    runsheet_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the worker's last sign of life
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

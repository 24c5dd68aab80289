"""Background jobs: what the task queue was asked to do, for whom, and how it went; the workers seen."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from .base import enum_column


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(Base):
    """One piece of background work. The row, not the queue's message, is the truth: a worker
    runs a job only after moving it from queued to running (one conditional update), so a message
    delivered twice runs once; a running job's worker beats on ``heartbeat_at``."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int | None] = mapped_column(ForeignKey("coordination.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(60))
    # one job per key (e.g. a month's billing draft of a coordination): a second request finds the first
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    acting_as: Mapped[dict | None] = mapped_column(JSON)  # the principal the job acts for
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "job_state"), index=True)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    result_url: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[dict | None] = mapped_column(JSON)  # problem fields: status, title, detail, errors
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    time_limit_s: Mapped[int] = mapped_column(default=600)
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the worker running it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QueueWorker(Base):
    """A worker process as it last reported itself (``/healthz`` counts those seen recently)."""

    __tablename__ = "queue_worker"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

"""Background jobs: adding one to a transaction, the state moves of its row, the reaper's rules.

A job's row moves queued → running → succeeded | failed, each move one conditional update on
the row's state and attempt number, so two workers never both run a job, and a worker that lost
its job (the reaper gave it up) cannot record a result. Services flush, never commit: the
caller's transaction carries the job, and the queue's message is sent once it commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..auth import READERS, Principal, require
from ..db import utcnow
from ..errors import NotFound
from ..models import Job, JobState, QueueWorker, Role
from ..queue import HANDLERS, JobLost

#: a queued job whose message has waited this long is sent again (a lost message; the claim makes
#: a duplicate harmless)
RESEND_AFTER = timedelta(minutes=10)


def acting_as(principal: Principal) -> dict:
    return {"user_id": principal.user_id, "email": principal.email, "grant_id": principal.grant_id,
            "coordination_id": principal.coordination_id, "role": principal.role.value,
            "member_id": principal.member_id, "platform_admin": principal.platform_admin,
            "token_id": principal.token_id}


def principal_of(data: dict) -> Principal:
    return Principal(**(data | {"role": Role(data["role"])}))


def system_principal(coordination_id: int) -> Principal:
    """The platform's own scheduled work acts as staff of the coordination, for no user."""
    return Principal(user_id=None, email="logipool", grant_id=0, coordination_id=coordination_id,  # type: ignore[arg-type]
                     role=Role.MANAGER, member_id=None, platform_admin=False, token_id=0)


def enqueue(session: Session, kind: str, params: dict, *, principal: Principal | None = None,
            coordination_id: int | None = None, dedupe_key: str | None = None,
            time_limit_s: int | None = None) -> Job:
    """Add a job to the session's transaction; its message is sent when the transaction commits.
    With ``dedupe_key``, a job already recorded under that key is returned instead, unless it
    failed (then it gives up the key to the new one)."""
    spec = HANDLERS[kind]
    if dedupe_key is not None:
        existing = session.scalars(select(Job).where(Job.dedupe_key == dedupe_key)).first()
        if existing is not None and existing.state != JobState.FAILED:
            return existing
        if existing is not None:
            existing.dedupe_key = None
            session.flush()
    job = Job(kind=kind, params=params, state=JobState.QUEUED, dedupe_key=dedupe_key,
              coordination_id=principal.coordination_id if principal else coordination_id,
              created_by_id=principal.user_id if principal else None,
              acting_as=acting_as(principal) if principal else None,
              max_attempts=spec.max_attempts, time_limit_s=time_limit_s or spec.time_limit_s,
              enqueued_at=utcnow(), progress={})
    if dedupe_key is not None:
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:  # recorded meanwhile by a concurrent transaction
            return session.scalars(select(Job).where(Job.dedupe_key == dedupe_key)).one()
    else:
        session.add(job)
    session.flush()
    session.info.setdefault("logipool.jobs", []).append(
        (current_app._get_current_object(), job.id, job.time_limit_s))
    return job


def _moved(session: Session, stmt) -> bool:
    return session.execute(stmt.execution_options(synchronize_session=False)).rowcount == 1


def claim(session: Session, job_id: int, worker: str) -> dict | None:
    """Take a queued job: the one worker whose update moves it to running runs it."""
    now = utcnow()
    if not _moved(session, update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED).values(
            state=JobState.RUNNING, attempts=Job.attempts + 1, worker=worker, started_at=now,
            heartbeat_at=now)):
        return None
    row = session.execute(select(Job.kind, Job.params, Job.coordination_id, Job.acting_as, Job.attempts,
                                 Job.time_limit_s).where(Job.id == job_id)).one()
    return dict(row._mapping)


def _mine(job_id: int, attempt: int):
    return update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING, Job.attempts == attempt)


def succeed(session: Session, job_id: int, attempt: int, outcome: dict) -> None:
    """Record success in the transaction of the job's work; a job no longer ours rolls it all back."""
    result = {k: v for k, v in outcome.items() if k != "url"}
    if not _moved(session, _mine(job_id, attempt).values(
            state=JobState.SUCCEEDED, result=result or None, result_url=outcome.get("url"), error=None,
            finished_at=utcnow())):
        raise JobLost(job_id)


def fail(session: Session, job_id: int, attempt: int, error: dict) -> bool:
    return _moved(session, _mine(job_id, attempt).values(state=JobState.FAILED, error=error, finished_at=utcnow()))


def requeue(session: Session, job_id: int, attempt: int, error: dict) -> bool:
    return _moved(session, _mine(job_id, attempt).values(state=JobState.QUEUED, error=error, worker=None,
                                                         enqueued_at=utcnow()))


def beat(session: Session, job_id: int, attempt: int) -> None:
    session.execute(_mine(job_id, attempt).values(heartbeat_at=utcnow())
                    .execution_options(synchronize_session=False))


def report_progress(session: Session, job_id: int, attempt: int, values: dict) -> None:
    session.execute(_mine(job_id, attempt).values(progress=values, heartbeat_at=utcnow())
                    .execution_options(synchronize_session=False))


def reap(session: Session, now: datetime, *, stale_after_s: float) -> dict:
    """Running jobs silent for ``stale_after_s`` lost their worker: queued again while attempts
    remain, else failed with the reason (and their subject marked by the job's failure hook).
    Running jobs past their time limit (plus the same grace) fail. Queued jobs waiting long are
    sent again. Returns what it did and the jobs to send (once this transaction commits)."""
    grace = timedelta(seconds=stale_after_s)
    running = session.scalars(select(Job).where(Job.state == JobState.RUNNING).with_for_update()).all()
    taken_up, failed, resend = [], [], []
    for job in running:
        silent = (job.heartbeat_at or job.started_at or job.created_at) < now - grace
        overdue = job.started_at is not None and job.started_at + timedelta(seconds=job.time_limit_s) + grace < now
        if not (silent or overdue):
            continue
        spec = HANDLERS.get(job.kind)
        if overdue:
            error = {"status": 504, "slug": "job-time-limit",
                     "detail": f"The job exceeded its time limit ({job.time_limit_s} s) and was stopped."}
        else:
            error = {"status": 503, "slug": "job-worker-lost",
                     "detail": f"The worker {job.worker} stopped answering during attempt {job.attempts} "
                               f"of {job.max_attempts}."}
        if silent and not overdue and job.attempts < job.max_attempts:
            job.state, job.error, job.worker, job.enqueued_at = JobState.QUEUED, error, None, now
            taken_up.append(job.id)
            resend.append((job.id, job.time_limit_s))
            continue
        job.state, job.error, job.finished_at = JobState.FAILED, error, now
        failed.append(job.id)
        if spec and spec.on_failure:
            spec.on_failure(session, job.params, error)
    waiting = session.scalars(select(Job).where(Job.state == JobState.QUEUED, Job.enqueued_at < now - RESEND_AFTER,
                                                Job.id.not_in(taken_up or [0]))).all()
    for job in waiting:
        job.enqueued_at = now
        resend.append((job.id, job.time_limit_s))
    session.flush()
    return {"taken_up": taken_up, "failed": failed, "resent": [j.id for j in waiting], "resend": resend}


def note_worker(session: Session, name: str, *, started: bool = False) -> None:
    row = session.get(QueueWorker, name)
    now = utcnow()
    if row is None:
        session.add(QueueWorker(name=name, started_at=now, seen_at=now))
    else:
        row.seen_at = now
        if started:
            row.started_at = now
    session.flush()


def workers_seen(session: Session, within: timedelta) -> int:
    return session.scalar(select(func.count()).select_from(QueueWorker)
                          .where(QueueWorker.seen_at >= utcnow() - within)) or 0


def get_job(session: Session, principal: Principal, job_id: int) -> Job:
    """A job of the principal's coordination (another coordination's is not found)."""
    require(principal, *READERS)
    job = session.get(Job, job_id)
    if job is None or job.coordination_id != principal.coordination_id:
        raise NotFound(f"No job {job_id} here.")
    if principal.role in (Role.MEMBER_REP, Role.TREASURER) and job.created_by_id != principal.user_id:
        raise NotFound(f"No job {job_id} here.")
    return job

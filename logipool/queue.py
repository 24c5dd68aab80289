"""The task queue: background jobs on Huey, run by ``logipool worker`` processes on any host.

Huey carries messages ("run job 17") through its storage: a SQLite file in the instance folder
by default (``make run`` needs no other server), Redis in production (``LOGIPOOL_QUEUE_URL=
redis://…``), or ``immediate`` (each job runs in the process that committed it: tests, one-off
scripts). The ``job`` table, in the application's database, is the truth every web server
reads: a worker runs a job only after moving its row from queued to running, so a message
delivered twice runs once; the job's own work commits in the same transaction that marks it
succeeded, so a job that dies half-way leaves nothing behind and can run again.

A capability declares its jobs with :func:`handler` and its scheduled work with
:func:`periodic`; :func:`enqueue` (in services) adds a job to the caller's transaction and sends
its message once that transaction commits — never for a rolled-back change.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.exceptions import TaskTimeout
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from .db import database, utcnow
from .errors import ServiceError

log = logging.getLogger("logipool.queue")

__all__ = ["Handler", "JobContext", "JobLost", "crontab", "handler", "periodic", "HANDLERS", "PERIODIC",
           "init_app", "queue_of", "worker_name", "Transient", "listen", "LISTENERS"]


class JobLost(RuntimeError):
    """The job is no longer this worker's (the reaper gave it up or another worker took it)."""


class Transient(RuntimeError):
    """A failure worth retrying later (a service raises it for a resource briefly unavailable)."""


@dataclass
class JobContext:
    """What a job's code receives: its parameters, the principal it acts for, a progress report."""

    app: Flask
    job_id: int
    attempt: int
    kind: str
    params: dict
    coordination_id: int | None
    acting_as: dict | None
    _last_progress: float = field(default=0.0, repr=False)

    def progress(self, values: dict, *, every_s: float = 1.0) -> None:
        """Record the job's progress (at most once per ``every_s`` seconds, in its own short transaction)."""
        from .services import jobs as svc

        if time.monotonic() - self._last_progress < every_s:
            return
        self._last_progress = time.monotonic()
        with database(self.app).session() as s:
            svc.report_progress(s, self.job_id, self.attempt, values)
            s.commit()


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Callable[[Session, JobContext], dict | None]
    max_attempts: int
    time_limit_s: int
    on_failure: Callable[[Session, dict, dict], None] | None  # (session, job params, error)


HANDLERS: dict[str, Handler] = {}
PERIODIC: dict[str, tuple[crontab, Callable[[Session, datetime], dict]]] = {}
LISTENERS: dict[str, list[Callable[[Session, dict], None]]] = {}


def handler(kind: str, *, max_attempts: int = 3, time_limit_s: int = 600,
            on_failure: Callable[[Session, dict, dict], None] | None = None):
    """Declare the code of a kind of job: ``run(session, ctx)`` does the work in ``session``
    (which the runner commits with the job's success) and returns the job's result, a dict
    whose ``url`` key, if any, is the result's link. ``on_failure`` marks the job's subject when
    the job fails for good (the runner's or the reaper's decision)."""

    def register(fn):
        HANDLERS[kind] = Handler(kind, fn, max_attempts, time_limit_s, on_failure)
        return fn

    return register


def periodic(name: str, schedule: crontab):
    """Declare scheduled work, ``fn(session, now) -> summary``, run by the workers on ``schedule``
    (Huey's crontab, in UTC). It may add jobs with :func:`services.jobs.enqueue`."""

    def register(fn):
        PERIODIC[name] = (schedule, fn)
        return fn

    return register


def listen(event: str):
    """Subscribe ``fn(session, params)`` to an event handed out by ``notify`` jobs
    (``invoice.due_soon``, ``invoice.overdue``, ``cycle.closing_soon``); it runs in the job's
    transaction, committed with its success, retried with it."""

    def register(fn):
        LISTENERS.setdefault(event, []).append(fn)
        return fn

    return register


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _huey(app: Flask):
    url = str(app.config.get("QUEUE_URL") or "")
    name = str(app.config["QUEUE_NAME"])
    if url == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, blocking=True, read_timeout=1, results=False)
    if url == "memory://":
        return MemoryHuey(name, results=False)
    path = url.removeprefix("sqlite:///") if url else str(Path(app.instance_path) / "queue.sqlite")
    return SqliteHuey(name, filename=path, results=False)


class Queue:
    """The application's Huey instance, its one task (run a job) and the periodic tasks."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = _huey(app)
        self.stale_after_s = float(app.config["JOB_STALE_AFTER_S"])
        self.heartbeat_s = float(app.config["JOB_HEARTBEAT_S"])
        self.retry_delay_s = float(app.config["JOB_RETRY_DELAY_S"])
        huey = self.huey

        @huey.task(name="logipool.run_job")
        def run_job_task(job_id: int) -> None:
            self.run(job_id)

        self._task = run_job_task
        for name, (schedule, fn) in PERIODIC.items():
            huey.periodic_task(schedule, name=f"logipool.{name}")(self._scheduled(name, fn))
        huey.periodic_task(crontab(), name="logipool.reap")(self.reap)

    @property
    def backend(self) -> str:
        return "immediate" if self.immediate else type(self.huey.storage).__name__.removesuffix("Storage").lower()

    @property
    def immediate(self) -> bool:
        return self.huey.immediate

    def send(self, job_id: int, *, delay_s: float | None = None, time_limit_s: int | None = None) -> None:
        """Put the message for job ``job_id`` on the queue (after the job's row is committed)."""
        if delay_s and not self.immediate:
            self._task.schedule((job_id,), delay=delay_s, timeout=time_limit_s)
        else:
            self.huey.enqueue(self._task.s(job_id, timeout=time_limit_s))

    def _scheduled(self, name: str, fn: Callable):
        def run_scheduled() -> None:
            self.run_periodic(name, fn, utcnow())

        run_scheduled.__name__ = name
        return run_scheduled

    def run_periodic(self, name: str, fn: Callable, now: datetime) -> dict:
        """Scheduled work in one transaction (its jobs are sent once it commits)."""
        with self.app.app_context(), database(self.app).session() as s:
            summary = fn(s, now)
            s.commit()
        log.info("periodic %s: %s", name, summary)
        return summary

    # running a job -------------------------------------------------------------------------

    def run(self, job_id: int) -> None:
        from .services import jobs as svc

        db = database(self.app)
        with self.app.app_context():
            with db.session() as s:
                claimed = svc.claim(s, job_id, worker_name())
                s.commit()
            if claimed is None:
                return  # done, taken by another worker, or never committed
            ctx = JobContext(self.app, job_id, claimed["attempts"], claimed["kind"], claimed["params"],
                             claimed["coordination_id"], claimed["acting_as"])
            spec = HANDLERS.get(ctx.kind)
            beating = threading.Event()
            beat = threading.Thread(target=self._beat, args=(ctx, beating), daemon=True,
                                    name=f"job-{job_id}-heartbeat")
            beat.start()
            try:
                if spec is None:
                    raise ServiceError(f"No code for jobs of kind {ctx.kind!r} on this worker.")
                with db.session() as s:
                    outcome = spec.run(s, ctx) or {}
                    svc.succeed(s, job_id, ctx.attempt, outcome)
                    s.commit()
            except JobLost:
                log.warning("job %s: no longer ours, its work was rolled back", job_id)
            except (OperationalError, Transient) as exc:
                self._retry_or_fail(ctx, spec, exc)
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    self._retry_or_fail(ctx, spec, exc)
                else:
                    self._fail(ctx, spec, _error_of(exc))
            except TaskTimeout:
                self._fail(ctx, spec, {"status": 504, "slug": "job-time-limit",
                                       "detail": f"The job exceeded its time limit ({claimed['time_limit_s']} s)."})
            except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job, never lost
                if not isinstance(exc, ServiceError):
                    log.exception("job %s (%s) failed", job_id, ctx.kind)
                self._fail(ctx, spec, _error_of(exc))
            finally:
                beating.set()
                beat.join()

    def _beat(self, ctx: JobContext, stop: threading.Event) -> None:
        from .services import jobs as svc

        while not stop.wait(self.heartbeat_s):
            try:
                with database(self.app).session() as s:
                    svc.beat(s, ctx.job_id, ctx.attempt)
                    s.commit()
            except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                log.warning("job %s: heartbeat not recorded", ctx.job_id, exc_info=True)

    def _retry_or_fail(self, ctx: JobContext, spec: Handler | None, exc: Exception) -> None:
        from .services import jobs as svc

        error = {"status": 503, "slug": "job-transient-error", "detail": f"{type(exc).__name__}: {exc}"[:2000]}
        limit = spec.max_attempts if spec else 1
        if ctx.attempt >= limit:
            error["detail"] = f"Failed {ctx.attempt} times; last error: {error['detail']}"
            return self._fail(ctx, spec, error)
        delay = self.retry_delay_s * 2 ** (ctx.attempt - 1)
        with database(self.app).session() as s:
            requeued = svc.requeue(s, ctx.job_id, ctx.attempt, error)
            s.commit()
        if requeued:
            log.warning("job %s: transient error, attempt %s of %s, again in %.0f s", ctx.job_id, ctx.attempt,
                        limit, delay)
            self.send(ctx.job_id, delay_s=delay, time_limit_s=spec.time_limit_s if spec else None)

    def _fail(self, ctx: JobContext, spec: Handler | None, error: dict) -> None:
        from .services import jobs as svc

        with database(self.app).session() as s:
            if svc.fail(s, ctx.job_id, ctx.attempt, error) and spec and spec.on_failure:
                spec.on_failure(s, ctx.params, error)
            s.commit()

    # the reaper ----------------------------------------------------------------------------

    def reap(self, now: datetime | None = None) -> dict:
        """Jobs whose worker went silent are taken up again (or failed once out of attempts);
        jobs past their time limit fail; queued jobs whose message was lost are sent again."""
        from .services import jobs as svc

        with self.app.app_context(), database(self.app).session() as s:
            outcome = svc.reap(s, now or utcnow(), stale_after_s=self.stale_after_s)
            s.commit()
        for job_id, limit in outcome["resend"]:
            self.send(job_id, time_limit_s=limit)
        return outcome

    # health --------------------------------------------------------------------------------

    def pending_count(self) -> int:
        return self.huey.pending_count()

    def note_worker(self, name: str, *, started: bool = False) -> None:
        from .services import jobs as svc

        with database(self.app).session() as s:
            svc.note_worker(s, name, started=started)
            s.commit()


def _error_of(exc: Exception) -> dict:
    if isinstance(exc, ServiceError):
        error = {"status": exc.status, "slug": exc.slug, "detail": exc.detail}
        if exc.errors:
            error["errors"] = exc.errors
        return error | {k: v for k, v in exc.extra.items() if k not in error}
    return {"status": 500, "slug": "job-error", "detail": f"The job failed: {type(exc).__name__}: {exc}"[:2000]}


def queue_of(app: Flask) -> Queue:
    return app.extensions["logipool.queue"]


def init_app(app: Flask) -> None:
    from .services import scheduled  # noqa: F401 - declares the scheduled work

    app.extensions["logipool.queue"] = Queue(app)


# a job added to a session is sent once that session commits (never for a rollback)
@event.listens_for(Session, "after_commit")
def _send_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the jobs wait for the real commit
        return
    pending = session.info.pop("logipool.jobs", None)
    for target_app, job_id, limit in pending or ():
        try:
            queue_of(target_app).send(job_id, time_limit_s=limit)
        except Exception:  # noqa: BLE001 - the reaper sends it again; the commit stands
            log.exception("job %s: could not be sent to the queue; the reaper will send it", job_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outer transaction: its jobs were never committed
        session.info.pop("logipool.jobs", None)


def run_worker(app: Flask, *, workers: int = 2, worker_type: str = "thread", periodic: bool = True) -> None:
    """Huey's consumer with this application: reap first (a restarted worker takes up what the
    previous one left), then consume; every heartbeat interval the worker says it is alive."""
    queue = queue_of(app)
    if queue.immediate:
        raise RuntimeError("LOGIPOOL_QUEUE_URL=immediate runs jobs in the committing process: no worker to start")
    name = worker_name()
    queue.note_worker(name, started=True)
    queue.reap()
    stop = threading.Event()

    def alive() -> None:
        while not stop.wait(queue.heartbeat_s):
            try:
                queue.note_worker(name)
            except Exception:  # noqa: BLE001
                log.warning("worker heartbeat not recorded", exc_info=True)

    @queue.huey.on_startup()
    def _fresh_connections() -> None:
        if worker_type == "process":  # a forked worker must not share its parent's connections
            database(app).engine.dispose(close=False)

    threading.Thread(target=alive, daemon=True, name="worker-heartbeat").start()
    consumer = queue.huey.create_consumer(workers=workers, worker_type=worker_type, periodic=periodic,
                                          check_worker_health=True, initial_delay=0.05, backoff=1.15,
                                          max_delay=0.5)
    log.info("worker %s: %s %s worker(s) on %s", name, workers, worker_type, type(queue.huey).__name__)
    try:
        consumer.run()
    finally:
        stop.set()


def parse_time(value: str) -> datetime:
    """An ISO 8601 instant for the CLI's ``--now`` (UTC when it carries no offset)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

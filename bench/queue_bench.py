"""Benchmark: the task queue's overhead, and a billing run through it.

1. Enqueue → start: a job that does nothing is committed, the time until a worker starts its
   code is taken, one job after the other; p50 and p99 on the embedded backend (SQLite file) and
   on Redis (a redis-server started on a loopback port, when installed).
2. A billing run of N invoices issued in the request's way (``issue_run`` then commit) against
   the same run through the queue with a consumer of 2 workers (the job issues and stores the
   run's ZIP too), each on its own fresh database, same machine, same run of this script.

    .venv/bin/python bench/queue_bench.py --jobs 200 --members 1000
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _app(tmp: Path, name: str, queue_url: str):
    from logipool import create_app, migrate
    from logipool.db import database

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / name}.sqlite", "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                      "QUEUE_URL": queue_url, "QUEUE_NAME": name}, instance_path=str(tmp))
    migrate.upgrade(database(app).write_engine)
    return app


def _consumer(app, workers: int):
    from logipool.queue import queue_of

    consumer = queue_of(app).huey.create_consumer(workers=workers, periodic=False, initial_delay=0.01,
                                                  backoff=1.15, max_delay=0.1)
    consumer.start()
    return consumer


def _wait(app, job_id: int, seconds: float = 3600):
    from logipool.db import database
    from logipool.models import Job, JobState

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with database(app).session(write=False) as s:
            job = s.get(Job, job_id)
            if job.state in (JobState.SUCCEEDED, JobState.FAILED):
                return job
        time.sleep(0.005)
    raise RuntimeError(f"job {job_id} did not end")


def latency(app, count: int) -> tuple[float, float]:
    from logipool import queue
    from logipool.db import database
    from logipool.services import jobs

    @queue.handler("bench.noop")
    def noop(session, ctx):
        return {"started": time.time()}

    consumer = _consumer(app, 1)
    waits = []
    try:
        with app.app_context():
            for _ in range(count):
                with database(app).session() as s:
                    job = jobs.enqueue(s, "bench.noop", {})
                    sent = time.time()
                    s.commit()
                done = _wait(app, job.id)
                waits.append(done.result["started"] - sent)
    finally:
        consumer.stop(graceful=True)
    waits.sort()
    return statistics.median(waits) * 1000, waits[min(len(waits) - 1, int(len(waits) * 0.99))] * 1000


def billing(app, members: int, *, queued: bool) -> float:
    from billing_bench import build

    from logipool.db import database
    from logipool.services import invoicing

    tz = ZoneInfo(app.config["TIMEZONE"])
    db = database(app)
    with app.app_context():
        session = db.session()
        staff, _grant = build(session, members)
        session.commit()
        run = invoicing.create_billing_run(session, staff, {"period_start": date(2026, 11, 1),
                                                           "period_end": date(2026, 11, 30)}, tz=tz)
        session.commit()
        consumer = _consumer(app, 2) if queued else None
        try:
            t0 = time.perf_counter()
            if queued:
                _run, job = invoicing.request_issue(session, staff, run.id, tz=tz)
                session.commit()
                done = _wait(app, job.id)
                assert done.state.value == "succeeded", done.error
            else:
                invoicing.issue_run(session, staff, run.id, tz=tz)
                session.commit()
            return time.perf_counter() - t0
        finally:
            session.close()
            if consumer is not None:
                consumer.stop(graceful=True)


def _redis(tmp: Path):
    server = shutil.which("redis-server")
    if server is None:
        return None, None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp), "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--members", type=int, default=1000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, SQLite database")
    print("| backend | jobs | enqueue→start p50 ms | p99 ms |")
    print("|---|---|---|---|")
    p50, p99 = latency(_app(tmp, "latency_sqlite", f"sqlite:///{tmp / 'queue.sqlite'}"), args.jobs)
    print(f"| Huey SQLite (embedded) | {args.jobs} | {p50:.1f} | {p99:.1f} |", flush=True)
    redis, url = _redis(tmp)
    try:
        if redis is not None:
            p50, p99 = latency(_app(tmp, "latency_redis", url), args.jobs)
            print(f"| Huey Redis | {args.jobs} | {p50:.1f} | {p99:.1f} |", flush=True)
        else:
            print("| Huey Redis | — | redis-server not installed | |")
    finally:
        if redis is not None:
            redis.terminate()
    inline = billing(_app(tmp, "billing_inline", "immediate"), args.members, queued=False)
    queued = billing(_app(tmp, "billing_queued", f"sqlite:///{tmp / 'billing_queue.sqlite'}"), args.members,
                     queued=True)
    print()
    print("| invoices | in the request s | through the queue, 2 workers s (incl. the stored ZIP) | ratio |")
    print("|---|---|---|---|")
    print(f"| {args.members} | {inline:.2f} | {queued:.2f} | {queued / inline:.2f} |")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

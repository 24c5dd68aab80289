"""Benchmark: 1,000 invoice e-mails with their PDF attached, from the outbox to a local SMTP server.

Builds the billing run of ``bench/billing_bench.py`` (N members, three charges each), issues it
(which writes one outbox row per invoice in the same transaction), then times
``deliver_pending`` in batches as ``logipool mail send`` runs it, each batch committed, to an
aiosmtpd server in a separate process on loopback that counts what it receives. Memory: the
sending process's RSS is sampled during delivery.

    .venv/bin/python bench/mail_bench.py --members 1000
    .venv/bin/python bench/mail_bench.py --members 1000 --postgres postgresql://...
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from bench.billing_bench import build  # noqa: E402


def serve(port: int) -> int:
    """The receiving server (run in its own process): counts messages and bytes, prints them on SIGTERM."""
    from aiosmtpd.controller import Controller

    class Counter:
        messages = 0
        size = 0

        async def handle_DATA(self, server, session, envelope):
            Counter.messages += 1
            Counter.size += len(envelope.content)
            return "250 2.0.0 Ok: queued"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    controller.stop()
    print(f"{Counter.messages} {Counter.size}", flush=True)
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50, help="messages per transaction (as `logipool mail send`)")
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)

    from sqlalchemy import func, select

    from logipool import create_app, migrate
    from logipool.db import Base, database
    from logipool.models import OutboxMessage, OutboxState
    from logipool.services import invoicing, mail

    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    tmp = tempfile.mkdtemp()
    url = args.postgres or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "SMTP_HOST": "127.0.0.1",
                      "SMTP_PORT": port, "SMTP_FROM": "Bench <facturation@bench.example>"}, instance_path=tmp)
    db = database(app)
    if args.postgres:
        Base.metadata.drop_all(db.write_engine)
        with db.write_engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate.upgrade(db.write_engine)
    tz = ZoneInfo(app.config["TIMEZONE"])
    proc = psutil.Process()
    with app.app_context():
        session = db.session()
        staff, _grant = build(session, args.members)
        session.commit()
        run = invoicing.create_billing_run(session, staff, {"period_start": date(2026, 11, 1),
                                                           "period_end": date(2026, 11, 30)}, tz=tz)
        session.commit()
        t0 = time.perf_counter()
        invoicing.issue_run(session, staff, run.id, tz=tz)
        session.commit()
        t1 = time.perf_counter()
        pending = session.scalar(select(func.count()).select_from(OutboxMessage))
        session.close()

        session = db.session()
        rss_before = peak = proc.memory_info().rss
        sampling = threading.Event()

        def sample():
            nonlocal peak
            while not sampling.wait(0.05):
                peak = max(peak, proc.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        total = mail.DeliveryReport()
        t2 = time.perf_counter()
        while True:
            report = mail.deliver_pending(session, app.config, limit=args.batch)
            session.commit()
            total.add(report)
            if not report.ids:
                break
        t3 = time.perf_counter()
        sampling.set()
        sampler.join()
        sent = session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.state == OutboxState.SENT))
        session.close()
    server.send_signal(signal.SIGTERM)
    received, size = map(int, server.communicate(timeout=30)[0].split())
    assert received == sent == pending == args.members, (received, sent, pending)
    seconds = t3 - t2
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {'PostgreSQL' if args.postgres else 'SQLite'},"
          f" load average {os.getloadavg()[0]:.1f}")
    print("| e-mails | issue the run (PDFs rendered, outbox rows written) s | send s | per e-mail ms | e-mails/s | "
          "received MiB | RSS before → peak while sending MiB |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {received} | {t1 - t0:.2f} | {seconds:.2f} | {seconds * 1000 / received:.1f} | "
          f"{received / seconds:.0f} | {size / 2**20:.1f} | {rss_before / 2**20:.0f} → {peak / 2**20:.0f} |")
    print(total.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())

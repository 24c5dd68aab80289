"""Streamed downloads (the accounting CSV export, a billing run's ZIP) never leave a database
transaction open, whether the client reads to the end or goes away mid-stream: PostgreSQL shows
no ``idle in transaction`` session afterwards and SQLite's WAL checkpoints fully. Served by a
real multi-process gunicorn server."""

from __future__ import annotations

import http.client
import io
import os
import sqlite3
import time
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from logipool.models import BillingRun, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, Nature, Role

DOCUMENTS = 30
PDF_BYTES = 256 * 1024  # incompressible: the ZIP is several MB, more than socket buffers hold


@pytest.fixture
def issued_run(app, world, session):
    a = world.a
    run = BillingRun(coordination_id=a.coordination.id, period_start=date(2026, 11, 1),
                     period_end=date(2026, 11, 30), issued_at=datetime.now(UTC))
    session.add(run)
    session.flush()
    for n in range(1, DOCUMENTS + 1):
        invoice = Invoice(coordination_id=a.coordination.id, member_id=a.member.id, kind=InvoiceKind.INVOICE,
                          status=InvoiceStatus.ISSUED, number=f"2026-{n:06d}", issue_date=date(2026, 12, 1),
                          due_date=date(2026, 12, 31), lines_cents=1000, total_cents=1000, billing_run_id=run.id,
                          pdf=os.urandom(PDF_BYTES), pdf_sha256="0" * 64)
        invoice.lines.append(InvoiceLine(position=1, description="Stockage", quantity=Decimal(1), unit="forfait",
                                         unit_price=Decimal(10), amount_cents=1000, nature=Nature.SERVICES,
                                         source="manual"))
        session.add(invoice)
    session.commit()
    return run.id


def _get(port: int, path: str, token: str, *, read_all: bool) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read() if read_all else response.read(16 * 1024)
    status = response.status
    conn.close()  # mid-stream when not everything was read: the client goes away
    return status, body


def _open_transactions(app, database_url: str) -> list:
    """What still holds a transaction: PostgreSQL sessions idle in transaction on this database,
    or SQLite readers that keep a full checkpoint from completing (busy)."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=1)
        try:
            conn.execute("PRAGMA busy_timeout=500")
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return ["checkpoint busy"] if busy else []
        finally:
            conn.close()
    with app.extensions["logipool.db"].engine.connect() as conn:
        return conn.execute(text(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")).all()


def _settled(app, database_url: str) -> list:
    # the server ends an aborted stream when it notices the client went away: give it a moment
    deadline = time.monotonic() + 5
    while (left := _open_transactions(app, database_url)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("read_all", [True, False], ids=["complete", "aborted"])
def test_streamed_downloads_leave_no_transaction_open(app, world, session, issued_run, gunicorn_port,
                                                      database_url, read_all):
    session.close()
    token = world.a.tokens[Role.AUDITOR]
    zip_path = f"/api/v1/billing-runs/{issued_run}/invoices.zip"
    csv_path = "/api/v1/invoices/export.csv?start=2026-12-01&end=2026-12-31"
    for _ in range(3):
        status, body = _get(gunicorn_port, zip_path, token, read_all=read_all)
        assert status == 200
        if read_all:
            assert len(zipfile.ZipFile(io.BytesIO(body)).namelist()) == DOCUMENTS
        status, body = _get(gunicorn_port, csv_path, token, read_all=read_all)
        assert status == 200
        if read_all:
            assert body.decode().count("\r\n") == DOCUMENTS + 1
    assert _settled(app, database_url) == []

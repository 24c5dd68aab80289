"""The demo coordination, health, docs, logging, and the purity of the domain libraries."""

import ast
import json
import logging
import subprocess
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from logipool.db import Base
from logipool.models import (
    BillingRun,
    BookingStatus,
    Charge,
    ChargeSource,
    CycleStatus,
    Invoice,
    InvoiceStatus,
    Member,
    OrderCycle,
    OrderNeed,
    PlanStatus,
    Role,
    RoutePlan,
    Site,
    SiteKind,
    StorageBooking,
    VehicleBooking,
)
from logipool.validators import identifier_error
from purchasing import to_cents

ROOT = Path(__file__).resolve().parents[2]


def _counts(session):
    counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    session.rollback()  # release SQLite's write lock before the next command writes
    return counts


def test_demo_loads_once_and_is_consistent(runner, session, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    before = _counts(session)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, repr(second.exception)
    assert "created nothing" in second.output
    assert _counts(session) == before
    members = session.scalars(select(Member)).all()
    assert len(members) == 6 and len({m.kind for m in members}) == 6
    assert all(identifier_error("siren", m.siren) is None and identifier_error("siret", m.siret) is None
               for m in members)
    kinds = [s.kind for s in session.scalars(select(Site)).all()]
    assert kinds.count(SiteKind.WAREHOUSE) == 1 and kinds.count(SiteKind.SUPERMARKET) == 4
    assert kinds.count(SiteKind.SUPPLIER) == 2 and kinds.count(SiteKind.DISTRIBUTION_POINT) == 6
    # the coordination fee is split exactly; the returned pickup has its usage charge
    fee = select(func.sum(Charge.amount_cents)).where(Charge.source_type == ChargeSource.MANUAL)
    assert session.scalar(fee) == 240000
    usage = session.scalars(select(Charge).where(Charge.source_type == ChargeSource.VEHICLE_BOOKING)).one()
    assert usage.amount_cents == 3000 + 4 * 550 + 54 * 38  # 1 day, 4 h, 54 km of the Daily 35
    statuses = [b.status for b in session.scalars(select(VehicleBooking)).all()]
    assert statuses.count(BookingStatus.REQUESTED) == 2 and statuses.count(BookingStatus.RETURNED) == 1
    # the round (8 occurrences), two bookings, and the two vans of Tuesday's pooled rounds
    assert statuses.count(BookingStatus.CONFIRMED) == 8 + 2 + 2
    plan = session.scalars(select(RoutePlan)).one()
    assert plan.status == PlanStatus.SOLVED and plan.result["plan"]["unserved"] == []
    assert len(plan.problem["stops"]) == 8 + 6 + 1 and len(plan.problem["vehicles"]) == 3
    shares = plan.result["shares"]
    assert sum(int(m["share"].replace(".", "")) for m in shares["members"]) == plan.result["plan"]["cost_cents"]
    assert session.scalar(select(func.count()).select_from(StorageBooking)) == 5
    # last month's joint order settled after a short delivery, this month's open with needs
    cycles = {c.status: c for c in session.scalars(select(OrderCycle)).all()}
    assert set(cycles) == {CycleStatus.SETTLED, CycleStatus.OPEN}
    settled = cycles[CycleStatus.SETTLED]
    totals = settled.final_allocation["totals"]
    order_charges = select(func.sum(Charge.amount_cents)).where(Charge.source_type == ChargeSource.ORDER_CYCLE)
    charged = session.scalar(order_charges)
    assert charged + to_cents(totals["shared_stock"]) == to_cents(totals["total_cost"])
    assert settled.final_allocation != settled.allocation  # the rice shortfall was re-split
    assert session.scalar(select(func.count()).select_from(OrderNeed).where(OrderNeed.cycle_id == cycles[
        CycleStatus.OPEN].id)) == 7
    session.rollback()
    # every demo role can log in
    r = runner.invoke(args=["tokens", "create", "--email", "escale.tresorerie@coordination-aubagne.example"])
    token = r.stdout.strip().splitlines()[0]
    charges = client.get("/api/v1/charges/?source_type=manual", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert charges["total"] == 1 and "× 180 / 1\u202f125" in charges["items"][0]["basis"]
    assert charges["items"][0]["amount"] == "384.00"


def test_the_demo_has_last_months_invoices_issued_and_this_months_charges_to_come(runner, session):
    """A fresh demo gives treasurers real invoices: last month billed and issued through the billing
    run, numbered without gap, each totalling its charges; what ends this month stays uninvoiced."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    tz = ZoneInfo("Europe/Paris")
    first = datetime.now(tz).date().replace(day=1)
    cutoff = datetime.combine(first, time(), tzinfo=tz)
    runs = session.scalars(select(BillingRun)).all()
    assert len(runs) == 1 and runs[0].issued_at is not None
    assert (runs[0].period_start, runs[0].period_end) == ((first - timedelta(days=1)).replace(day=1),
                                                          first - timedelta(days=1))
    invoices = session.scalars(select(Invoice)).all()
    assert {i.status for i in invoices} == {InvoiceStatus.ISSUED}
    assert {i.billing_run_id for i in invoices} == {runs[0].id}
    assert sorted(int(i.number.split("-")[1]) for i in invoices) == list(range(1, len(invoices) + 1))
    # every member took part in last month's joint order: each has its invoice, as a PDF
    assert {i.member.short_name for i in invoices} == {m.short_name for m in session.scalars(select(Member))}
    assert all(i.pdf.startswith(b"%PDF") for i in invoices)
    for invoice in invoices:
        assert invoice.total_cents == sum(c.amount_cents for c in session.scalars(
            select(Charge).where(Charge.invoice_id == invoice.id)))
    charges = session.scalars(select(Charge)).all()
    invoiced = [c for c in charges if c.invoice_id is not None]
    to_come = [c for c in charges if c.invoice_id is None]
    assert invoiced and all(c.period_end <= cutoff for c in invoiced)
    assert {c.source_type for c in invoiced} >= {ChargeSource.ORDER_CYCLE}
    # the year's coordination fee (and whatever else ends after this month began) is still to come
    assert to_come and all(c.period_end > cutoff for c in to_come)
    assert {c.source_type for c in to_come} >= {ChargeSource.MANUAL}
    session.rollback()


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {
        "status": "ok", "database": "ok",
        "queue": {"backend": "immediate", "reachable": True, "pending": 0, "workers_seen": 0}}


def test_docs_page_needs_no_internet(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f"/api/v1/docs/assets/{asset}" in page
        assert client.get(f"/api/v1/docs/assets/{asset}").status_code == 200


def test_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path in ("/api/v1/members/", "/api/v1/sites/{row_id}", "/api/v1/charges/", "/api/v1/tokens/"):
        assert path in spec["paths"]


def test_one_json_log_line_per_request(app, world, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    from logipool.requestlog import JsonFormatter

    with caplog.at_level(logging.INFO, logger="logipool.request"):
        app.test_client().get("/api/v1/members/", headers=world.a.headers(Role.ADMIN) | {"X-Request-ID": "r-1"})
    records = [r for r in caplog.records if r.name == "logipool.request"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "r-1" and line["method"] == "GET" and line["status"] == 200
    assert line["path"] == "/api/v1/members/" and line["duration_ms"] >= 0


DOMAIN_LIBRARIES = ("purchasing", "routing", "invoices")
FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "logipool", "werkzeug", "alembic"}


def test_domain_libraries_import_no_web_or_database_code():
    offenders = []
    for lib in DOMAIN_LIBRARIES:
        for path in (ROOT / lib).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_domain_libraries_load_without_flask():
    libs = [lib for lib in DOMAIN_LIBRARIES if (ROOT / lib / "__init__.py").exists()]
    assert "purchasing" in libs
    code = (f"import sys; import {', '.join(libs)}; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

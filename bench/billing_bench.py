"""Benchmark: a billing run of N members through the service layer, as the API runs it.

Builds a coordination with N members and three charges each (a vehicle booking, a storage share
with a funder's part, a joint-order line), then times: drafting the run, issuing it (numbers,
Factur-X PDFs rendered and stored, in one transaction), and streaming the run's ZIP through the
HTTP endpoint. Memory: the process's RSS is sampled while the ZIP streams (it must stay flat).

    .venv/bin/python bench/billing_bench.py --members 1000
    .venv/bin/python bench/billing_bench.py --members 1000 --postgres postgresql://...
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from invoices.identifiers import luhn_complete  # noqa: E402


def build(session, n: int):
    from logipool.auth import Principal
    from logipool.models import (
        ChargeSource,
        Coordination,
        Funder,
        FunderKind,
        Member,
        MemberKind,
        Nature,
        Role,
        VatRegime,
    )
    from logipool.services.accounts import grant_role
    from logipool.services.ledger import ChargeDraft, Payer, post_charges

    c = Coordination(slug="bench", name="Bench", legal_name="Groupement de coopération alimentaire (bench)",
                     siren="449876515", siret="44987651500015", street="Avenue de la Fleuride",
                     postcode="13400", city="Aubagne", vat_regime=VatRegime.COST_SHARING_261B)
    session.add(c)
    session.flush()
    funder = Funder(coordination_id=c.id, name="Fondation (bench)", kind=FunderKind.FOUNDATION,
                    siren="261300016", street="12 boulevard Longchamp", postcode="13001", city="Marseille")
    session.add(funder)
    members = []
    for i in range(n):
        siren = luhn_complete(f"{50000000 + i:08d}")
        members.append(Member(coordination_id=c.id, legal_name=f"Association solidaire n° {i + 1}",
                              short_name=f"asso-{i + 1}", kind=MemberKind.SOCIAL_GROCERY, siren=siren,
                              siret=luhn_complete(siren + "0001"), vat_regime=VatRegime.OUTSIDE_VAT,
                              contact_email=f"tresorerie{i}@bench.example", street=f"{i + 1} rue de la Paix",
                              postcode="13400", city="Aubagne", people_served_per_week=50 + i % 200))
    session.add_all(members)
    session.flush()
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    drafts = []
    for m in members:
        common = dict(period_start=start, period_end=end, nature=Nature.SERVICES, vat_rate=None)
        drafts += [
            ChargeDraft(Payer(m.id), ChargeSource.VEHICLE_BOOKING, m.id, f"v:{m.id}", "Camion frigorifique — journée",
                        allocation_key="usage", basis="1 jour × 30,00 € + 4 h × 5,50 € + 54 km × 0,38 €",
                        amount_cents=7252, **common),
            ChargeDraft(Payer(m.id), ChargeSource.WAREHOUSE_COSTS, 1, f"w:{m.id}", "Quote-part de l'entrepôt",
                        allocation_key="pallet_days", basis="12 palettes-jours / 4 800", amount_cents=1850,
                        subsidies=({"funder_id": funder.id, "funder": funder.name, "cents": 1233},), **common),
            ChargeDraft(Payer(m.id), ChargeSource.ORDER_CYCLE, 1, f"o:{m.id}", "Riz long grain 1 kg — 40 kg",
                        allocation_key="received_quantity", basis="40 kg à 1,05 €", amount_cents=4431,
                        **common | {"nature": Nature.GOODS}),
        ]
    post_charges(session, c.id, drafts)
    grant = grant_role(session, c.id, "gestion@bench.example", Role.MANAGER, None, "Bench")
    session.flush()
    return Principal(grant.user_id, "gestion@bench.example", grant.id, c.id, Role.MANAGER, None, False, 0), grant


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: a SQLite file in a temp dir)")
    args = parser.parse_args()

    from logipool import create_app, migrate
    from logipool.db import database
    from logipool.services import invoicing
    from logipool.services.accounts import issue_token

    tmp = tempfile.mkdtemp()
    url = args.postgres or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}, instance_path=tmp)
    db = database(app)
    migrate.upgrade(db.write_engine)
    tz = ZoneInfo(app.config["TIMEZONE"])
    proc = psutil.Process()
    with app.app_context():
        session = db.session()
        staff, grant = build(session, args.members)
        session.commit()
        t0 = time.perf_counter()
        run = invoicing.create_billing_run(session, staff, {"period_start": date(2026, 11, 1),
                                                           "period_end": date(2026, 11, 30)}, tz=tz)
        session.commit()
        t1 = time.perf_counter()
        invoicing.issue_run(session, staff, run.id, tz=tz)
        session.commit()
        t2 = time.perf_counter()
        _token, secret = issue_token(session, grant, days=1)
        session.commit()
        run_id = run.id
        session.close()
    client = app.test_client()
    rss_before = proc.memory_info().rss
    peak = rss_before
    t3 = time.perf_counter()
    response = client.get(f"/api/v1/billing-runs/{run_id}/invoices.zip", headers={"Authorization": f"Bearer {secret}"},
                          buffered=False)
    size = 0
    for k, chunk in enumerate(response.response):
        size += len(chunk)
        if k % 20 == 0:
            peak = max(peak, proc.memory_info().rss)
    t4 = time.perf_counter()
    peak = max(peak, proc.memory_info().rss)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {'PostgreSQL' if args.postgres else 'SQLite'}")
    print("| invoices | draft run s | issue s (numbers, Factur-X PDFs stored) | per invoice ms | ZIP stream s | "
          "ZIP MiB | RSS before ZIP MiB | RSS peak during ZIP MiB |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.members} | {t1 - t0:.2f} | {t2 - t1:.2f} | {(t2 - t1) * 1000 / args.members:.1f} | {t4 - t3:.2f} | "
          f"{size / 2**20:.1f} | {rss_before / 2**20:.0f} | {peak / 2**20:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

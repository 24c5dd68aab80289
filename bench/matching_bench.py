"""Benchmark: matching a bank statement of L lines against N open invoices.

Generates a camt.053.001.02 statement whose credits pay invoices by RF reference (40 %), by the
invoice number in the remittance text (20 %), by amount and payer name (15 %), beyond what is
owed (5 %), and 20 % credits nobody can match plus debits. Times, in one process:

1. reading the CAMT file (lxml, no DTD or entities) and matching its credits (``invoices``:
   pure, indexed) — the ≤ 2 s target for 5,000 lines against 2,000 invoices;
2. the whole import through the service layer on a database (lines stored, each match recorded
   as payments with its invoice locked, credits on account), as the API runs it.

    .venv/bin/python bench/matching_bench.py --lines 5000 --invoices 2000
    .venv/bin/python bench/matching_bench.py --postgres postgresql://...
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from invoices import invoice_reference, match_credits, read_statement  # noqa: E402
from invoices.identifiers import luhn_complete  # noqa: E402
from invoices.matching import Credit, OpenInvoice  # noqa: E402

IBAN = "FR7630006000011234567890189"


def make_invoices(n: int, members: int, rng: random.Random) -> list[tuple[int, str, int, int]]:
    """(id, number, member index, cents): amounts repeat across members, as real ones do."""
    amounts = [4250, 8000, 12345, 20000, 3333]
    return [(i + 1, f"2026-{i + 1:06d}", i % members, rng.choice(amounts) + rng.randrange(0, 400)) for i in range(n)]


def make_statement(invoices, lines: int, members: int, rng: random.Random, booked: date) -> bytes:
    entries = []
    for k in range(lines):
        inv_id, number, m, cents = invoices[k % len(invoices)]
        roll, name, text, amount, credit = rng.random(), f"ASSOCIATION SOLIDAIRE N {m + 1}", "", cents, True
        if roll < 0.40:
            text = f"<Strd><CdtrRefInf><Ref>{invoice_reference(1, number)}</Ref></CdtrRefInf></Strd>"
        elif roll < 0.60:
            text = f"<Ustrd>REGLEMENT FACTURE {number}</Ustrd>"
        elif roll < 0.75:
            text = "<Ustrd>VIREMENT MENSUEL</Ustrd>"
        elif roll < 0.80:
            amount, text = cents + 1234, f"<Ustrd>FACT {number}</Ustrd>"
        elif roll < 0.90:
            name, text, amount = f"DONATEUR {k}", "<Ustrd>DON</Ustrd>", rng.randrange(500, 5000)
        else:
            name, text, amount, credit = "FOURNISSEUR", "<Ustrd>ACHAT</Ustrd>", rng.randrange(500, 50000), False
        side, party = ("CRDT", "Dbtr") if credit else ("DBIT", "Cdtr")
        entries.append(
            f'<Ntry><Amt Ccy="EUR">{amount // 100}.{amount % 100:02d}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>{booked}</Dt></BookgDt><AcctSvcrRef>B{k:09d}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><RltdPties><{party}><Nm>{name}</Nm></{party}></RltdPties>"
            f"<RmtInf>{text}</RmtInf></TxDtls></NtryDtls></Ntry>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
            f"<BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId><CreDtTm>{booked}T06:00:00</CreDtTm></GrpHdr><Stmt>"
            f"<Id>BENCH-1</Id><CreDtTm>{booked}T06:00:00</CreDtTm><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>"
            f"{''.join(entries)}</Stmt></BkToCstmrStmt></Document>").encode()


def pure(data: bytes, invoices, members: int) -> tuple[float, float, float, dict]:
    t0, c0 = time.perf_counter(), time.process_time()
    parsed = read_statement(data)
    t1 = time.perf_counter()
    open_invoices = [OpenInvoice(i, number, ("member", m), cents, date(2026, 12, 1), invoice_reference(1, number))
                     for i, number, m, cents in invoices]
    names = {("member", m): [f"Association solidaire n° {m + 1}", f"asso-{m + 1}"] for m in range(members)}
    result = match_credits((Credit(x.key, x.booking_date, x.amount_cents, x.counterparty_name, x.counterparty_iban,
                                   x.remittance) for x in parsed.lines), open_invoices, customer_names=names)
    t2, c2 = time.perf_counter(), time.process_time()
    return t1 - t0, t2 - t1, c2 - c0, result.summary()


def through_service(url: str, data: bytes, invoices, members: int) -> tuple[float, dict]:
    from logipool import create_app, migrate
    from logipool.auth import Principal
    from logipool.db import database
    from logipool.models import (
        Coordination,
        Invoice,
        InvoiceKind,
        InvoiceStatus,
        Member,
        MemberKind,
        Role,
        VatRegime,
    )
    from logipool.services import banking
    from logipool.services.accounts import grant_role

    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": url or f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench",
                      "LOG_LEVEL": "WARNING"}, instance_path=tmp)
    db = database(app)
    migrate.upgrade(db.write_engine)
    tz = ZoneInfo(app.config["TIMEZONE"])
    with app.app_context():
        session = db.session()
        c = Coordination(slug="bench", name="Bench", legal_name="Groupement (bench)", siren="449876515",
                         siret="44987651500015", iban=IBAN, vat_regime=VatRegime.COST_SHARING_261B)
        session.add(c)
        session.flush()
        rows = []
        for m in range(members):
            siren = luhn_complete(f"{50000000 + m:08d}")
            rows.append(Member(coordination_id=c.id, legal_name=f"Association solidaire n° {m + 1}",
                               short_name=f"asso-{m + 1}", kind=MemberKind.SOCIAL_GROCERY, siren=siren,
                               siret=luhn_complete(siren + "0001"), vat_regime=VatRegime.OUTSIDE_VAT,
                               contact_email=f"t{m}@bench.example"))
        session.add_all(rows)
        session.flush()
        issued = date.today() - timedelta(days=1)
        session.add_all(Invoice(coordination_id=c.id, member_id=rows[m].id, kind=InvoiceKind.INVOICE,
                                status=InvoiceStatus.ISSUED, number=number, issue_date=issued,
                                due_date=issued + timedelta(days=30), period_start=issued.replace(day=1),
                                period_end=issued, lines_cents=cents, total_cents=cents)
                        for _i, number, m, cents in invoices)
        grant = grant_role(session, c.id, "gestion@bench.example", Role.MANAGER, None, "Bench")
        session.commit()
        staff = Principal(grant.user_id, "gestion@bench.example", grant.id, c.id, Role.MANAGER, None, False, 0)
        t0 = time.perf_counter()
        result = banking.import_statement(session, staff, data, tz=tz)
        session.commit()
        elapsed = time.perf_counter() - t0
        session.close()
    return elapsed, {k: v for k, v in result.items() if k != "statement"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres", help="a PostgreSQL URL for the service run (default: SQLite in a temp dir)")
    parser.add_argument("--no-service", action="store_true", help="only the pure read and match")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    invoices = make_invoices(args.invoices, args.members, rng)
    booked = date.today()
    data = make_statement(invoices, args.lines, args.members, rng, booked)
    read_s, match_s, cpu_s, summary = pure(data, invoices, args.members)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{len(data) / 2**20:.1f} MiB statement")
    print("| lines | open invoices | read CAMT s | match s | read + match s | CPU s | matched | by rule | queued |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.lines} | {args.invoices} | {read_s:.2f} | {match_s:.2f} | {read_s + match_s:.2f} | {cpu_s:.2f} | "
          f"{summary['matched']} | {summary['by_rule']} | {summary['unmatched']} |")
    if not args.no_service:
        elapsed, result = through_service(args.postgres, data, invoices, args.members)
        print(f"\nwhole import through the service layer ({'PostgreSQL' if args.postgres else 'SQLite'}): "
              f"{elapsed:.2f} s — {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

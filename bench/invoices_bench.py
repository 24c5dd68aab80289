"""Benchmark: render Factur-X invoices for a billing run and stream them into a ZIP.

Targets (issue 6): one invoice PDF in <= 100 ms; 1,000 invoices with Factur-X in <= 30 s on the
2-core machine, with flat memory. Prints a Markdown table; record it in docs/benchmarks.md.

    .venv/bin/python bench/invoices_bench.py --count 1000 --workers 1 2
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from invoices import (  # noqa: E402
    Deduction,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Nature,
    Party,
    VatRegime,
    render_facturx,
    render_invoice,
)
from invoices.identifiers import luhn_complete  # noqa: E402

REGIMES = list(VatRegime)
CHARGES = [
    ("Camion frigorifique — réservation journée", "DAY", "85.00", "Réservation véhicule #{n}"),
    ("Stockage entrepôt, zone froide (quote-part surface)", "MTK", "6.40", "Stockage 2026-11"),
    ("Achat groupé — pommes bio, producteur local", "KGM", "1.35", "Commande groupée 2026-11"),
    ("Tournée de ramasse — part des kilomètres", "KMT", "0.62", "Tournée 2026-11-{d:02d}"),
    ("Achat groupé — eau minérale 6 × 1,5 L", "C62", "2.10", "Commande groupée 2026-11"),
]


def coordination(regime: VatRegime) -> Party:
    return Party(
        legal_name="Plateforme solidaire du Pays d'Aix",
        address_lines=("CCAS d'Aix-en-Provence", "12 rue des Entrepôts"),
        postcode="13090",
        city="Aix-en-Provence",
        siret="77567890700012",
        vat_number="FR40775678907" if regime is VatRegime.VAT_REGISTERED else None,
        vat_regime=regime,
        iban="FR7630006000011234567890189",
    )


def demo_invoice(i: int) -> Invoice:
    """Invoice number ``i`` of a billing run: 3 to 15 lines, regimes in rotation."""
    rnd = random.Random(i)
    regime = REGIMES[i % len(REGIMES)]
    vat = regime is VatRegime.VAT_REGISTERED
    siren = luhn_complete(f"{40000000 + i:08d}")
    customer = Party(
        legal_name=f"Association membre n° {i}",
        address_lines=(f"{1 + i % 90} rue de la Solidarité",),
        postcode="13100",
        city="Aix-en-Provence",
        siret=luhn_complete(f"{siren}0001"),
    )
    lines = []
    for k in range(rnd.randint(3, 15)):
        desc, unit, price, source = CHARGES[rnd.randrange(len(CHARGES))]
        qty = Decimal(rnd.randint(1, 400)) / 4
        cents = int((qty * Decimal(price) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        lines.append(
            InvoiceLine(
                description=desc,
                quantity=qty,
                unit=unit,
                unit_price=Decimal(price),
                amount_cents=cents,
                source=source.format(n=100 + k, d=1 + k),
                vat_rate=(Decimal("5.5") if unit == "KGM" else Decimal("20")) if vat else None,
            )
        )
    total = sum(x.amount_cents for x in lines)
    return Invoice(
        number=f"2026-{i:06d}",
        kind=InvoiceKind.INVOICE,
        issue_date=date(2026, 11, 30),
        issuer=coordination(regime),
        customer=customer,
        nature=Nature.MIXED,
        lines=tuple(lines),
        late_penalty_rate=Decimal("12.15"),
        payment_terms="Paiement à 30 jours par virement",
        due_date=date(2026, 12, 30),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        deductions=(
            Deduction(
                label="Part du fonds de dotation", funder="Fondation", amount_cents=total // 5
            ),
        ),
    )


def _render(i: int) -> tuple[str, bytes]:
    invoice = demo_invoice(i)
    return f"{invoice.number}.pdf", render_facturx(invoice)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: what the run cost, whatever the
    other load on the machine."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def single_timings(runs: int) -> dict[str, float]:
    invoice = demo_invoice(7)
    render_facturx(invoice)  # fonts, XSD and sRGB profile loaded once per process
    out = {}
    for name, fn in (("render_invoice", render_invoice), ("render_facturx", render_facturx)):
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            fn(invoice)
            samples.append(time.perf_counter() - t)
        out[name] = statistics.median(samples) * 1000
        out[name + "_p95"] = sorted(samples)[int(0.95 * (runs - 1))] * 1000
    return out


def billing_run(count: int, workers: int, zip_path: str) -> dict[str, float]:
    """Render ``count`` Factur-X invoices and stream each into a ZIP as soon as it exists."""
    rss = []
    cpu0 = _cpu_seconds()
    t = time.perf_counter()
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as zf:
        if workers == 1:
            results = map(_render, range(1, count + 1))
            pool = None
        else:
            pool = mp.get_context("fork").Pool(workers, initializer=single_timings, initargs=(1,))
            results = pool.imap(_render, range(1, count + 1), chunksize=8)
        for n, (name, pdf) in enumerate(results, start=1):
            zf.writestr(name, pdf)
            if n % 100 == 0:
                rss.append(_rss_mib())
        if pool is not None:
            pool.close()
            pool.join()
    elapsed = time.perf_counter() - t
    cpu = _cpu_seconds() - cpu0
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": elapsed,
        "per_invoice_ms": elapsed / count * 1000,
        "cpu_per_invoice_ms": cpu / count * 1000,
        "zip_mib": os.path.getsize(zip_path) / 2**20,
        "rss_first": rss[0] if rss else _rss_mib(),
        "rss_last": rss[-1] if rss else _rss_mib(),
        "child_peak": children,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=50, help="repetitions for single timings")
    args = parser.parse_args()

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"python {platform.python_version()} · {os.cpu_count()} CPUs · {platform.machine()} "
        f"· load average before the run: {load}"
    )
    single = single_timings(args.runs)
    print()
    print("| measure | median | p95 | target |")
    print("|---|---:|---:|---:|")
    print(
        f"| one invoice PDF (`render_invoice`) | {single['render_invoice']:.1f} ms "
        f"| {single['render_invoice_p95']:.1f} ms | ≤ 100 ms |"
    )
    print(
        f"| one Factur-X PDF/A-3 (`render_facturx`) | {single['render_facturx']:.1f} ms "
        f"| {single['render_facturx_p95']:.1f} ms | — |"
    )
    print()
    print(
        f"| billing run: {args.count} Factur-X invoices into a ZIP | wall time | per invoice "
        "| CPU per invoice | parent RSS after 100 → after all | worker peak RSS | ZIP size "
        "| target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            r = billing_run(args.count, workers, os.path.join(tmp, f"run-{workers}.zip"))
            peak = f"{r['child_peak']:.0f} MiB" if workers > 1 else "—"
            print(
                f"| {workers} process{'es' if workers > 1 else ''} | {r['seconds']:.1f} s "
                f"| {r['per_invoice_ms']:.1f} ms | {r['cpu_per_invoice_ms']:.1f} ms "
                f"| {r['rss_first']:.0f} → {r['rss_last']:.0f} MiB "
                f"| {peak} | {r['zip_mib']:.1f} MiB | ≤ 30 s |"
            )


if __name__ == "__main__":
    main()

"""Documents of a demo coordination (CCAS-run platform) and one of its member associations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from invoices import (
    Deduction,
    DeliveryAddress,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Nature,
    Party,
    VatRegime,
)

D = Decimal


def coordination(regime: VatRegime = VatRegime.COST_SHARING_261B) -> Party:
    return Party(
        legal_name="Plateforme solidaire du Pays d'Aix",
        address_lines=("CCAS d'Aix-en-Provence", "12 rue des Entrepôts"),
        postcode="13090",
        city="Aix-en-Provence",
        siret="77567890700012",
        vat_number="FR40775678907" if regime is VatRegime.VAT_REGISTERED else None,
        email="facturation@plateforme-aix.example",
        vat_regime=regime,
        iban="FR76 3000 6000 0112 3456 7890 189",
        bic="AGRIFRPP",
    )


def member() -> Party:
    return Party(
        legal_name="Épicerie solidaire Les Milles",
        address_lines=("4 place de l'Église",),
        postcode="13290",
        city="Aix-en-Provence",
        siret="42112233400012",
        email="tresorerie@epicerie-milles.example",
    )


def line(
    description: str,
    qty: str,
    unit: str,
    price: str,
    source: str,
    rate: str | None = None,
    **extra: str,
) -> InvoiceLine:
    cents = int((D(qty) * D(price) * 100).quantize(D(1), rounding="ROUND_HALF_UP"))
    return InvoiceLine(
        description=description,
        quantity=D(qty),
        unit=unit,
        unit_price=D(price),
        amount_cents=cents,
        source=source,
        vat_rate=D(rate) if rate is not None else None,
        **extra,
    )


def make_invoice(regime: VatRegime = VatRegime.COST_SHARING_261B, **changes) -> Invoice:
    vat = regime is VatRegime.VAT_REGISTERED
    lines = (
        line(
            "Camion frigorifique 12 m³ — réservation journée",
            "2",
            "DAY",
            "85.00",
            "Réservation véhicule #12",
            "20" if vat else None,
        ),
        line(
            "Stockage entrepôt, zone froide (quote-part surface)",
            "12.5",
            "MTK",
            "6.40",
            "Stockage 2026-11",
            "20" if vat else None,
            basis=(
                "Frais de la zone froide 960,00 € × 12,5 / 150 m² occupés en novembre "
                "= 80,00 € (arrondi au plus fort reste : la somme des parts égale le total)."
            ),
        ),

        line(
            "Achat groupé — pommes bio, producteur local",
            "120",
            "KGM",
            "1.35",
            "Commande groupée 2026-11",
            "5.5" if vat else None,
            basis=(
                "120 kg reçus sur 400 kg achetés (40 colis de 10 kg à 13,50 € HT, palier dès "
                "30 colis) : 162,00 € HT (arrondi au plus fort reste entre les membres)."
            ),
        ),
        line(
            "Tournée de ramasse — part des kilomètres",
            "38.4",
            "KMT",
            "0.62",
            "Tournée 2026-11-18",
            "20" if vat else None,
            basis=(
                "Tournées mutualisées du 18 novembre 2026 : coût total 109,30 €, clé : valeur de "
                "Shapley ; coût si le membre roulait seul 55,78 €, économie 31,97 € ; part 23,81 €."
            ),
        ),
    )
    fields = dict(
        number="2026-000123",
        kind=InvoiceKind.INVOICE,
        issue_date=date(2026, 11, 30),
        issuer=coordination(regime),
        customer=member(),
        nature=Nature.MIXED,
        lines=lines,
        late_penalty_rate=D("12.15"),
        payment_terms="Paiement à 30 jours par virement",
        due_date=date(2026, 12, 30),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        deductions=(
            Deduction(
                label="Part du fonds de dotation (50 % des frais de stockage)",
                funder="Fondation Solidarité Alimentaire",
                amount_cents=4000,
                source="Convention 2026-F-03",
            ),
        ),
        delivery_address=DeliveryAddress(
            name="Épicerie solidaire — local de distribution",
            address_lines=("Chemin de la Valette",),
            postcode="13290",
            city="Aix-en-Provence",
        ),
        note="Charges mutualisées de novembre 2026",
    )
    fields.update(changes)
    return Invoice(**fields)


def make_credit_note(regime: VatRegime = VatRegime.COST_SHARING_261B, **changes) -> Invoice:
    original = make_invoice(regime)
    fields = dict(
        number="2026-000131",
        kind=InvoiceKind.CREDIT_NOTE,
        issue_date=date(2026, 12, 4),
        lines=(
            InvoiceLine(
                description="Annulation d'une journée de réservation (véhicule en panne)",
                quantity=D("1"),
                unit="DAY",
                unit_price=D("85.00"),
                amount_cents=8500,
                source="Réservation véhicule #12",
                vat_rate=original.lines[0].vat_rate,
            ),
        ),
        deductions=(),
        original_number=original.number,
        original_date=original.issue_date,
        due_date=None,
        delivery_address=None,
        note="",
    )
    fields.update(changes)
    return replace(original, **fields)


@pytest.fixture
def invoice() -> Invoice:
    return make_invoice()


@pytest.fixture
def credit_note() -> Invoice:
    return make_credit_note()


def make_delivery_note(**changes):
    from invoices import DeliveryItem, DeliveryNote, TemperatureClass

    items = (
        DeliveryItem(
            description="Yaourts nature 4 × 125 g",
            lot="L2611-0412",
            temperature_class=TemperatureClass.CHILLED,
            ordered_quantity=D("48"),
            delivered_quantity=D("48"),
            unit="C62",
            use_by=date(2026, 11, 28),
        ),
        DeliveryItem(
            description="Filets de colin surgelés",
            lot="FZ-88213",
            temperature_class=TemperatureClass.FROZEN,
            ordered_quantity=D("20"),
            delivered_quantity=D("18"),
            unit="KGM",
            use_by=date(2027, 3, 1),
            difference_reason="Carton abîmé au chargement, retiré",
        ),
        DeliveryItem(
            description="Pommes bio (producteur local)",
            lot="PB-1118",
            temperature_class=TemperatureClass.AMBIENT,
            ordered_quantity=D("120"),
            delivered_quantity=D("120"),
            unit="KGM",
        ),
        DeliveryItem(
            description="Pâtes complètes 500 g",
            lot="P-2026-311",
            temperature_class=TemperatureClass.AMBIENT,
            ordered_quantity=D("60"),
            delivered_quantity=D("72"),
            unit="C62",
            best_before=date(2028, 5, 31),
            difference_reason="Surplus de la ramasse accepté par l'adhérent",
        ),
    )
    fields = dict(
        number="BL-2026-000451",
        delivery_date=date(2026, 11, 18),
        issuer=coordination(),
        recipient=member(),
        source="Tournée 2026-11-18, arrêt 3",
        items=items,
        delivery_address=DeliveryAddress(
            name="Épicerie solidaire — local de distribution",
            address_lines=("Chemin de la Valette",),
            postcode="13290",
            city="Aix-en-Provence",
        ),
        vehicle="Camion frigorifique 12 m³ (GE-123-AB)",
    )
    fields.update(changes)
    return DeliveryNote(**fields)


def make_statement(**changes):
    from invoices import EntryKind, Statement, StatementEntry

    entries = (
        StatementEntry(
            EntryKind.INVOICE,
            date(2026, 9, 30),
            "2026-000071",
            "Charges mutualisées de septembre",
            31250,
            due_date=date(2026, 10, 30),
        ),
        StatementEntry(
            EntryKind.PAYMENT,
            date(2026, 10, 20),
            "VIR-1020",
            "Virement reçu",
            31250,
            invoice_reference="2026-000071",
        ),
        StatementEntry(
            EntryKind.INVOICE,
            date(2026, 10, 31),
            "2026-000098",
            "Charges mutualisées d'octobre",
            52840,
            due_date=date(2026, 11, 30),
        ),
        StatementEntry(
            EntryKind.INVOICE,
            date(2026, 11, 30),
            "2026-000123",
            "Charges mutualisées de novembre",
            39581,
            due_date=date(2026, 12, 30),
        ),
        StatementEntry(
            EntryKind.CREDIT_NOTE,
            date(2026, 12, 4),
            "2026-000131",
            "Annulation d'une journée de réservation",
            8500,
            invoice_reference="2026-000123",
        ),
        StatementEntry(
            EntryKind.PAYMENT,
            date(2026, 12, 5),
            "VIR SEPA 2026-12-05 ESCALE 000123",
            "Virement reçu (acompte)",
            20000,
        ),
    )
    fields = dict(issuer=coordination(), member=member(), as_of=date(2026, 12, 10), entries=entries)
    fields.update(changes)
    return Statement(**fields)

"""Printed words and number, date and money formats, French by default and English on request.

Formats come from Babel's CLDR data (fr_FR: "1 234,56 €", "22 novembre 2026") so that a
treasurer reads amounts the way the bank statement shows them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency as _babel_currency
from babel.numbers import format_decimal as _babel_decimal

from .exceptions import DocumentError

LOCALES = {"fr": "fr_FR", "en": "en_GB"}

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "invoice": "Facture",
        "credit_note": "Avoir",
        "delivery_note": "Bon de livraison",
        "statement": "Relevé de compte",
        "number": "N°",
        "issue_date": "Date d'émission",
        "due_date": "Échéance",
        "period": "Période",
        "delivery_date": "Date de livraison",
        "period_range": "du {start} au {end}",
        "nature": "Nature",
        "goods": "Livraison de biens",
        "services": "Prestation de services",
        "mixed": "Biens et services",
        "billed_to": "Facturé à",
        "credited_to": "Avoir au profit de",
        "service_code": "Code service : {code}",
        "commitment": "N° d'engagement : {number}",
        "calc_detail": "Détail du calcul",
        "calc_intro": (
            "Comment chaque montant a été obtenu : clé de répartition, quantité du membre "
            "rapportée au total, tarif, parts des financeurs."
        ),
        "calc_see_annex": "Le calcul de chaque montant est détaillé en annexe (Détail du calcul).",
        "planned": "Prévu",
        "planned_note": (
            "Tournée planifiée, pas encore réalisée : les quantités sont prévues ; "
            "le bon définitif indiquera ce qui a été livré."
        ),
        "pay_instructions": (
            "Pour régler : virement sur l'IBAN {iban}{bic}, en indiquant en référence le "
            "numéro de la facture réglée."
        ),
        "delivered_to": "Adresse de livraison",
        "issuer": "Émetteur",
        "customer": "Client",
        "siren": "SIREN",
        "siret": "SIRET",
        "vat_number": "N° TVA",
        "description": "Désignation",
        "quantity": "Qté",
        "unit": "Unité",
        "unit_price": "PU HT",
        "vat_rate": "TVA",
        "amount": "Montant HT",
        "source": "Origine",
        "deductions": "Déductions (parts des financeurs et subventions)",
        "funder": "Financeur",
        "lines_total": "Total des lignes HT",
        "deductions_total": "Déductions",
        "taxable_total": "Total HT",
        "vat_total": "TVA {rate}",
        "vat_none": "TVA",
        "total": "Total TTC",
        "total_no_vat": "Total",
        "due": "Net à payer",
        "credited": "Montant de l'avoir",
        "vat_breakdown": "Récapitulatif TVA",
        "vat_short_outside_scope": "Hors champ",
        "vat_short_franchise_293b": "Non appl.",
        "vat_short_cost_sharing_261b": "Exonéré",
        "vat_short_disbursement": "Débours",
        "vat_base": "Base HT",
        "vat_amount": "Montant TVA",
        "corrects": "Avoir sur la facture n° {number} du {date}",
        "payment_terms": "Conditions de paiement",
        "penalties": (
            "En cas de retard de paiement, pénalités au taux annuel de {rate} exigibles "
            "dès le lendemain de l'échéance, et indemnité forfaitaire pour frais de "
            "recouvrement de {indemnity} (art. L441-10 et D441-5 du Code de commerce)."
        ),
        "no_discount": "Pas d'escompte pour paiement anticipé.",
        "bank": "Virement : IBAN {iban}",
        "bic": "BIC {bic}",
        "payment_reference": "Référence de paiement à rappeler : {reference}",
        "scan_to_pay": (
            "Payer par virement : scannez ce code avec votre application bancaire (QR code EPC, "
            "{amount}, référence {reference})."
        ),
        "direct_debit_notice": (
            "Prélevé le {date} par prélèvement SEPA sur le compte {iban} (mandat {mandate}, ICS "
            "{creditor})."
        ),
        "reminder_1": "RELANCE",
        "reminder_2": "SECONDE RELANCE",
        "reminder_intro_1": (
            "Sauf erreur de notre part, la facture n° {number} du {date}, échue le {due}, reste "
            "impayée à ce jour ({days} jours de retard). Nous vous remercions de bien vouloir la "
            "régler dès réception de ce courrier."
        ),
        "reminder_intro_2": (
            "Malgré notre première relance, la facture n° {number} du {date}, échue le {due}, "
            "reste impayée ({days} jours de retard). Nous vous demandons de la régler sous huit "
            "jours ; à défaut, les pénalités ci-dessous seront exigées."
        ),
        "reminder_remaining": "Reste dû sur la facture",
        "reminder_penalty": "Pénalités de retard ({rate} l'an × {days} jours)",
        "reminder_indemnity": "Indemnité forfaitaire pour frais de recouvrement",
        "reminder_total": "Total exigible au {date}",
        "reminder_legal": (
            "Pénalités et indemnité dues de plein droit (art. L441-10 et D441-5 du Code de "
            "commerce), au taux indiqué sur la facture."
        ),
        "reminder_ignore": (
            "Si votre paiement nous est parvenu entre-temps, merci de ne pas tenir compte de ce "
            "courrier."
        ),
        "page": "Page {page}/{pages}",
        "legal": "Mentions légales",
        "member": "Adhérent",
        "as_of": "Situation au {date}",
        "statement_period": "Période du {start} au {end}",
        "funder_statement": "Relevé du financeur",
        "funded_total": "Total des parts prises en charge",
        "per_period_source": "Par période et par source",
        "per_member": "Par adhérent",
        "funded_detail": "Détail par facture",
        "opening_balance": "Solde d'ouverture au {date}",
        "date": "Date",
        "reference": "Référence",
        "label": "Libellé",
        "debit": "Débit",
        "credit": "Crédit",
        "balance": "Solde",
        "entry_invoice": "Facture",
        "entry_credit_note": "Avoir",
        "entry_payment": "Règlement",
        "entry_refund": "Remboursement",
        "invoiced": "Total facturé",
        "credited_total": "Total des avoirs",
        "paid": "Total réglé",
        "balance_due": "Solde restant dû",
        "overdue": "Dont échu au {date}",
        "open_items": "Factures non soldées",
        "remaining": "Reste dû",
        "status_overdue": "échue",
        "status_open": "à échoir",
        "delivery": "Livraison",
        "origin": "Origine",
        "lot": "Lot",
        "dlc": "DLC",
        "ddm": "DDM",
        "temperature_class": "Classe",
        "measured_temperature": "T° mesurée",
        "ordered": "Commandé",
        "delivered": "Livré",
        "difference_reason": "Motif de l'écart",
        "ambient": "Ambiant",
        "chilled": "Frais 0–4\u00a0°C",
        "frozen": "Surgelé ≤\u00a0−18\u00a0°C",
        "signature_delivered_by": "Livré par",
        "signature_received_by": "Reçu par",
        "signature_name": "Nom",
        "signature_datetime": "Date et heure",
        "signature": "Signature",
        "reserves": "Réserves à la réception",
        "vehicle": "Véhicule",
        "none": "—",
        "purchase_order": "Bon de commande",
        "order_date": "Date de commande",
        "order_reference": "Référence",
        "supplier": "Fournisseur",
        "buyer": "Acheteur",
        "ship_to": "Livrer à",
        "requested_delivery": "Livraison souhaitée",
        "to_be_agreed": "à convenir",
        "temperature_classes": "Températures",
        "cold_chain": (
            "Chaîne du froid : produits frais et surgelés livrés en véhicule réfrigéré, "
            "température relevée à la réception ; une marchandise hors température est refusée."
        ),
        "supplier_reference": "Réf.",
        "packs": "Colis",
        "pack_price": "Prix colis HT",
        "net_amount": "Montant HT",
        "pack_of": "Colis de {pack}",
        "temp_ambient": "Ambiant",
        "temp_chilled": "Frais",
        "temp_frozen": "Surgelé",
        "goods_total": "Total marchandises HT",
        "delivery_fee": "Frais de livraison HT",
        "notes": "Remarques",
        "po_confirm": (
            "Merci de confirmer cette commande (quantités, prix et date de livraison) "
            "en nous retournant ce bon signé."
        ),
        "po_not_invoice": "Ce bon de commande n'est pas une facture.",
        "po_fee_vat": "Les frais de livraison suivent la TVA des marchandises, au prorata.",
        "for_buyer": "Pour l'acheteur",
        "agreement": "Bon pour accord du fournisseur",
        "agreement_mention": "Mention « Bon pour accord », signature et cachet",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "delivery_note": "Delivery note",
        "statement": "Account statement",
        "number": "No.",
        "issue_date": "Issue date",
        "due_date": "Due date",
        "period": "Period",
        "delivery_date": "Delivery date",
        "period_range": "{start} to {end}",
        "nature": "Nature",
        "goods": "Supply of goods",
        "services": "Supply of services",
        "mixed": "Goods and services",
        "billed_to": "Billed to",
        "credited_to": "Credited to",
        "service_code": "Service code: {code}",
        "commitment": "Commitment number: {number}",
        "calc_detail": "How each amount was computed",
        "calc_intro": (
            "How each amount was obtained: sharing key, the member's quantity against the "
            "total, rate, funders' parts."
        ),
        "calc_see_annex": "How each amount was computed is shown in the annex.",
        "planned": "Planned",
        "planned_note": (
            "Planned round, not driven yet: quantities are planned; the final note will show "
            "what was delivered."
        ),
        "pay_instructions": (
            "To pay: bank transfer to IBAN {iban}{bic}, quoting the number of the invoice paid "
            "as the reference."
        ),
        "delivered_to": "Delivery address",
        "issuer": "Issuer",
        "customer": "Customer",
        "siren": "SIREN",
        "siret": "SIRET",
        "vat_number": "VAT no.",
        "description": "Description",
        "quantity": "Qty",
        "unit": "Unit",
        "unit_price": "Unit price",
        "vat_rate": "VAT",
        "amount": "Amount excl. VAT",
        "source": "Source",
        "deductions": "Deductions (funders' shares and subsidies)",
        "funder": "Funder",
        "lines_total": "Lines total excl. VAT",
        "deductions_total": "Deductions",
        "taxable_total": "Total excl. VAT",
        "vat_total": "VAT {rate}",
        "vat_none": "VAT",
        "total": "Total incl. VAT",
        "total_no_vat": "Total",
        "due": "Amount due",
        "credited": "Amount credited",
        "vat_breakdown": "VAT summary",
        "vat_short_outside_scope": "Outside",
        "vat_short_franchise_293b": "N/A",
        "vat_short_cost_sharing_261b": "Exempt",
        "vat_short_disbursement": "Disb.",
        "vat_base": "Taxable amount",
        "vat_amount": "VAT amount",
        "corrects": "Credit note for invoice {number} of {date}",
        "payment_terms": "Payment terms",
        "penalties": (
            "Late payment bears penalties at the annual rate of {rate} from the day after the "
            "due date, plus a fixed recovery indemnity of {indemnity} (French Commercial Code "
            "art. L441-10 and D441-5)."
        ),
        "no_discount": "No discount for early payment.",
        "bank": "Bank transfer: IBAN {iban}",
        "bic": "BIC {bic}",
        "payment_reference": "Payment reference to quote: {reference}",
        "scan_to_pay": (
            "Pay by bank transfer: scan this code with your banking app (EPC QR code, {amount}, "
            "reference {reference})."
        ),
        "direct_debit_notice": (
            "Collected on {date} by SEPA direct debit from account {iban} (mandate {mandate}, "
            "creditor ID {creditor})."
        ),
        "reminder_1": "REMINDER",
        "reminder_2": "SECOND REMINDER",
        "reminder_intro_1": (
            "According to our records, invoice no. {number} of {date}, due on {due}, is still "
            "unpaid ({days} days late). Please pay it on receipt of this letter."
        ),
        "reminder_intro_2": (
            "Despite our first reminder, invoice no. {number} of {date}, due on {due}, is still "
            "unpaid ({days} days late). Please pay it within eight days; failing that, the "
            "penalties below will be claimed."
        ),
        "reminder_remaining": "Remaining on the invoice",
        "reminder_penalty": "Late-payment penalties ({rate} a year × {days} days)",
        "reminder_indemnity": "Fixed recovery indemnity",
        "reminder_total": "Total due on {date}",
        "reminder_legal": (
            "Penalties and indemnity due by law (art. L441-10 and D441-5 of the French Commercial"
            " Code), at the rate stated on the invoice."
        ),
        "reminder_ignore": (
            "If your payment has reached us in the meantime, please disregard this letter."
        ),
        "page": "Page {page}/{pages}",
        "legal": "Legal notices",
        "member": "Member",
        "as_of": "Position on {date}",
        "statement_period": "Period from {start} to {end}",
        "funder_statement": "Funder statement",
        "funded_total": "Total of the parts funded",
        "per_period_source": "Per period and source",
        "per_member": "Per member",
        "funded_detail": "Detail per invoice",
        "opening_balance": "Opening balance on {date}",
        "date": "Date",
        "reference": "Reference",
        "label": "Label",
        "debit": "Debit",
        "credit": "Credit",
        "balance": "Balance",
        "entry_invoice": "Invoice",
        "entry_credit_note": "Credit note",
        "entry_payment": "Payment",
        "entry_refund": "Refund",
        "invoiced": "Total invoiced",
        "credited_total": "Total credited",
        "paid": "Total paid",
        "balance_due": "Balance due",
        "overdue": "Of which overdue on {date}",
        "open_items": "Unsettled invoices",
        "remaining": "Remaining",
        "status_overdue": "overdue",
        "status_open": "not yet due",
        "delivery": "Delivery",
        "origin": "Source",
        "lot": "Lot",
        "dlc": "Use by",
        "ddm": "Best before",
        "temperature_class": "Class",
        "measured_temperature": "Measured T°",
        "ordered": "Ordered",
        "delivered": "Delivered",
        "difference_reason": "Reason for difference",
        "ambient": "Ambient",
        "chilled": "Chilled 0–4\u00a0°C",
        "frozen": "Frozen ≤\u00a0−18\u00a0°C",
        "signature_delivered_by": "Delivered by",
        "signature_received_by": "Received by",
        "signature_name": "Name",
        "signature_datetime": "Date and time",
        "signature": "Signature",
        "reserves": "Reservations on receipt",
        "vehicle": "Vehicle",
        "none": "—",
        "purchase_order": "Purchase order",
        "order_date": "Order date",
        "order_reference": "Reference",
        "supplier": "Supplier",
        "buyer": "Buyer",
        "ship_to": "Deliver to",
        "requested_delivery": "Requested delivery",
        "to_be_agreed": "to be agreed",
        "temperature_classes": "Temperatures",
        "cold_chain": (
            "Cold chain: chilled and frozen goods are delivered in a refrigerated vehicle and "
            "their temperature is measured on receipt; goods out of temperature are refused."
        ),
        "supplier_reference": "Ref.",
        "packs": "Packs",
        "pack_price": "Net pack price",
        "net_amount": "Net amount",
        "pack_of": "Pack of {pack}",
        "temp_ambient": "Ambient",
        "temp_chilled": "Chilled",
        "temp_frozen": "Frozen",
        "goods_total": "Goods total excl. VAT",
        "delivery_fee": "Delivery fee excl. VAT",
        "notes": "Notes",
        "po_confirm": (
            "Please confirm this order (quantities, prices and delivery date) by returning it "
            "to us signed."
        ),
        "po_not_invoice": "This purchase order is not an invoice.",
        "po_fee_vat": "The delivery fee follows the VAT of the goods, pro rata.",
        "for_buyer": "For the buyer",
        "agreement": "Supplier's acceptance (bon pour accord)",
        "agreement_mention": "Write \u201cAccepted\u201d, sign and stamp",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if documents can be printed in it."""
    if lang not in LOCALES:
        raise DocumentError(f"lang: documents are printed in {' or '.join(LOCALES)}, not {lang!r}")
    return lang


def money(cents: int, lang: str) -> str:
    """Cents as a currency amount: ``123456`` -> ``"1 234,56 €"`` in French."""
    return _babel_currency(Decimal(cents).scaleb(-2), "EUR", locale=LOCALES[lang])


def number(value: Decimal, lang: str, min_places: int = 0) -> str:
    """A quantity or price with all its significant decimals (never rounded for display)."""
    exponent = value.normalize().as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) else 0)
    fmt = "#,##0" + ("." + "0" * places if places else "")
    return _babel_decimal(value, format=fmt, locale=LOCALES[lang], decimal_quantization=False)


def euros(value: Decimal | str | int, lang: str = "fr") -> str:
    """An amount given in euros (a decimal string or Decimal) as printed: ``"1 110,00 €"``."""
    return money(int((Decimal(value) * 100).to_integral_value()), lang)


#: units printed without a plural mark (symbols)
_SYMBOLS = {"kg", "t", "L", "km", "m²", "m³", "h", "g"}


def quantity(value: Decimal | str | int, unit: str, lang: str = "fr") -> str:
    """A quantity with its unit (a UN/ECE code or a word) as read: ``"96 unités"``, ``"30 kg"``."""
    from .model import UNITS

    q = Decimal(value)
    word = UNITS[unit][0 if lang == "fr" else 1] if unit in UNITS else unit
    if q > 1 and word not in _SYMBOLS and not word.endswith(("s", "x")):
        word += "s"
    return f"{number(q.normalize(), lang)}\u00a0{word}"


def unit_price(value: Decimal, lang: str) -> str:
    """A unit price with at least two decimals, as prices are read."""
    text = number(value, lang, min_places=2)
    return f"{text}\u00a0€" if lang == "fr" else f"€{text}"


def percent(rate: Decimal, lang: str) -> str:
    """A VAT or penalty rate: ``Decimal("5.5")`` -> ``"5,5 %"``."""
    return f"{number(rate, lang)}\u00a0%" if lang == "fr" else f"{number(rate, lang)}%"


def long_date(day: date, lang: str) -> str:
    """``22 novembre 2026`` / ``22 November 2026``; the first of the month is ``1er`` in French."""
    if lang == "fr" and day.day == 1:
        return "1er " + _babel_date(day, format="MMMM y", locale=LOCALES[lang])
    return _babel_date(day, format="long", locale=LOCALES[lang])


def month_year(day: date, lang: str) -> str:
    """``novembre 2026`` / ``November 2026``: the month a charge belongs to."""
    return _babel_date(day, format="LLLL y", locale=LOCALES[lang])


def short_date(day: date, lang: str) -> str:
    """``22/11/2026`` in both languages (the European order)."""
    return day.strftime("%d/%m/%Y")

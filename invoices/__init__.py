"""Cost-share invoices, credit notes, delivery notes and statements as PDFs, with Factur-X.

Pure library: dataclasses in, PDF or XML bytes out; no Flask, no database.
"""

from .cii import check_xsd, facturx_xml, render_facturx
from .delivery import DeliveryItem, DeliveryNote, TemperatureClass
from .exceptions import DocumentError, FacturXError, InvoiceError
from .model import (
    FRENCH_VAT_RATES,
    RECOVERY_INDEMNITY_CENTS,
    UNITS,
    Deduction,
    DeliveryAddress,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceTotals,
    Nature,
    Party,
    VatBreakdown,
    VatRegime,
)
from .pdf import render_delivery_note, render_invoice, render_statement
from .statement import (
    EntryKind,
    OpenItem,
    Statement,
    StatementEntry,
    StatementSummary,
)

__all__ = [
    "FRENCH_VAT_RATES",
    "RECOVERY_INDEMNITY_CENTS",
    "UNITS",
    "Deduction",
    "DeliveryAddress",
    "DocumentError",
    "FacturXError",
    "Invoice",
    "InvoiceError",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceTotals",
    "Nature",
    "Party",
    "VatBreakdown",
    "VatRegime",
    "DeliveryItem",
    "DeliveryNote",
    "EntryKind",
    "OpenItem",
    "Statement",
    "StatementEntry",
    "StatementSummary",
    "TemperatureClass",
    "check_xsd",
    "facturx_xml",
    "render_delivery_note",
    "render_facturx",
    "render_invoice",
    "render_statement",
]

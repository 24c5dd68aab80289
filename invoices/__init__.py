"""Cost-share invoices, credit notes, delivery notes, statements and purchase orders as PDFs,
with Factur-X for invoices.

Pure library: dataclasses in, PDF or XML bytes out; no Flask, no database.
"""

from .archive import (
    ArchivedDocument,
    generate_signing_key,
    key_fingerprint,
    public_key_of,
    verify_archive,
    year_archive,
)
from .bankfiles import BankFile, BankLine, read_statement
from .cii import check_xsd, facturx_xml, render_facturx
from .delivery import DeliveryItem, DeliveryNote, TemperatureClass
from .exceptions import DocumentError, FacturXError, InvoiceError, StatementError
from .funder_statement import FundedPart, FunderStatement
from .matching import Credit, Match, MatchResult, OpenInvoice, match_credits
from .model import (
    FRENCH_VAT_RATES,
    RECOVERY_INDEMNITY_CENTS,
    UNITS,
    Deduction,
    DeliveryAddress,
    DirectDebitNotice,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceTotals,
    Nature,
    Party,
    VatBreakdown,
    VatRegime,
)
from .payment import (
    Collection,
    LateFigures,
    TransferRequest,
    check_bic,
    check_creditor_id,
    creditor_reference,
    direct_debit_xml,
    format_reference,
    invoice_reference,
    pain008_schema,
)
from .pdf import (
    render_delivery_note,
    render_funder_statement,
    render_invoice,
    render_purchase_order,
    render_reminder,
    render_statement,
)
from .purchase_order import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderTotals,
    PurchaseOrderVat,
)
from .reminder import Reminder
from .statement import (
    EntryKind,
    OpenItem,
    Statement,
    StatementEntry,
    StatementSummary,
)

__all__ = [
    "BankFile",
    "BankLine",
    "read_statement",
    "StatementError",
    "Credit",
    "Match",
    "MatchResult",
    "OpenInvoice",
    "match_credits",
    "FundedPart",
    "FunderStatement",
    "render_funder_statement",
    "ArchivedDocument",
    "generate_signing_key",
    "key_fingerprint",
    "public_key_of",
    "verify_archive",
    "year_archive",
    "FRENCH_VAT_RATES",
    "RECOVERY_INDEMNITY_CENTS",
    "UNITS",
    "Deduction",
    "DeliveryAddress",
    "DirectDebitNotice",
    "Collection",
    "LateFigures",
    "Reminder",
    "TransferRequest",
    "check_bic",
    "check_creditor_id",
    "creditor_reference",
    "direct_debit_xml",
    "format_reference",
    "invoice_reference",
    "pain008_schema",
    "render_reminder",
    "DocumentError",
    "FacturXError",
    "Invoice",
    "InvoiceError",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceTotals",
    "Nature",
    "Party",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderTotals",
    "PurchaseOrderVat",
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
    "render_purchase_order",
    "render_statement",
]

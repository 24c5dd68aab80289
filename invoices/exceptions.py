"""Errors raised by the invoices library."""


class InvoiceError(ValueError):
    """Base class: the document cannot be built or rendered as given."""


class DocumentError(InvoiceError):
    """A document field is missing or invalid; the message names the field."""


class FacturXError(InvoiceError):
    """The Factur-X XML or the PDF/A-3 it is embedded in is not valid."""


class StatementError(InvoiceError):
    """A bank statement file cannot be read: not CAMT.053 nor a known CSV, not EUR, malformed."""

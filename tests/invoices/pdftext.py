"""Read a rendered PDF back as a user would see it."""

import re
from io import BytesIO

import pdfplumber


def pdf_pages_text(pdf: bytes) -> list[str]:
    """Text of each page, with every kind of space (narrow no-break...) as a plain space."""
    with pdfplumber.open(BytesIO(pdf)) as doc:
        return [
            re.sub(r"[\u00a0\u202f\u2009 ]+", " ", page.extract_text() or "") for page in doc.pages
        ]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages_text(pdf))


def pdf_flow_text(pdf: bytes) -> str:
    """Text in drawing order with all whitespace collapsed: a table row reads as one run,
    even when its cells wrap onto several lines."""
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)

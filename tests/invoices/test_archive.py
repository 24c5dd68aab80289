"""The year-end archive: a controller checks it with openssl and sha256sum alone."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import date

import pytest

from invoices import (
    ArchivedDocument,
    DocumentError,
    generate_signing_key,
    public_key_of,
    render_invoice,
    verify_archive,
    year_archive,
)

from .conftest import make_credit_note, make_invoice

KEY = generate_signing_key()


def archived(number: str, pdf: bytes, kind: str = "invoice") -> ArchivedDocument:
    return ArchivedDocument(number, kind, date(2026, 11, 30), "Épicerie solidaire Les Milles", 39581, pdf,
                            hashlib.sha256(pdf).hexdigest())


@pytest.fixture(scope="module")
def documents():
    return [archived("2026-000001", render_invoice(make_invoice())),
            archived("2026-000002", render_invoice(make_credit_note()), "credit_note")]


def test_an_archive_lists_every_document_with_its_hash_and_verifies(documents):
    archive = year_archive(documents, year=2026, issuer="Plateforme", signing_key_pem=KEY)
    assert verify_archive(archive, public_key_of(KEY)) == []
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert {"2026-000001.pdf", "2026-000002.pdf", "index.csv", "SHA256SUMS", "SHA256SUMS.sig",
                "public_key.pem", "LISEZMOI.txt"} == set(z.namelist())
        index = z.read("index.csv").decode().splitlines()
        assert index[1].startswith("2026-000001;invoice;2026-11-30;Épicerie solidaire Les Milles;395.81;")
        assert "numéros 2026-000001 à 2026-000002, sans trou" in z.read("LISEZMOI.txt").decode()


def test_a_changed_document_or_another_key_fails_verification(documents):
    archive = year_archive(documents, year=2026, issuer="Plateforme", signing_key_pem=KEY)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data + b"%" if name == "2026-000002.pdf" else data)
    assert verify_archive(out.getvalue(), public_key_of(KEY)) == ["2026-000002.pdf does not have its SHA-256"]
    other = public_key_of(generate_signing_key())
    assert verify_archive(archive, other) == ["SHA256SUMS.sig does not sign SHA256SUMS with this key"]


def test_a_gap_in_the_series_or_a_pdf_changed_since_issue_is_refused(documents):
    with pytest.raises(DocumentError, match="^documents: 2026-000002 is missing"):
        year_archive([documents[0], replace(documents[1], number="2026-000003")], year=2026, issuer="P",
                     signing_key_pem=KEY)
    with pytest.raises(DocumentError, match="^sha256: the stored PDF of 2026-000001"):
        replace(documents[0], pdf=documents[0].pdf + b" ")


@pytest.mark.skipif(shutil.which("openssl") is None or shutil.which("sha256sum") is None,
                    reason="openssl and sha256sum are needed to check the archive as a controller would")
def test_a_controller_verifies_with_standard_tools(documents, tmp_path):
    archive = year_archive(documents, year=2026, issuer="Plateforme", signing_key_pem=KEY)
    zipfile.ZipFile(io.BytesIO(archive)).extractall(tmp_path)
    subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "public_key.pem", "-rawin",
                    "-in", "SHA256SUMS", "-sigfile", "SHA256SUMS.sig"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=30)
    subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, check=True, capture_output=True, timeout=30)

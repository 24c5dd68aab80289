"""The year-end archive: every issued document of a year, with a signed list of their SHA-256.

A controller verifies it years later with standard tools and nothing from this project:
``openssl pkeyutl -verify`` checks the Ed25519 signature of ``SHA256SUMS`` against the
coordination's public key, then ``sha256sum -c SHA256SUMS`` checks every file. The archive
refuses a year whose numbering has a gap, so the signed list is also the proof that the series
is complete.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .exceptions import DocumentError

_NUMBER = re.compile(r"^(\d{4})-(\d{6})$")
MANIFEST, SIGNATURE, PUBLIC_KEY, INDEX, README = (
    "SHA256SUMS", "SHA256SUMS.sig", "public_key.pem", "index.csv", "LISEZMOI.txt")


@dataclass(frozen=True)
class ArchivedDocument:
    """An issued invoice or credit note as stored: its bytes and the SHA-256 recorded at issue."""

    number: str
    kind: str
    issue_date: date
    customer: str
    total_cents: int
    pdf: bytes
    sha256: str

    def __post_init__(self) -> None:
        if not _NUMBER.match(self.number or ""):
            raise DocumentError(f"number: {self.number!r} is not a YYYY-NNNNNN number")
        if self.kind not in ("invoice", "credit_note"):
            raise DocumentError(f"kind: {self.kind!r} is neither invoice nor credit_note")
        if hashlib.sha256(self.pdf).hexdigest() != self.sha256:
            raise DocumentError(f"sha256: the stored PDF of {self.number} no longer has the SHA-256 recorded at issue")


def generate_signing_key() -> bytes:
    """A new Ed25519 private key, PEM (PKCS #8, unencrypted: keep the file private)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def public_key_of(signing_key_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(signing_key_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise DocumentError("signing_key: expected an Ed25519 private key")
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_fingerprint(public_key_pem: bytes) -> str:
    """SHA-256 of the public key's DER form, the value a controller compares with the published one."""
    key = serialization.load_pem_public_key(public_key_pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def year_archive(documents: Sequence[ArchivedDocument], *, year: int, issuer: str, signing_key_pem: bytes) -> bytes:
    """The ZIP of a year's documents: the PDFs, ``index.csv``, ``SHA256SUMS`` signed with the
    coordination's Ed25519 key (``SHA256SUMS.sig``, raw 64 bytes), its public key and how to check."""
    docs = sorted(documents, key=lambda d: d.number)
    if not docs:
        raise DocumentError(f"documents: nothing was issued in {year}")
    for expected, doc in enumerate(docs, start=1):
        y, n = _NUMBER.match(doc.number).groups()
        if int(y) != year:
            raise DocumentError(f"documents: {doc.number} is not of the {year} series")
        if int(n) != expected:
            raise DocumentError(f"documents: {year}-{expected:06d} is missing: the series has a gap")
    index = io.StringIO()
    writer = csv.writer(index, delimiter=";", lineterminator="\n")
    writer.writerow(["number", "kind", "issue_date", "customer", "total", "sha256", "file"])
    for d in docs:
        writer.writerow([d.number, d.kind, d.issue_date.isoformat(), d.customer,
                         f"{d.total_cents // 100}.{d.total_cents % 100:02d}", d.sha256, f"{d.number}.pdf"])
    index_bytes = index.getvalue().encode()
    lines = [f"{d.sha256}  {d.number}.pdf" for d in docs]
    lines.append(f"{hashlib.sha256(index_bytes).hexdigest()}  {INDEX}")
    manifest = ("\n".join(lines) + "\n").encode()
    key = serialization.load_pem_private_key(signing_key_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise DocumentError("signing_key: expected an Ed25519 private key")
    public = public_key_of(signing_key_pem)
    readme = (
        f"Archive des factures et avoirs {year} — {issuer}\n\n"
        f"{len(docs)} documents, numéros {docs[0].number} à {docs[-1].number}, sans trou.\n"
        f"Empreinte SHA-256 de la clé publique : {key_fingerprint(public)}\n"
        "(à comparer avec l'empreinte publiée par la coordination).\n\n"
        "Vérification :\n"
        f"  openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin -in {MANIFEST} -sigfile {SIGNATURE}\n"
        f"  sha256sum -c {MANIFEST}\n"
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for d in docs:
            z.writestr(zipfile.ZipInfo(f"{d.number}.pdf", date_time=(*d.issue_date.timetuple()[:3], 0, 0, 0)), d.pdf)
        z.writestr(INDEX, index_bytes)
        z.writestr(MANIFEST, manifest)
        z.writestr(SIGNATURE, key.sign(manifest))
        z.writestr(PUBLIC_KEY, public)
        z.writestr(README, readme)
    return out.getvalue()


def verify_archive(archive: bytes, public_key_pem: bytes) -> list[str]:
    """What is wrong with an archive against the coordination's public key ([] when it is intact)."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        names = set(z.namelist())
        for needed in (MANIFEST, SIGNATURE):
            if needed not in names:
                return [f"{needed} is missing"]
        manifest = z.read(MANIFEST)
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, Ed25519PublicKey):
            return ["the public key is not an Ed25519 key"]
        try:
            key.verify(z.read(SIGNATURE), manifest)
        except InvalidSignature:
            return [f"{SIGNATURE} does not sign {MANIFEST} with this key"]
        listed = set()
        for line in manifest.decode().splitlines():
            digest, name = line.split("  ", 1)
            listed.add(name)
            if name not in names:
                problems.append(f"{name} is missing")
            elif hashlib.sha256(z.read(name)).hexdigest() != digest:
                problems.append(f"{name} does not have its SHA-256")
        extra = names - listed - {MANIFEST, SIGNATURE, PUBLIC_KEY, README}
        problems += [f"{name} is not listed in {MANIFEST}" for name in sorted(extra)]
    return problems


__all__ = ["ArchivedDocument", "generate_signing_key", "key_fingerprint", "public_key_of", "verify_archive",
           "year_archive"]

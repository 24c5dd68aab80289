"""CAMT.053 statements as banks send them (camt.053.001.02 and .08), for the import tests, and
the official ISO 20022 schemas they are checked against."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

XSD_DIR = Path(__file__).parent / "iso20022"
_refs = itertools.count(1)


@dataclass(frozen=True)
class Entry:
    amount: str  # "123.45"
    booked: date
    name: str = ""
    iban: str = ""
    ustrd: str = ""  # unstructured remittance information
    creditor_ref: str = ""  # structured: an RF reference
    credit: bool = True
    reference: str | None = None  # AcctSvcrRef; None: a fresh one, "": none at all
    currency: str = "EUR"


def _tx(e: Entry, version: str, ref: str) -> str:
    party = "Dbtr" if e.credit else "Cdtr"
    name = escape(e.name)
    named = f"<Nm>{name}</Nm>" if version == "02" else f"<Pty><Nm>{name}</Nm></Pty>"
    parties = ""
    if e.name or e.iban:
        parties = "<RltdPties>"
        if e.name:
            parties += f"<{party}>{named}</{party}>"
        if e.iban:
            parties += f"<{party}Acct><Id><IBAN>{e.iban}</IBAN></Id></{party}Acct>"
        parties += "</RltdPties>"
    remittance = ""
    if e.creditor_ref:
        remittance = (f"<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                      f"<Ref>{e.creditor_ref}</Ref></CdtrRefInf></Strd></RmtInf>")
    elif e.ustrd:
        remittance = f"<RmtInf><Ustrd>{escape(e.ustrd)}</Ustrd></RmtInf>"
    refs = f"<Refs>{f'<AcctSvcrRef>{ref}</AcctSvcrRef>' if ref else ''}<EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
    side = "CRDT" if e.credit else "DBIT"
    amount = "" if version == "02" else f'<Amt Ccy="{e.currency}">{e.amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
    return f"<TxDtls>{refs}{amount}{parties}{remittance}</TxDtls>"


def statement(entries: list[Entry], *, iban: str, version: str = "02", statement_id: str = "STMT-2026-11",
              account_currency: str = "EUR") -> bytes:
    """A camt.053 document of one statement with these booked entries."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    status = "<Sts>BOOK</Sts>" if version == "02" else "<Sts><Cd>BOOK</Cd></Sts>"
    day = min((e.booked for e in entries), default=date(2026, 12, 1))
    bal = (f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt>'
           f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>")
    body = []
    for e in entries:
        ref = f"ACSV{next(_refs):08d}" if e.reference is None else e.reference
        body.append(
            f'<Ntry><Amt Ccy="{e.currency}">{e.amount}</Amt><CdtDbtInd>{"CRDT" if e.credit else "DBIT"}</CdtDbtInd>'
            f"{status}<BookgDt><Dt>{e.booked.isoformat()}</Dt></BookgDt><ValDt><Dt>{e.booked.isoformat()}</Dt></ValDt>"
            f"{f'<AcctSvcrRef>{ref}</AcctSvcrRef>' if ref else ''}"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{'RCDT' if e.credit else 'ICDT'}</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
            f"</Fmly></Domn></BkTxCd><NtryDtls>{_tx(e, version, ref)}</NtryDtls></Ntry>")
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><BkToCstmrStmt>'
           f"<GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>"
           f"<Stmt><Id>{statement_id}</Id><CreDtTm>2026-12-01T06:00:00</CreDtTm>"
           f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{account_currency}</Ccy></Acct>{bal}{''.join(body)}</Stmt>"
           "</BkToCstmrStmt></Document>")
    return xml.encode()


@cache
def _schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"camt.053.001.{version}.xsd")))


def assert_valid(document: bytes, version: str) -> None:
    """The document is valid against the official camt.053.001.<version> XSD."""
    schema = _schema(version)
    root = etree.fromstring(document)
    assert schema.validate(root), schema.error_log.filter_from_errors()

"""Reading bank statements: ISO 20022 CAMT.053 (camt.053.001.02 and later versions) and the CSV
exports of the main French banks. Bytes in, a :class:`BankFile` out; nothing else is touched.

XML is read with lxml without DTDs, entities or network access: a document declaring a DOCTYPE
is refused outright (no entity expansion, no external fetch), and so is a file over
``MAX_BYTES``. Every line gets a ``key`` that stays the same when the same movement is imported
again from another file: the bank's own reference (AcctSvcrRef) when the file gives one,
otherwise a SHA-256 of what the line says and of its rank among identical lines of the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from .exceptions import StatementError

MAX_BYTES = 10 * 1024 * 1024
CAMT053 = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})")


@dataclass(frozen=True)
class BankLine:
    """One booked movement: positive ``amount_cents`` is money received."""

    key: str
    booking_date: date
    amount_cents: int
    value_date: date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""  # the payer's remittance information, then the bank's label
    bank_reference: str = ""
    end_to_end_id: str = ""


@dataclass(frozen=True)
class BankFile:
    file_format: str  # "camt.053.001.08", "csv:credit_agricole"...
    lines: tuple[BankLine, ...]
    statement_id: str = ""
    account_iban: str = ""
    from_date: date | None = None
    to_date: date | None = None


def read_statement(data: bytes) -> BankFile:
    """A CAMT.053 document or a French bank's CSV export, told apart by their content."""
    if len(data) > MAX_BYTES:
        raise StatementError(f"file: the statement is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    if not data.strip():
        raise StatementError("file: the file is empty.")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return read_camt053(data)
    return read_csv(data)


# CAMT.053 ------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def _cents(text: str | None, where: str) -> int:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise StatementError(f"file: {where}: {text!r} is not an amount.") from None
    if value != value.quantize(Decimal("0.01")) or value < 0:
        raise StatementError(f"file: {where}: {text!r} is not an amount in euros and cents.")
    return int(value * 100)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise StatementError(f"file: {text!r} is not a date.") from None


def read_camt053(data: bytes) -> BankFile:
    """The booked entries of every statement in the document, each of its transaction details
    a line of its own (a batch booking of several transfers gives several lines)."""
    if len(data) > MAX_BYTES:
        raise StatementError(f"file: the statement is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise StatementError(f"file: not well-formed XML ({exc.msg}).") from None
    if root.getroottree().docinfo.doctype:
        raise StatementError("file: a document type declaration (DOCTYPE) is not allowed in a statement.")
    match = CAMT053.fullmatch(etree.QName(root).namespace or "")
    if etree.QName(root).localname != "Document" or match is None:
        raise StatementError("file: this is not a CAMT.053 bank-to-customer statement "
                             "(urn:iso:std:iso:20022:tech:xsd:camt.053.001.xx Document).")
    version = int(match.group(1))
    ns = {"c": match.group(0)}

    def text(node, path: str) -> str:
        found = node.find(path, ns)
        return (found.text or "").strip() if found is not None and found.text else ""

    statements = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if not statements:
        raise StatementError("file: the document holds no statement (BkToCstmrStmt/Stmt).")
    lines: list[BankLine] = []
    first = statements[0]
    iban = text(first, "c:Acct/c:Id/c:IBAN")
    dates: list[date] = []
    seen: dict[str, int] = {}
    for stmt in statements:
        account = text(stmt, "c:Acct/c:Id/c:IBAN") or text(stmt, "c:Acct/c:Id/c:Othr/c:Id")
        account_ccy = text(stmt, "c:Acct/c:Ccy")
        if account_ccy and account_ccy != "EUR":
            raise StatementError(f"file: the account is kept in {account_ccy}; only EUR accounts are imported.")
        for rank, entry in enumerate(stmt.findall("c:Ntry", ns), start=1):
            status = text(entry, "c:Sts/c:Cd") or text(entry, "c:Sts")  # a choice from version 08 on
            if status and status != "BOOK":
                continue  # pending or information-only entries are not yet money
            amount = entry.find("c:Amt", ns)
            if amount is None:
                raise StatementError(f"file: entry {rank} has no amount (Ntry/Amt).")
            if amount.get("Ccy") != "EUR":
                raise StatementError(f"file: entry {rank} is in {amount.get('Ccy')}; only EUR is imported.")
            sign = {"CRDT": 1, "DBIT": -1}.get(text(entry, "c:CdtDbtInd"))
            if sign is None:
                raise StatementError(f"file: entry {rank} is neither a credit nor a debit (CdtDbtInd).")
            booked = _day(text(entry, "c:BookgDt/c:Dt") or text(entry, "c:BookgDt/c:DtTm"))
            if booked is None:
                raise StatementError(f"file: entry {rank} has no booking date (BookgDt).")
            valued = _day(text(entry, "c:ValDt/c:Dt") or text(entry, "c:ValDt/c:DtTm"))
            entry_ref = text(entry, "c:AcctSvcrRef")
            entry_info = text(entry, "c:AddtlNtryInf")
            details = entry.findall("c:NtryDtls/c:TxDtls", ns)
            total = _cents(amount.text, f"entry {rank}")
            if not details:
                details = [None]
            for k, tx in enumerate(details, start=1):
                cents = total
                if tx is not None and len(details) > 1:
                    tx_amount = tx.find("c:Amt", ns)
                    if tx_amount is None:
                        tx_amount = tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
                    if tx_amount is None:
                        raise StatementError(f"file: entry {rank}, transaction {k} has no amount.")
                    if tx_amount.get("Ccy") != "EUR":
                        raise StatementError(f"file: entry {rank}, transaction {k} is in "
                                             f"{tx_amount.get('Ccy')}; only EUR is imported.")
                    cents = _cents(tx_amount.text, f"entry {rank}, transaction {k}")
                if cents == 0:
                    continue
                name = party_iban = ustrd = strd = tx_ref = e2e = ""
                if tx is not None:
                    # the other party: the debtor of a credit, the creditor of a debit
                    party = "Dbtr" if sign > 0 else "Cdtr"
                    name = (text(tx, f"c:RltdPties/c:{party}/c:Nm")
                            or text(tx, f"c:RltdPties/c:{party}/c:Pty/c:Nm"))
                    party_iban = text(tx, f"c:RltdPties/c:{party}Acct/c:Id/c:IBAN")
                    ustrd = " ".join((u.text or "").strip() for u in tx.findall("c:RmtInf/c:Ustrd", ns))
                    strd = " ".join((r.text or "").strip()
                                    for r in tx.findall("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", ns))
                    tx_ref = text(tx, "c:Refs/c:AcctSvcrRef")
                    e2e = text(tx, "c:Refs/c:EndToEndId")
                    if e2e == "NOTPROVIDED":
                        e2e = ""
                remittance = " ".join(p for p in (strd, ustrd, text(tx, "c:AddtlTxInf") if tx is not None else "",
                                                  entry_info) if p)
                reference = tx_ref or (f"{entry_ref}/{k}" if entry_ref and len(details) > 1 else entry_ref)
                if reference:
                    key = f"ref:{account}:{reference}"
                else:
                    what = _digest(account, booked.isoformat(), str(sign * cents), name, party_iban, remittance, e2e)
                    seen[what] = seen.get(what, 0) + 1  # identical lines of one file stay distinct
                    key = f"hash:{_digest(what, str(seen[what]))}"
                lines.append(BankLine(key=key[:200], booking_date=booked, value_date=valued,
                                      amount_cents=sign * cents, counterparty_name=name[:200],
                                      counterparty_iban=party_iban.replace(" ", "")[:34], remittance=remittance,
                                      bank_reference=(reference or e2e)[:140], end_to_end_id=e2e))
                dates.append(booked)
        for period in stmt.findall("c:FrToDt", ns):
            dates.extend(d for d in (_day(text(period, "c:FrDtTm")), _day(text(period, "c:ToDtTm"))) if d)
    return BankFile(file_format=f"camt.053.001.{version:02d}", lines=tuple(lines),
                    statement_id=text(first, "c:Id")[:140], account_iban=iban,
                    from_date=min(dates) if dates else None, to_date=max(dates) if dates else None)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# French banks' CSV ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents or spaces: column names as banks vary them."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9()]", "", plain.lower())


#: The layouts recognised, by the folded names of their columns: date, value date, label(s),
#: debit, credit or one signed amount, currency.
CSV_LAYOUTS = {
    "credit_agricole": {"date": "date", "label": "libelle", "debit": "debiteuros", "credit": "crediteuros"},
    "credit_mutuel": {"date": "date", "value_date": "datedevaleur", "label": "libelle", "debit": "debit",
                      "credit": "credit"},
    "banque_postale": {"date": "date", "label": "libelle", "amount": "montant(euros)"},
    "societe_generale": {"date": "datedeloperation", "label": "libelle", "detail": "detaildelecriture",
                         "amount": "montantdeloperation", "currency": "devise"},
}


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # exports of French banks that are not UTF-8 are Windows-1252 (Latin-1 with € and œ)
        return data.decode("cp1252", errors="replace")


def _csv_cents(text: str, where: str) -> int:
    cleaned = text.strip().replace("\xa0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    if not cleaned:
        return 0
    if not re.fullmatch(r"[+-]?[0-9]+(,[0-9]{1,2})?", cleaned):
        raise StatementError(f"file: {where}: {text.strip()!r} is not an amount with a decimal comma.")
    value = Decimal(cleaned.replace(",", "."))
    return int(value * 100)


def _csv_day(text: str, where: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise StatementError(f"file: {where}: {text.strip()!r} is not a date (dd/mm/yyyy).") from None


def _payer_in(label: str) -> str:
    """The payer's name as French banks write it in a transfer's label (``DE: NAME`` or ``/DE NAME``)."""
    found = re.search(r"(?:\bDE\s*:|/DE\s)\s*([^/]+?)(?=\s+(?:MOTIF|REF|/|ID\b|$)|/|$)", label, re.IGNORECASE)
    return found.group(1).strip() if found else ""


def read_csv(data: bytes) -> BankFile:
    """A CSV export: ``;``-separated, decimal comma, dates dd/mm/yyyy, UTF-8 or Windows-1252
    (Latin-1); the account's header lines before the column names are skipped (the IBAN is
    read from them when it is there)."""
    text = _decode(data)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header_at = layout_name = None
    for i, row in enumerate(rows[:30]):
        folded = [_fold(c) for c in row]
        for name, layout in CSV_LAYOUTS.items():
            needed = {v for k, v in layout.items()}
            if needed <= set(folded):
                if layout_name is None or len(needed) > len(CSV_LAYOUTS[layout_name].values()):
                    header_at, layout_name = i, name
        if header_at is not None:
            break
    if header_at is None:
        raise StatementError("file: neither a CAMT.053 statement nor a known bank CSV export (columns "
                             "Date;Libellé;Débit euros;Crédit euros, Date;Date de valeur;Débit;Crédit;Libellé, "
                             "Date;Libellé;Montant(EUROS) or Date de l'opération;Libellé;…;Montant de l'opération;"
                             "Devise).")
    iban = ""
    for row in rows[:header_at]:
        for cell in row:
            found = re.search(r"\bFR\d{2}(?:\s?[0-9A-Z]{4}){5}\s?[0-9A-Z]{3}\b", cell.upper())
            if found:
                iban = found.group(0).replace(" ", "")
    layout = CSV_LAYOUTS[layout_name]
    columns = [_fold(c) for c in rows[header_at]]
    where = {k: columns.index(v) for k, v in layout.items()}
    lines: list[BankLine] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(columns) - 1 or not row[where["date"]].strip():
            continue  # a footer (balance, totals)
        place = f"line {n}"

        def cell(name: str, row: list[str] = row) -> str:
            i = where.get(name)
            return row[i] if i is not None and i < len(row) else ""

        if layout.get("currency") and cell("currency").strip() not in ("", "EUR"):
            raise StatementError(f"file: {place}: the amount is in {cell('currency').strip()}; only EUR is imported.")
        booked = _csv_day(cell("date"), place)
        if "amount" in layout:
            cents = _csv_cents(cell("amount"), place)
        else:
            cents = abs(_csv_cents(cell("credit"), place)) - abs(_csv_cents(cell("debit"), place))
        if cents == 0:
            continue
        label = " ".join(" ".join(p.split()) for p in (cell("label"), cell("detail")) if p.strip())
        valued = _csv_day(cell("value_date"), place) if cell("value_date").strip() else None
        what = _digest(iban, booked.isoformat(), str(cents), label)
        seen[what] = seen.get(what, 0) + 1
        lines.append(BankLine(key=f"hash:{_digest(what, str(seen[what]))}", booking_date=booked, value_date=valued,
                              amount_cents=cents, counterparty_name=_payer_in(label)[:200], remittance=label))
    days = [line.booking_date for line in lines]
    return BankFile(file_format=f"csv:{layout_name}", lines=tuple(lines), account_iban=iban,
                    from_date=min(days) if days else None, to_date=max(days) if days else None)

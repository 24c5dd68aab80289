"""Matching the credits of a bank statement to open invoices.

Rules, in order, for each credit (oldest booking first, so that earlier lines pay first):

1. **Reference**: the remittance text cites invoices — an ISO 11649 creditor reference (RF…) or
   an invoice number (``2026-000123``). The money pays them in the order cited, each up to what
   remains; a surplus becomes a credit on the customer's account.
2. **Amount and payer**: no reference, but the payer is known — its IBAN was seen on an earlier
   line matched to that customer, or its name is the customer's — and the amount is exactly what
   remains of one of that customer's open invoices (the oldest such invoice is paid).
3. Otherwise the line waits for a person.

Pure and indexed: every lookup is a dictionary access, so a statement of n lines against m
invoices is matched in O(n + m) (plus the customers' names, compared once per distinct payer).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from stdnum import iso11649

#: an RF reference as people write it (groups of four, spaces optional), and an invoice number
RF_PATTERN = re.compile(r"\bRF\s?[0-9]{2}\b|\bRF[0-9]{2}(?=[0-9A-Z])")
NUMBER_PATTERN = re.compile(r"\b(\d{4})[-/ ]?(\d{6})\b")
#: words that say nothing about who a payer is
NAME_NOISE = frozenset({"ASSOCIATION", "ASSOC", "ASS", "ASSO", "L", "LA", "LE", "LES", "DE", "DU", "DES", "D",
                        "ET", "AU", "AUX", "M", "MME", "MR", "SARL", "SAS", "SA", "VIR", "VIREMENT", "SEPA",
                        "RECU", "INST", "INSTANTANE", "FAVEUR", "POUR", "PAR"})



@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    customer: tuple[str, int]  # ("member", 3) or ("funder", 1)
    remaining_cents: int
    issue_date: date
    reference: str = ""  # its RF creditor reference


@dataclass(frozen=True)
class Credit:
    """A credit line of the statement."""

    key: str
    booking_date: date
    amount_cents: int
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    amount_cents: int


@dataclass(frozen=True)
class Match:
    key: str
    rule: str  # "reference" or "amount_payer"
    customer: tuple[str, int]
    allocations: tuple[Allocation, ...]
    surplus_cents: int = 0  # a credit on the customer's account


@dataclass
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # the keys left for a person

    def summary(self) -> dict:
        rules: dict[str, int] = {}
        for m in self.matches:
            rules[m.rule] = rules.get(m.rule, 0) + 1
        return {"matched": len(self.matches), "unmatched": len(self.unmatched), "by_rule": rules,
                "paid_cents": sum(a.amount_cents for m in self.matches for a in m.allocations),
                "credit_cents": sum(m.surplus_cents for m in self.matches)}


def name_words(name: str) -> frozenset[str]:
    """A name's significant words, upper case without accents or punctuation (numbers kept:
    « Association solidaire n° 5 » is {SOLIDAIRE, 5})."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    return frozenset(w for w in re.split(r"[^A-Z0-9]+", plain)
                     if (len(w) > 1 or w.isdigit()) and w not in NAME_NOISE)


def _distinctive(words: frozenset[str]) -> bool:
    # a name that is only a number or initials says too little to recognise a payer by
    return any(len(w) >= 3 and not w.isdigit() for w in words)


def references_in(text: str) -> list[str]:
    """The RF references and invoice numbers a remittance text cites, in order, normalised
    (``RF…`` compact, numbers as ``YYYY-NNNNNN``)."""
    found: list[tuple[int, str]] = []
    upper = text.upper()
    for m in RF_PATTERN.finditer(upper):
        # the reference may be cut in groups of four: the longest run of groups that checks
        head, body, best = m.group(0).replace(" ", ""), "", None
        for word in upper[m.end():].split()[:6]:
            if not word.isalnum() or len(body) + len(word) > 21:
                break
            body += word
            if iso11649.is_valid(head + body):
                best = head + body
        if best:
            found.append((m.start(), best))
    for m in NUMBER_PATTERN.finditer(upper):
        found.append((m.start(), f"{m.group(1)}-{m.group(2)}"))
    seen, out = set(), []
    for _pos, ref in sorted(found):
        if ref not in seen:
            seen.add(ref)
            out.append(ref)
    return out


def match_credits(credits: Iterable[Credit], invoices: Sequence[OpenInvoice], *,
                  customer_names: Mapping[tuple[str, int], Iterable[str]] = (),
                  known_ibans: Mapping[str, tuple[str, int]] = ()) -> MatchResult:
    """Match each credit by reference, then by amount and payer (see the module's rules).

    ``customer_names``: each customer's names (legal and short); ``known_ibans``: IBANs seen on
    earlier lines and the customer they belong to. Remaining amounts are consumed as lines are
    matched, so two lines never pay the same euro twice.
    """
    remaining = {inv.id: inv.remaining_cents for inv in invoices}
    by_ref: dict[str, OpenInvoice] = {}
    for inv in invoices:
        by_ref[inv.number.upper()] = inv
        if inv.reference:
            by_ref[inv.reference.upper()] = inv
    # customer → amount → its open invoices, oldest first
    by_amount: dict[tuple[str, int], dict[int, list[OpenInvoice]]] = {}
    for inv in sorted(invoices, key=lambda i: (i.issue_date, i.number)):
        by_amount.setdefault(inv.customer, {}).setdefault(inv.remaining_cents, []).append(inv)
    # each customer name is indexed under its rarest word: a payer's text is compared only with
    # the names whose rarest word it contains
    named = [(c, w) for c, names in dict(customer_names).items() for w in map(name_words, names) if _distinctive(w)]
    frequency: dict[str, int] = {}
    for _c, w in named:
        for word in w:
            frequency[word] = frequency.get(word, 0) + 1
    by_word: dict[str, list[tuple[tuple[str, int], frozenset[str]]]] = {}
    for c, w in named:
        by_word.setdefault(min(w, key=lambda word: (frequency[word], word)), []).append((c, w))
    ibans = {iban.replace(" ", "").upper(): c for iban, c in dict(known_ibans).items()}
    payer_cache: dict[str, tuple[str, int] | None] = {}

    def payer_of(credit: Credit) -> tuple[str, int] | None:
        iban = credit.counterparty_iban.replace(" ", "").upper()
        if iban and iban in ibans:
            return ibans[iban]
        text = credit.counterparty_name or credit.remittance
        if text not in payer_cache:
            said = name_words(text)
            found = {c for word in said for c, w in by_word.get(word, ()) if w <= said}
            payer_cache[text] = found.pop() if len(found) == 1 else None
        return payer_cache[text]

    result = MatchResult()
    for credit in sorted(credits, key=lambda c: (c.booking_date, c.key)):
        if credit.amount_cents <= 0:
            continue
        cited = list({by_ref[r].id: by_ref[r] for r in references_in(credit.remittance) if r in by_ref}.values())
        customers = {inv.customer for inv in cited}
        if cited and len(customers) == 1:
            left, allocations = credit.amount_cents, []
            for inv in cited:
                part = min(left, remaining[inv.id])
                if part > 0:
                    allocations.append(Allocation(inv.id, part))
                    remaining[inv.id] -= part
                    left -= part
            result.matches.append(Match(credit.key, "reference", customers.pop(), tuple(allocations), left))
            if iban := credit.counterparty_iban.replace(" ", "").upper():
                ibans.setdefault(iban, cited[0].customer)
            continue
        payer = payer_of(credit)
        if payer is not None:
            candidates = by_amount.get(payer, {}).get(credit.amount_cents, [])
            chosen = next((inv for inv in candidates if remaining[inv.id] == credit.amount_cents), None)
            if chosen is not None:
                remaining[chosen.id] = 0
                result.matches.append(Match(credit.key, "amount_payer", payer,
                                            (Allocation(chosen.id, credit.amount_cents),)))
                continue
        result.unmatched.append(credit.key)
    return result

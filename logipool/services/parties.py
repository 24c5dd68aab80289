"""The coordination, its members, funders and suppliers as parties of printed documents."""

from __future__ import annotations

from collections.abc import Callable

import invoices

from ..errors import InvalidInput
from ..models import Coordination, Funder, Member, Site, Supplier


def logo_of(session, coordination_id: int) -> bytes | None:
    """The coordination's logo for its documents, if it configured one."""
    return session.get(Coordination, coordination_id).logo


def document_part(what: str, build: Callable[[], object]):
    """Build a document part; a missing or wrong detail (postcode, SIREN...) becomes a 422 naming
    whose detail it is, e.g. ``member 3.postcode``, so that it can be completed first."""
    try:
        return build()
    except invoices.DocumentError as exc:
        field, _, message = str(exc).partition(": ")
        raise InvalidInput.field(f"{what}.{field}", f"{message or exc} (complete it before printing)") from None


_REGIMES = {
    "outside_vat": invoices.VatRegime.OUTSIDE_SCOPE,
    "franchise_293b": invoices.VatRegime.FRANCHISE_293B,
    "cost_sharing_261b": invoices.VatRegime.COST_SHARING_261B,
    "vat_registered": invoices.VatRegime.VAT_REGISTERED,
}


def vat_regime(regime) -> invoices.VatRegime:
    return _REGIMES[regime.value if hasattr(regime, "value") else regime]


def _lines(street: str) -> tuple[str, ...]:
    return tuple(line for line in (street or "").splitlines() if line.strip()) or ("",)


def coordination_party(c: Coordination) -> invoices.Party:
    return invoices.Party(
        legal_name=c.legal_name,
        address_lines=_lines(c.street),
        postcode=c.postcode,
        city=c.city,
        country=c.country,
        siren=c.siren,
        siret=c.siret,
        vat_number=c.vat_number,
        email=c.email,
        vat_regime=vat_regime(c.vat_regime),
        iban=c.iban,
        bic=c.bic,
    )


def member_party(m: Member) -> invoices.Party:
    return invoices.Party(
        legal_name=m.legal_name,
        address_lines=_lines(m.street),
        postcode=m.postcode,
        city=m.city,
        country=m.country,
        siren=m.siren,
        siret=m.siret,
        vat_number=m.vat_number,
        email=m.contact_email,
        vat_regime=vat_regime(m.vat_regime),
    )


def funder_party(f: Funder) -> invoices.Party:
    return invoices.Party(
        legal_name=f.name,
        address_lines=_lines(f.street),
        postcode=f.postcode,
        city=f.city,
        country=f.country,
        siren=f.siren,
        email=f.contact_email,
    )


def supplier_party(s: Supplier) -> invoices.Party:
    return invoices.Party(
        legal_name=s.name,
        address_lines=_lines(s.street),
        postcode=s.postcode,
        city=s.city,
        country=s.country,
        siret=s.siret,
        email=s.contact_email,
    )


def site_address(site: Site) -> invoices.DeliveryAddress:
    return invoices.DeliveryAddress(
        name=site.name, address_lines=_lines(site.street), postcode=site.postcode, city=site.city,
        country=site.country,
    )

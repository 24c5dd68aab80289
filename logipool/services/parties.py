"""The coordination, its members, funders and suppliers as parties of printed documents."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

import invoices

from ..errors import InvalidInput
from ..models import Coordination, Funder, Member, OrderCycle, Site, Supplier


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
    "disbursement": invoices.VatRegime.DISBURSEMENT,
}


def vat_regime(regime) -> invoices.VatRegime:
    return _REGIMES[regime.value if hasattr(regime, "value") else regime]


def _address(row) -> dict:
    """The postal address of a row with the shared address columns."""
    lines = tuple(line for line in (row.street or "").splitlines() if line.strip()) or ("",)
    return {"address_lines": lines, "postcode": row.postcode, "city": row.city, "country": row.country}


# Each builder names what is missing after whose it is: ``member 5.postcode``.


def coordination_party(c: Coordination) -> invoices.Party:
    return document_part("coordination", lambda: invoices.Party(
        legal_name=c.legal_name, **_address(c), siren=c.siren, siret=c.siret, vat_number=c.vat_number,
        email=c.email, vat_regime=vat_regime(c.vat_regime), iban=c.iban, bic=c.bic))


def member_party(m: Member) -> invoices.Party:
    return document_part(f"member {m.id}", lambda: invoices.Party(
        legal_name=m.legal_name, **_address(m), siren=m.siren, siret=m.siret, vat_number=m.vat_number,
        email=m.contact_email, vat_regime=vat_regime(m.vat_regime)))


def funder_party(f: Funder) -> invoices.Party:
    return document_part(f"funder {f.id}", lambda: invoices.Party(
        legal_name=f.name, **_address(f), siren=f.siren, siret=f.siret, email=f.contact_email,
        public_body=f.is_public))


def supplier_party(s: Supplier) -> invoices.Party:
    return document_part(f"supplier {s.id}", lambda: invoices.Party(
        legal_name=s.name, **_address(s), siret=s.siret, email=s.contact_email))


def site_address(site: Site) -> invoices.DeliveryAddress:
    return document_part(f"site {site.id}", lambda: invoices.DeliveryAddress(name=site.name, **_address(site)))


def goods_handover_site(session, cycle: OrderCycle, member_id: int) -> Site | None:
    """Where a member takes delivery of its share of a joint order — the one rule the invoice's
    delivery address and the cycle's delivery note both follow: the cycle's delivery site (the
    warehouse the suppliers deliver to, where members collect), or else the member's first
    active site."""
    if cycle.delivery_site_id is not None:
        return session.get(Site, cycle.delivery_site_id)
    return session.scalars(select(Site).where(Site.member_id == member_id, Site.active).order_by(Site.id)).first()

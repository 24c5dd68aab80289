"""The coordination's logo: checked on upload, printed on its documents."""

from __future__ import annotations

import io

from pypdf import PdfReader

from logipool.models import Coordination, Role

from .test_authz import png_logo


def test_the_logo_is_checked_then_printed_on_statements(client, world, session):
    admin = world.a.headers(Role.ADMIN)
    url = f"/api/v1/coordinations/{world.a.coordination.id}/logo"
    for bad, why in ((b"GIF89a...", "PNG or JPEG"), (b"\x89PNG\r\n\x1a\nbroken", "cannot be read"),
                     (png_logo(8, 8), "16 and 4000")):
        r = client.put(url, data=bad, content_type="image/png", headers=admin)
        assert r.status_code == 422 and r.mimetype == "application/problem+json"
        assert why in r.get_json()["errors"]["logo"][0]
    session.commit()
    assert session.get(Coordination, world.a.coordination.id).logo is None
    logo = png_logo()
    assert client.put(url, data=logo, content_type="image/png", headers=admin).status_code == 204
    got = client.get(url, headers=world.a.headers(Role.TREASURER))
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == logo

    statement = client.get(f"/api/v1/statement.pdf?member_id={world.a.member.id}", headers=admin)
    assert statement.status_code == 200, statement.get_data(as_text=True)
    page = PdfReader(io.BytesIO(statement.data)).pages[0]
    assert len(page.images) == 1
    assert client.delete(url, headers=admin).status_code == 204
    statement = client.get(f"/api/v1/statement.pdf?member_id={world.a.member.id}", headers=admin)
    assert len(PdfReader(io.BytesIO(statement.data)).pages[0].images) == 0


def test_an_issued_invoice_carries_the_logo(client, world, session):
    from .test_invoicing import charge, make_billable, run_and_issue

    admin = world.a.headers(Role.ADMIN)
    url = f"/api/v1/coordinations/{world.a.coordination.id}/logo"
    assert client.put(url, data=png_logo(), content_type="image/png", headers=admin).status_code == 204
    session.commit()
    make_billable(session, world.a)
    charge(session, world.a, 4200)
    session.commit()
    issued = run_and_issue(client, world.a.headers(Role.MANAGER))
    pdf = client.get(f"/api/v1/invoices/{issued['invoices'][0]['invoice_id']}/pdf", headers=admin)
    assert pdf.status_code == 200
    assert len(PdfReader(io.BytesIO(pdf.data)).pages[0].images) == 1

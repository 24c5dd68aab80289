"""Reads carry an ETag and answer ``If-None-Match`` with 304 and no body, so that a client
keeping a copy (an invoice PDF, a member list, a calendar feed) does not download it again."""

from __future__ import annotations

from logipool.models import Role

from ..factories import make_vehicle
from .test_idempotency import invoice  # noqa: F401 - the fixture is used by name


def assert_not_modified(client, path, headers=None):
    first = client.get(path, headers=headers or {})
    assert first.status_code == 200 and first.headers["ETag"].startswith('"'), path
    again = client.get(path, headers=(headers or {}) | {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"", path
    assert again.headers["ETag"] == first.headers["ETag"]
    other = client.get(path, headers=(headers or {}) | {"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data
    return first


def test_an_issued_invoice_pdf_is_not_sent_again(client, world, invoice):  # noqa: F811
    staff = world.a.headers(Role.MANAGER)
    pdf = assert_not_modified(client, f"/api/v1/invoices/{invoice}/pdf", staff)
    assert pdf.headers["ETag"] == f'"{pdf.headers["X-Content-SHA256"]}"'  # the document's own hash
    assert_not_modified(client, f"/api/v1/invoices/{invoice}/facturx.xml", staff)
    # a 304 is no way around authentication
    assert client.get(f"/api/v1/invoices/{invoice}/pdf", headers={"If-None-Match": pdf.headers["ETag"]}
                      ).status_code == 401


def test_json_reads_change_their_etag_when_the_data_changes(client, world):
    staff = world.a.headers(Role.MANAGER)
    first = assert_not_modified(client, "/api/v1/members/", staff)
    changed = client.patch(f"/api/v1/members/{world.a.member.id}", json={"short_name": "Renommée"}, headers=staff)
    assert changed.status_code == 200
    after = client.get("/api/v1/members/", headers=staff | {"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert "Renommée" in after.get_data(as_text=True)


def test_a_calendar_feed_is_polled_cheaply(client, world, session, app):
    truck = make_vehicle(session, world.a.coordination)
    session.commit()
    feed = client.post("/api/v1/calendar-feeds/", json={"vehicle_id": truck.id},
                       headers=world.a.headers(Role.MANAGER)).get_json()
    assert_not_modified(client, feed["url"].removeprefix(app.config["EXTERNAL_URL"]))


def test_the_contract_documents_conditional_reads(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for item in spec["paths"].values():
        if "get" in item:
            assert "304" in item["get"]["responses"]
            assert {"$ref": "#/components/parameters/IF_NONE_MATCH"} in item["get"]["parameters"]

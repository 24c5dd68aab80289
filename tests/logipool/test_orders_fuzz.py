"""Whatever bytes arrive as a price list or a needs file, the answer is a clear 4xx, never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest

from logipool.models import Role

BODIES = [
    b"",
    b"\x00\x01\x02garbage\xff\xfe",
    b"PK\x03\x04not really a zip",
    b'{"json": "instead"}',
    "référence;produit\n".encode("utf-16"),
    b"reference,product,pack_size,price\n" + b"x" * 5000,
    b"a;b;c\n1;2;3\n" * 2000,
]


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("body", [*BODIES, _zip_without_workbook()], ids=lambda b: repr(b[:12]))
@pytest.mark.parametrize(
    "content_type",
    ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"],
)
def test_uploads_never_fail_with_500(client, world, session, body, content_type):
    from logipool.models import Supplier

    h = world.a.headers(Role.MANAGER)
    supplier = Supplier(coordination_id=world.a.coordination.id, name="Grossiste")
    session.add(supplier)
    session.commit()
    r = client.post(
        f"/api/v1/suppliers/{supplier.id}/price-list", data=body, headers=h | {"Content-Type": content_type}
    )
    assert r.status_code in (400, 413, 415, 422), r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    multipart = client.post(
        f"/api/v1/suppliers/{supplier.id}/price-list",
        headers=h,
        data={"file": (io.BytesIO(body), "prix.xlsx")},
        content_type="multipart/form-data",
    )
    assert multipart.status_code in (400, 413, 415, 422), multipart.get_data(as_text=True)

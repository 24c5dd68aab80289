"""schemathesis against the real multi-process server: requests generated from the OpenAPI
document (its coverage phase: each field's edges, and its stateful phase: sequences linking one
answer's ids to the next request) never get a 5xx, an undocumented status or media type, or a body
that breaks the documented schema. A short run on the money endpoints (payments, credit notes, an
invoice and its PDF, charges); the long run over the whole API is recorded in docs/api.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from logipool.models import Role, Site

from .test_concurrency import server  # noqa: F401 - the fixture is used by name
from .test_errors import assert_problem
from .test_idempotency import invoice  # noqa: F401 - the fixture is used by name
from .test_invoicing import make_billable
from .test_routes import day, plan, wait  # noqa: F401 - the fixture is used by name

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_generated_requests_get_only_documented_answers(server, world, invoice, tmp_path):  # noqa: F811
    token = world.a.tokens[Role.MANAGER]
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", f"http://127.0.0.1:{server}/api/v1/openapi.json",
         "--phases", "examples,coverage,stateful", "--checks", CHECKS, "--max-examples", "3",
         "--include-path-regex", r"^/api/v1/(invoices/\{invoice_id\}(/payments|/credit-notes|/pdf)?|charges/)$",
         "-H", f"Authorization: Bearer {token}", "--workers", "1", "--seed", "1", "--no-color",
         "--request-timeout", "30", "--generation-database", "none"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=os.environ | {"NO_COLOR": "1"})
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    tested = re.search(r"Tested:\s+(\d+)", out)
    generated = re.search(r"(\d+) generated", out)
    assert tested and int(tested.group(1)) == 8, out[-3000:]  # invoices' payments, credit notes, PDF; charges
    assert generated and int(generated.group(1)) >= 300, out[-3000:]


# what the long run found, kept as tests ---------------------------------------------------


def test_a_delivery_note_whose_site_was_deleted_since_the_solve_is_not_found(client, world, day, session):  # noqa: F811
    """A site deleted after the plan was solved (the plan keeps its ids): 404 naming it, not a 500."""
    staff = world.a.headers(Role.MANAGER)
    solved = wait(client, world, plan(client, world, day).get_json()["id"])
    assert solved["status"] == "solved", solved
    note = f"/api/v1/route-plans/{solved['id']}/delivery-notes/{world.a.member.id}"
    make_billable(session, world.a)
    for row in session.scalars(select(Site)):
        row.street, row.postcode, row.city = "1 rue du Marché", "13400", "Aubagne"
    session.commit()
    assert client.get(note, headers=staff).status_code == 200, client.get(note, headers=staff).get_json()
    assert client.delete(f"/api/v1/sites/{day['shops'][2].id}", headers=staff).status_code == 204
    for path in (note, note + ".pdf"):
        gone = assert_problem(client.get(path, headers=staff), 404)
        assert str(day["shops"][2].id) in gone["detail"]


def test_a_refused_import_lists_its_rows_as_documented(client, world, session):
    supplier = client.post("/api/v1/suppliers/", json={"name": "Grossiste"}, headers=world.a.headers(Role.MANAGER))
    assert supplier.status_code == 201, supplier.get_json()
    refused = client.post(f"/api/v1/suppliers/{supplier.get_json()['id']}/price-list", data=b"{}",
                          content_type="text/csv", headers=world.a.headers(Role.MANAGER))
    body = assert_problem(refused, 422)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["Problem"]["properties"]["rows"]["type"] == "array"
    assert isinstance(body["rows"], list) and {"row", "column", "message"} <= body["rows"][0].keys()


def test_a_credit_note_reason_with_control_characters_is_refused_not_a_500(client, world, session, invoice):  # noqa: F811
    """The reason is printed in the credit note's Factur-X XML, which cannot carry them."""
    staff = world.a.headers(Role.MANAGER)
    before = client.get(f"/api/v1/invoices/{invoice}", headers=staff).get_json()
    refused = client.post(f"/api/v1/invoices/{invoice}/credit-notes", json={"reason": "Erreur\u0013"}, headers=staff)
    assert "reason" in assert_problem(refused, 422)["errors"]
    assert client.get(f"/api/v1/invoices/{invoice}", headers=staff).get_json() == before
    ok = client.post(f"/api/v1/invoices/{invoice}/credit-notes", json={"reason": "Erreur\tde saisie\n"}, headers=staff)
    assert ok.status_code == 201, ok.get_json()

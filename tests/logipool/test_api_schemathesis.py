"""schemathesis against the real multi-process server: requests generated from the OpenAPI
document (its coverage phase: each field's edges, and its stateful phase: sequences linking one
answer's ids to the next request) never get a 5xx, an undocumented status or media type, or a body
that breaks the documented schema. A short run on the money and document endpoints; the long run
over the whole API is recorded in docs/api.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from logipool.models import Role

from .test_concurrency import server  # noqa: F401 - the fixture is used by name
from .test_idempotency import invoice  # noqa: F401 - the fixture is used by name

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_generated_requests_get_only_documented_answers(server, world, invoice, tmp_path):  # noqa: F811
    token = world.a.tokens[Role.MANAGER]
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", f"http://127.0.0.1:{server}/api/v1/openapi.json",
         "--phases", "examples,coverage,stateful", "--checks", CHECKS, "--max-examples", "3",
         "--include-path-regex", r"^/api/v1/(invoices|billing-runs|charges|statement)",
         "-H", f"Authorization: Bearer {token}", "--workers", "1", "--seed", "1", "--no-color",
         "--request-timeout", "30", "--max-time", "120", "--generation-database", "none"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=os.environ | {"NO_COLOR": "1"})
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    tested = re.search(r"Tested:\s+(\d+)", out)
    generated = re.search(r"(\d+) generated", out)
    assert tested and int(tested.group(1)) >= 15, out[-3000:]
    assert generated and int(generated.group(1)) >= 200, out[-3000:]

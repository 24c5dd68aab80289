"""Logs hold no secrets and cannot be forged: credentials redacted, control characters escaped."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import pytest

from logipool.models import Role
from logipool.requestlog import JsonFormatter, TextFormatter

FORMATTERS = (TextFormatter(), JsonFormatter())


def _lines(caplog, logger: str = "logipool.request") -> list[str]:
    """Every record of ``logger`` as each production format writes it."""
    return [f.format(r) for r in caplog.records if r.name.startswith(logger) for f in FORMATTERS]


def test_calendar_feed_fetches_log_the_feed_without_its_secret(client, world, caplog):
    feed = client.post("/api/v1/calendar-feeds/", json={"member_id": world.a.member.id},
                       headers=world.a.headers(Role.MEMBER_REP)).get_json()
    path = urlsplit(feed["url"]).path
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    with caplog.at_level(logging.INFO, logger="logipool.request"):
        assert client.get(path).status_code == 200
        assert client.get(path.replace(secret, secret[:-2] + "zz")).status_code == 404
    lines = _lines(caplog)
    assert not any(secret in line for line in lines)
    lines = [line for line in lines if "/calendar/" in line]
    assert len(lines) == 4
    assert all("/api/v1/calendar/[redacted].ics" in line for line in lines)
    assert not any(secret[4:] in line or secret[4:-2] in line for line in lines)


def test_tokens_in_query_strings_and_authorization_headers_are_redacted(client, world, caplog):
    token = world.a.tokens[Role.ADMIN]
    with caplog.at_level(logging.INFO, logger="logipool"):
        client.get(f"/api/v1/members/?access_token={token}&api_key=k-123456&limit=5",
                   headers=world.a.headers(Role.ADMIN))
        logging.getLogger("logipool").warning("upstream refused %s", {"Authorization": f"Bearer {token}"})
        logging.getLogger("logipool").warning("retry with authorization=%s", "Basic dXNlcjpwYXNzd29yZA==")
    lines = _lines(caplog, "logipool")[-6:]
    assert not any(token in line or token[3:] in line or "k-123456" in line or "dXNlcjpwYXNz" in line
                   for line in lines)
    assert "access_token=[redacted]&api_key=[redacted]&limit=5" in lines[0]
    assert "Bearer [redacted]" in lines[2] and "Basic [redacted]" in lines[4]


@pytest.mark.parametrize("forged", ["%0a2026-12-01 10:00:00,000 INFO admin logged in", "%0d%0aINFO x",
                                    "%1b[2J", "%e2%80%a8INFO x"])
def test_control_characters_in_a_path_cannot_forge_a_text_log_line(client, world, caplog, forged):
    with caplog.at_level(logging.INFO, logger="logipool.request"):
        client.get(f"/api/v1/members/{forged}", headers=world.a.headers(Role.ADMIN))
    text, as_json = _lines(caplog)[-2:]
    assert len(text.splitlines()) == 1 and "\x1b" not in text and "\u2028" not in text
    assert "\\x0a" in text or "\\x0d" in text or "\\x1b" in text or "\\u2028" in text
    assert "\n" in json.loads(as_json)["path"] or "\x1b" in json.loads(as_json)["path"] or (
        "\u2028" in json.loads(as_json)["path"])


def test_a_traceback_cannot_forge_a_line_either(caplog):
    with caplog.at_level(logging.INFO, logger="logipool"):
        try:
            raise ValueError("bad value\n2026-12-01 10:00:00,000 INFO forged")
        except ValueError:
            logging.getLogger("logipool").exception("unhandled error")
    (record,) = [r for r in caplog.records if r.name == "logipool"]
    text = TextFormatter().format(record)
    assert all(line.startswith(("    ", text.split(" ")[0])) for line in text.splitlines())
    assert not any(line.startswith("2026-12-01 10:00:00,000 INFO forged") for line in text.splitlines())

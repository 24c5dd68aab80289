"""Idempotency keys: a request sent again with the same ``Idempotency-Key`` gets the first
response and changes nothing; the same key with another request is refused.

A key belongs to one user in one coordination and is kept for :data:`KEPT`. It is reserved in the
request's own transaction (a unique constraint settles a race between two copies of a request:
the second waits for the first and then finds its key), so the key and what the request wrote are
committed together, or neither is."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..auth import Principal
from ..db import utcnow
from ..errors import InvalidInput
from ..models import IdempotentRequest

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
KEY_PATTERN = r"^[!-~]{1,255}$"  # visible ASCII, as a header value can carry it unchanged
_KEY = re.compile(KEY_PATTERN, re.ASCII)
# what a replay repeats besides status and body
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Content-Disposition")


def checked_key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise InvalidInput.field(HEADER, "A key is 1 to 255 visible ASCII characters (a UUID is a good one).")
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and body (JSON compared as data, so that
    spacing or key order do not matter)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _find(session: Session, principal: Principal, key: str, now: datetime) -> IdempotentRequest | None:
    return session.scalar(
        select(IdempotentRequest)
        .where(IdempotentRequest.coordination_id == principal.coordination_id,
               IdempotentRequest.user_id == principal.user_id, IdempotentRequest.key == key,
               IdempotentRequest.expires_at > now)
        .execution_options(populate_existing=True))


def _same_request(row: IdempotentRequest, print_: str) -> IdempotentRequest:
    if row.fingerprint != print_:
        raise InvalidInput.field(HEADER, "This key was already used for another request: use a new key.")
    return row


def claim(session: Session, principal: Principal, key: str, print_: str) -> IdempotentRequest | None:
    """The earlier request with this key (to replay, or still in progress: ``status`` null), or
    None once the key is reserved for this request, in its transaction."""
    now = utcnow()
    row = _find(session, principal, key, now)
    if row is not None:
        return _same_request(row, print_)
    session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.coordination_id == principal.coordination_id, IdempotentRequest.expires_at <= now))
    try:
        with session.begin_nested():
            session.add(IdempotentRequest(coordination_id=principal.coordination_id, user_id=principal.user_id,
                                          key=key, fingerprint=print_, headers={}, created_at=now,
                                          expires_at=now + KEPT))
    except IntegrityError:  # a copy of this request reserved it first and has committed since
        row = _find(session, principal, key, now)
        if row is None:
            raise
        return _same_request(row, print_)
    return None


def earlier(session: Session, principal: Principal, key: str) -> IdempotentRequest | None:
    """The request holding the key, read afresh (to wait for one still in progress)."""
    return _find(session, principal, key, utcnow())


def record(session: Session, principal: Principal, key: str, status: int, headers: dict[str, str],
           body: bytes) -> None:
    """Keep the response the request got, for its replays."""
    row = _find(session, principal, key, utcnow())
    if row is not None:
        row.status, row.body = status, body
        row.headers = {name: headers[name] for name in REPLAYED_HEADERS if name in headers}
        session.flush()

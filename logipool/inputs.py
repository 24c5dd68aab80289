"""What every request body and query string must be before any schema reads it.

Text the database cannot store (a NUL byte: PostgreSQL refuses it) or that is not Unicode text
(a lone surrogate such as ``"\\ud800"``, which JSON's ``\\u`` escapes can smuggle in) and JSON
nested deeper than any of our documents are refused here, once for every endpoint, with the
path of the offending field (``lines.0.name``) so the 422 says where to look.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

from marshmallow import ValidationError

MAX_JSON_DEPTH = 32  # our deepest document (a route plan's stops) is 4 levels deep
NUL = "\x00"

_JSON_PIECE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)


def text_error(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    if NUL in text:
        return "Text cannot contain a NUL character (\\u0000)."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text cannot contain a lone surrogate (\\ud800-\\udfff): it is not valid Unicode."
    return None


def printable_name(text: str) -> str:
    """A field name fit for an error body, whatever the client sent as a key."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace(NUL, "\\x00")


def _walk(value, path: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_JSON_DEPTH:
        yield path, f"Nested more than {MAX_JSON_DEPTH} levels deep."
        return
    if isinstance(value, str):
        message = text_error(value)
        if message:
            yield path, message
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = printable_name(str(key))
            where = f"{path}.{name}" if path else name
            message = text_error(str(key))
            if message:
                yield where, "In a field name: " + message
            yield from _walk(item, where, depth + 1)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}.{i}" if path else str(i), depth + 1)


def check(value, *, limit: int = 20) -> None:
    """Raise a ``ValidationError`` naming each field whose value cannot be accepted."""
    errors: dict[str, list[str]] = {}
    for path, message in _walk(value, "", 0):
        errors.setdefault(path or "_schema", []).append(message)
        if len(errors) >= limit:
            break
    if errors:
        raise ValidationError(errors)


def check_multidict(data) -> None:
    """A query string or form: every key and every value is text."""
    check({key: data.getlist(key) if len(data.getlist(key)) > 1 else data.get(key) for key in data})


def _too_deep_at(text: str) -> str:
    """The path at which ``text`` first nests deeper than allowed (it did not even parse)."""
    stack: list[list] = []  # per open container: [kind, current key or index]
    expect_key = False
    for match in _JSON_PIECE.finditer(text):
        piece = match.group()
        if piece in "{[":
            if stack and stack[-1][0] == "[" and stack[-1][1] is None:
                stack[-1][1] = 0
            stack.append([piece, None])
            expect_key = piece == "{"
            if len(stack) > MAX_JSON_DEPTH:
                break
        elif piece in "}]":
            if stack:
                stack.pop()
        elif piece == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] = (stack[-1][1] or 0) + 1
            expect_key = bool(stack) and stack[-1][0] == "{"
        elif piece == ":":
            expect_key = False
        elif expect_key and stack:
            try:
                stack[-1][1] = printable_name(str(json.loads(piece)))
            except ValueError:
                stack[-1][1] = "?"
            expect_key = False
    return ".".join(str(key) for _, key in stack if key is not None)


def parse_json(raw: bytes | str):
    """``json.loads``, refusing documents nested too deeply even for the parser."""
    try:
        return json.loads(raw)
    except RecursionError:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        raise ValidationError({_too_deep_at(text) or "_schema": [
            f"Nested more than {MAX_JSON_DEPTH} levels deep."]}) from None

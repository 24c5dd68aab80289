"""The authorisation matrix of the orders endpoints (see test_authz for the conventions)."""

from __future__ import annotations

CASES: list = []

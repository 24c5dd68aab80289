"""Invoices, credit notes, payments, billing runs and statements."""

from __future__ import annotations


def blueprints():
    return []

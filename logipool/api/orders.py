"""Joint supplier orders: catalogue, order cycles, needs, allocation, purchase orders, settlement."""

from __future__ import annotations


def blueprints():
    return []

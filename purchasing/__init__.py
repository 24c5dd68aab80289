"""Joint purchasing: fair order splitting and exact cost apportionment (pure Python)."""

from .exceptions import ApportionError, MoneyError, PurchasingError
from .money import apportion, format_cents, from_cents, to_cents

__all__ = [
    "ApportionError",
    "MoneyError",
    "PurchasingError",
    "apportion",
    "format_cents",
    "from_cents",
    "to_cents",
]

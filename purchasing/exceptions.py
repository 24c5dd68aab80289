"""Errors raised by the purchasing library."""


class PurchasingError(ValueError):
    """Base class: the input cannot be used as given."""


class MoneyError(PurchasingError):
    """An amount is not a valid money value (more than two decimals, not a number...)."""


class ApportionError(PurchasingError):
    """An amount cannot be apportioned with the given weights."""

"""Errors raised by the purchasing library."""


class PurchasingError(ValueError):
    """Base class: the input cannot be used as given."""


class MoneyError(PurchasingError):
    """An amount is not a valid money value (more than two decimals, not a number...)."""


class ApportionError(PurchasingError):
    """An amount cannot be apportioned with the given weights."""


class InvalidInput(PurchasingError):
    """A supplier, offer, member, need or problem field is invalid; the message names it."""


class NoPlanError(PurchasingError):
    """No plan was produced; ``reasons`` lists, in words, why (members and offers named)."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        self.reasons = list(reasons or [])
        super().__init__(message if not self.reasons else message + ": " + "; ".join(self.reasons))


class InfeasibleProblem(NoPlanError):
    """The bounds cannot all hold at once (e.g. budgets below the members' minimums)."""


class SolverTimeout(NoPlanError):
    """The time limit ran out before the solver found any complete plan."""

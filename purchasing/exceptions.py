"""Errors raised by the purchasing library."""


class PurchasingError(ValueError):
    """Base class: the input cannot be used as given."""


class MoneyError(PurchasingError):
    """An amount is not a valid money value (more than two decimals, not a number...)."""


class ApportionError(PurchasingError):
    """An amount cannot be apportioned with the given weights."""


class InvalidInput(PurchasingError):
    """A supplier, offer, member, need or problem field is invalid; the message names it."""


class TableError(PurchasingError):
    """A CSV or XLSX file cannot be imported; ``errors`` lists every problem found.

    Each problem is a dict ``{"row": 7, "column": "pack_size", "message": "..."}``: ``row`` is the
    spreadsheet row (1 = the header row; ``None`` for the file as a whole) and ``column`` the
    canonical column name (``None`` when the problem is not about one column).
    """

    def __init__(self, errors: list[dict], filename: str = ""):
        self.errors = list(errors)
        self.filename = filename
        shown = "; ".join(_describe(e) for e in self.errors[:5])
        more = f"; and {len(self.errors) - 5} more" if len(self.errors) > 5 else ""
        count = len(self.errors)
        where = f" in {filename}" if filename else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''}{where}: {shown}{more}")


def _describe(error: dict) -> str:
    where = []
    if error.get("row") is not None:
        where.append(f"row {error['row']}")
    if error.get("column"):
        where.append(str(error["column"]))
    return f"{', '.join(where)}: {error['message']}" if where else str(error["message"])


class NoPlanError(PurchasingError):
    """No plan was produced; ``reasons`` lists, in words, why (members and offers named)."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        self.reasons = list(reasons or [])
        super().__init__(message if not self.reasons else message + ": " + "; ".join(self.reasons))


class InfeasibleProblem(NoPlanError):
    """The bounds cannot all hold at once (e.g. budgets below the members' minimums)."""


class SolverTimeout(NoPlanError):
    """The time limit ran out before the solver found any complete plan."""

"""Joint purchasing: fair order splitting and exact cost apportionment (pure Python)."""

from .allocation import (
    Allocation,
    ChargeLine,
    MemberResult,
    NeedResult,
    OfferOrder,
    Reason,
    SupplierOrder,
)
from .baselines import first_come_first_served, proportional_rounding
from .exceptions import (
    ApportionError,
    InfeasibleProblem,
    InvalidInput,
    MoneyError,
    NoPlanError,
    PurchasingError,
    SolverTimeout,
)
from .jsonio import allocation_to_dict, problem_from_dict, problem_to_dict
from .model import (
    FeeKey,
    LeftoverPolicy,
    Member,
    Need,
    Offer,
    PriceTier,
    Problem,
    Supplier,
    Temperature,
)
from .money import apportion, format_cents, from_cents, to_cents
from .solver import available_solvers, split_order, split_received

__all__ = [
    "Allocation",
    "ApportionError",
    "ChargeLine",
    "FeeKey",
    "InfeasibleProblem",
    "InvalidInput",
    "LeftoverPolicy",
    "Member",
    "MemberResult",
    "MoneyError",
    "Need",
    "NeedResult",
    "NoPlanError",
    "Offer",
    "OfferOrder",
    "PriceTier",
    "Problem",
    "PurchasingError",
    "Reason",
    "SolverTimeout",
    "Supplier",
    "SupplierOrder",
    "Temperature",
    "allocation_to_dict",
    "apportion",
    "available_solvers",
    "first_come_first_served",
    "format_cents",
    "from_cents",
    "problem_from_dict",
    "problem_to_dict",
    "proportional_rounding",
    "split_order",
    "split_received",
    "to_cents",
]

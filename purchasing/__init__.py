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
    TableError,
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
from .tabular import NeedRow, OfferRow, parse_needs, parse_price_list, read_table

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
    "NeedRow",
    "NoPlanError",
    "Offer",
    "OfferOrder",
    "OfferRow",
    "PriceTier",
    "Problem",
    "PurchasingError",
    "Reason",
    "SolverTimeout",
    "Supplier",
    "SupplierOrder",
    "TableError",
    "Temperature",
    "allocation_to_dict",
    "apportion",
    "available_solvers",
    "first_come_first_served",
    "format_cents",
    "from_cents",
    "parse_needs",
    "parse_price_list",
    "problem_from_dict",
    "problem_to_dict",
    "proportional_rounding",
    "read_table",
    "split_order",
    "split_received",
    "to_cents",
]

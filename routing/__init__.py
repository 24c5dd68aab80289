"""Shared pickup and delivery routes: road network, solver adapter, checker, fair cost shares.

from routing import plan_routes, share_costs
plan = plan_routes(problem, time_limit=2, seed=0)
shares = share_costs(problem, plan, "shapley")
"""

from .check import check_plan, check_route, require_feasible
from .cli import solve_file
from .exceptions import (
    FormatError,
    NetworkError,
    PlanCheckError,
    ProblemError,
    RoutingError,
    SharingError,
)
from .geojson import plan_to_geojson, write_geojson
from .jsonio import (
    load_problem,
    plan_to_dict,
    pooling_to_dict,
    problem_from_dict,
    problem_to_dict,
    shares_to_dict,
)
from .model import Problem, Site, Stop, StopKind, Vehicle, format_time, parse_time
from .network import GraphNetwork, GreatCircleNetwork, Matrices, RoadNetwork
from .plan import Plan, Route, Unserved, UnservedReason, Visit
from .planner import plan_routes, restrict_plan, screen_stops
from .readers import BenchmarkInstance, read_lilim, read_solomon, read_vrplib
from .runsheet import runsheet_pdf, write_runsheet
from .sharing import (
    METHODS,
    CoalitionCosts,
    CostShares,
    MemberShare,
    PoolingValue,
    blocking_coalitions,
    in_core,
    least_core,
    nucleolus,
    pooling_value,
    proportional_to_standalone,
    shapley_value,
    share_costs,
)
from .solver import PyVRPSolver, RoutingModel, Solver, SolverResult
from .svgmap import plan_to_svg, write_svg

__all__ = [
    "METHODS",
    "BenchmarkInstance",
    "CoalitionCosts",
    "CostShares",
    "FormatError",
    "GraphNetwork",
    "GreatCircleNetwork",
    "Matrices",
    "MemberShare",
    "NetworkError",
    "Plan",
    "PlanCheckError",
    "PoolingValue",
    "Problem",
    "ProblemError",
    "PyVRPSolver",
    "RoadNetwork",
    "Route",
    "RoutingError",
    "RoutingModel",
    "SharingError",
    "Site",
    "Solver",
    "SolverResult",
    "Stop",
    "StopKind",
    "Unserved",
    "UnservedReason",
    "Vehicle",
    "Visit",
    "blocking_coalitions",
    "check_plan",
    "check_route",
    "format_time",
    "in_core",
    "least_core",
    "nucleolus",
    "load_problem",
    "parse_time",
    "plan_routes",
    "plan_to_dict",
    "plan_to_geojson",
    "plan_to_svg",
    "pooling_to_dict",
    "pooling_value",
    "problem_from_dict",
    "problem_to_dict",
    "restrict_plan",
    "proportional_to_standalone",
    "read_lilim",
    "read_solomon",
    "read_vrplib",
    "require_feasible",
    "runsheet_pdf",
    "screen_stops",
    "shapley_value",
    "share_costs",
    "shares_to_dict",
    "solve_file",
    "write_geojson",
    "write_runsheet",
    "write_svg",
]

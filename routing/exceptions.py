"""Domain errors of the route planner: one base class so callers can catch them all."""


class RoutingError(Exception):
    """Base class of every error raised by :mod:`routing`."""


class ProblemError(RoutingError, ValueError):
    """The planning problem is malformed (a missing field, a negative quantity, a bad window)."""


class NetworkError(RoutingError):
    """The road network cannot be loaded or has no usable nodes."""


class PlanCheckError(RoutingError):
    """A plan breaks a constraint of its problem; the independent checker refuses it."""


class SharingError(RoutingError):
    """Route costs cannot be shared as asked (unknown method, stop without a member...)."""


class FormatError(RoutingError, ValueError):
    """A benchmark or JSON problem file cannot be read in the announced format."""

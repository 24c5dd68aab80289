"""The result of planning a day: routes, their times, loads and costs, and what was left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .model import format_time


class UnservedReason(StrEnum):
    """Why a stop is not in any route, in words a platform manager can act on."""

    UNREACHABLE = "unreachable"
    WINDOW_IMPOSSIBLE = "window_impossible"
    OVER_CAPACITY = "over_capacity"
    NO_CHILLED_VEHICLE = "no_chilled_vehicle"
    OPTIONAL_DROPPED = "optional_dropped"
    NO_ROOM = "no_room"


@dataclass(frozen=True)
class Visit:
    """A vehicle at a site. ``action`` is ``start``, ``reload``, ``end`` (the vehicle's depots),
    ``pickup``, ``delivery``, ``load`` (transfer loaded) or ``unload`` (transfer delivered).
    Times are seconds after midnight; the load is what is on board when the vehicle leaves."""

    site: str
    action: str
    stop_id: str | None
    trip: int
    arrival_s: int
    start_s: int
    departure_s: int
    load_kg: int
    load_pallets: int
    metres_from_start: int


@dataclass(frozen=True)
class Route:
    """One vehicle's day; ``seconds`` runs from leaving its start site to reaching its end site."""

    vehicle_id: str
    visits: tuple[Visit, ...]
    metres: int
    seconds: int
    cost_cents: int

    @property
    def km(self) -> float:
        return self.metres / 1000

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def num_trips(self) -> int:
        return 1 + sum(1 for v in self.visits if v.action == "reload")

    @property
    def stop_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.stop_id for v in self.visits if v.stop_id is not None))


@dataclass(frozen=True)
class Unserved:
    stop_id: str
    reason: UnservedReason
    detail: str = ""


@dataclass(frozen=True)
class Plan:
    """A checked plan: ``violations`` is empty unless a caller built an unchecked one by hand."""

    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    solver_seconds: float = 0.0
    violations: tuple[str, ...] = field(default=())

    @property
    def cost_cents(self) -> int:
        return sum(r.cost_cents for r in self.routes)

    @property
    def metres(self) -> int:
        return sum(r.metres for r in self.routes)

    @property
    def seconds(self) -> int:
        return sum(r.seconds for r in self.routes)

    @property
    def served(self) -> tuple[str, ...]:
        return tuple(s for r in self.routes for s in r.stop_ids)

    def route_of(self, stop_id: str) -> Route | None:
        for r in self.routes:
            if stop_id in r.stop_ids:
                return r
        return None

    def is_feasible(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        lines = [
            f"{len(self.routes)} routes, {self.metres / 1000:.1f} km, "
            f"{self.seconds / 3600:.2f} h, cost {self.cost_cents / 100:.2f} EUR, "
            f"{len(self.unserved)} stops unserved"
        ]
        for r in self.routes:
            stops = " ".join(
                f"{v.action}:{v.stop_id or v.site}@{format_time(v.start_s)}" for v in r.visits
            )
            lines.append(f"  {r.vehicle_id}: {r.km:.1f} km, {r.cost_cents / 100:.2f} EUR | {stops}")
        for u in self.unserved:
            lines.append(f"  unserved {u.stop_id}: {u.reason.value} {u.detail}".rstrip())
        return "\n".join(lines)

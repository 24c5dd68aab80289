"""The planning problem of one day: sites, vehicles and stops, each checking itself on creation.

Times are integer seconds after midnight of the day (local time), so a window is ``(open, close)``
with ``open <= close``; a service must *start* inside its window. Quantities are integer kilograms
and pallets; money is integer cents.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

from .exceptions import ProblemError
from .network import GreatCircleNetwork, RoadNetwork

if TYPE_CHECKING:
    from .network import Matrices

DAY_S = 24 * 3600
# Windows may run past midnight (night shifts), but not past the next day.
MAX_TIME_S = 2 * DAY_S

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_time(value: str | int) -> int:
    """``"08:30"`` (or seconds) -> seconds after midnight."""
    if isinstance(value, bool):
        raise ProblemError(f"{value!r} is not a time")
    if isinstance(value, int):
        return value
    m = _HHMM.match(str(value).strip())
    if not m:
        raise ProblemError(f"{value!r} is not a time of day like '08:30'")
    h, mnt, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if mnt >= 60 or s >= 60:
        raise ProblemError(f"{value!r} is not a time of day like '08:30'")
    return h * 3600 + mnt * 60 + s


def format_time(seconds: int) -> str:
    """Seconds after midnight -> ``"HH:MM"`` (hours go past 24 for the next day)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _check_window(what: str, window: tuple[int, int]) -> None:
    if len(window) != 2:
        raise ProblemError(f"{what}: a window is a pair (open, close)")
    start, end = window
    for t in window:
        if isinstance(t, bool) or not isinstance(t, int):
            raise ProblemError(f"{what}: window times must be integer seconds, got {t!r}")
    if not 0 <= start <= end <= MAX_TIME_S:
        raise ProblemError(
            f"{what}: window {format_time(start)}-{format_time(end)} must satisfy "
            f"00:00 <= open <= close <= 48:00"
        )


def _check_non_negative_int(what: str, **values: int) -> None:
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, int):
            raise ProblemError(f"{what}: {name} must be an integer, got {v!r}")
        if v < 0:
            raise ProblemError(f"{what}: {name} must not be negative, got {v}")


@dataclass(frozen=True)
class Site:
    """A place vehicles stop at: the warehouse, a supermarket, a member's distribution point."""

    id: str
    lat: float
    lon: float
    name: str = ""
    address: str = ""
    contact: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            raise ProblemError("a site needs an id")
        for name, v, lim in (("lat", self.lat, 90), ("lon", self.lon, 180)):
            if isinstance(v, bool) or not isinstance(v, int | float) or not -lim <= v <= lim:
                raise ProblemError(f"site {self.id}: {name} must be a number in [-{lim}, {lim}]")


@dataclass(frozen=True)
class Vehicle:
    """A vehicle available that day (from its booking). It may do ``max_trips`` trips through
    the warehouse; pickups are unloaded and deliveries loaded at each pass."""

    id: str
    capacity_kg: int
    capacity_pallets: int
    chilled: bool = False
    start_site: str | None = None  # None: the warehouse
    end_site: str | None = None  # None: the warehouse
    shift: tuple[int, int] = (0, DAY_S)
    cost_per_km_cents: int = 0
    cost_per_hour_cents: int = 0
    fixed_cost_cents: int = 0
    max_trips: int = 1
    co2_g_per_km: int = 0  # emission factor, for the CO2 pooling saves

    def __post_init__(self) -> None:
        if not self.id:
            raise ProblemError("a vehicle needs an id")
        what = f"vehicle {self.id}"
        _check_non_negative_int(
            what,
            capacity_kg=self.capacity_kg,
            capacity_pallets=self.capacity_pallets,
            cost_per_km_cents=self.cost_per_km_cents,
            cost_per_hour_cents=self.cost_per_hour_cents,
            fixed_cost_cents=self.fixed_cost_cents,
            max_trips=self.max_trips,
            co2_g_per_km=self.co2_g_per_km,
        )
        if self.max_trips < 1:
            raise ProblemError(f"{what}: max_trips must be at least 1")
        _check_window(f"{what} shift", tuple(self.shift))

    def cost_cents(self, metres: int, seconds: int) -> int:
        """Fixed cost + km and hours at this vehicle's rates, exact until one half-up rounding.

        1/18000 cent is the smallest unit in which a rate per km (cents per 1000 m) and a rate
        per hour (cents per 3600 s) are whole per metre and per second.
        """
        units = (
            metres * self.cost_per_km_cents * 18
            + seconds * self.cost_per_hour_cents * 5
            + self.fixed_cost_cents * 18_000
        )
        return (units + 9_000) // 18_000


class StopKind(StrEnum):
    """Where the goods go: to the warehouse, from the warehouse, or straight from A to B."""

    PICKUP = "pickup"
    DELIVERY = "delivery"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Stop:
    """One job of the day. A ``transfer`` is loaded at ``site`` and unloaded at ``to_site`` by the
    same vehicle (``to_window`` and ``to_service_s`` apply there). An optional stop is served only
    when its ``prize_cents`` (what serving it is worth) beats the extra cost of serving it.

    ``windows`` (and ``to_windows``) are the site's opening slots that day, e.g. a morning and an
    afternoon around a lunch closure; service must start inside one of them. When given,
    ``window`` becomes their span (first opening to last closing), used only for screening."""

    id: str
    kind: StopKind
    site: str
    kg: int
    pallets: int = 0
    window: tuple[int, int] = (0, DAY_S)
    service_s: int = 0
    chilled: bool = False
    member: str | None = None
    optional: bool = False
    prize_cents: int = 0
    to_site: str | None = None
    to_window: tuple[int, int] = (0, DAY_S)
    to_service_s: int = 0
    windows: tuple[tuple[int, int], ...] = ()
    to_windows: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise ProblemError("a stop needs an id")
        what = f"stop {self.id}"
        try:
            object.__setattr__(self, "kind", StopKind(self.kind))
        except ValueError:
            kinds = ", ".join(k.value for k in StopKind)
            raise ProblemError(f"{what}: kind must be one of {kinds}, got {self.kind!r}") from None
        _check_non_negative_int(
            what,
            kg=self.kg,
            pallets=self.pallets,
            service_s=self.service_s,
            prize_cents=self.prize_cents,
            to_service_s=self.to_service_s,
        )
        _check_window(what, tuple(self.window))
        if self.kind is StopKind.TRANSFER:
            if not self.to_site:
                raise ProblemError(f"{what}: a transfer needs a to_site")
            _check_window(f"{what} (delivery)", tuple(self.to_window))
        elif self.to_site is not None:
            raise ProblemError(f"{what}: only a transfer has a to_site")
        if self.prize_cents and not self.optional:
            raise ProblemError(f"{what}: a prize is only meaningful on an optional stop")
        for name, hull in (("windows", "window"), ("to_windows", "to_window")):
            slots = tuple(sorted(tuple(w) for w in getattr(self, name)))
            for w in slots:
                _check_window(what, w)
            if not slots:
                slots = (tuple(getattr(self, hull)),)
            else:
                object.__setattr__(self, hull, (slots[0][0], max(w[1] for w in slots)))
            object.__setattr__(self, name, slots)

    def slots_at(self, action: str) -> tuple[tuple[int, int], ...]:
        """The opening slots that apply to ``action`` (``unload``: the transfer's destination)."""
        return self.to_windows if action == "unload" else self.windows

    @property
    def sites(self) -> tuple[str, ...]:
        return (self.site, self.to_site) if self.kind is StopKind.TRANSFER else (self.site,)


@dataclass(frozen=True)
class Problem:
    """One day to plan from the warehouse ``depot``. ``network`` gives travel metres and seconds
    (great circles x 1.3 at 40 km/h when none is given); ``reload_s`` is the time a vehicle spends
    at the warehouse between two trips; stops snapped farther than ``max_snap_m`` from the road
    graph are reported unreachable."""

    day: dt.date
    depot: str
    sites: tuple[Site, ...]
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    network: RoadNetwork = field(default_factory=GreatCircleNetwork, compare=False, repr=False)
    reload_s: int = 0
    max_snap_m: int = 2000

    def __post_init__(self) -> None:
        for name in ("sites", "vehicles", "stops"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not isinstance(self.day, dt.date):
            raise ProblemError(f"day must be a date, got {self.day!r}")
        _check_non_negative_int("problem", reload_s=self.reload_s, max_snap_m=self.max_snap_m)
        for what, items in (("site", self.sites), ("vehicle", self.vehicles), ("stop", self.stops)):
            dup = [k for k, n in Counter(x.id for x in items).items() if n > 1]
            if dup:
                raise ProblemError(
                    f"{what} ids must be unique; repeated: {', '.join(map(str, dup))}"
                )
        known = {s.id for s in self.sites}
        if self.depot not in known:
            raise ProblemError(f"the warehouse site {self.depot!r} is not among the sites")
        for v in self.vehicles:
            for s in (v.start_site, v.end_site):
                if s is not None and s not in known:
                    raise ProblemError(f"vehicle {v.id}: unknown site {s!r}")
        for stop in self.stops:
            for s in stop.sites:
                if s not in known:
                    raise ProblemError(f"stop {stop.id}: unknown site {s!r}")
                if s == self.depot:
                    raise ProblemError(f"stop {stop.id}: the warehouse itself is not a stop")

    @cached_property
    def site_index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.sites)}

    @cached_property
    def matrices(self) -> Matrices:
        """Travel metres and seconds between all sites, in ``sites`` order (computed once)."""
        return self.network.matrices([(s.lat, s.lon) for s in self.sites])

    def site(self, site_id: str) -> Site:
        return self.sites[self.site_index[site_id]]

    def stop(self, stop_id: str) -> Stop:
        for s in self.stops:
            if s.id == stop_id:
                return s
        raise KeyError(stop_id)

    def vehicle(self, vehicle_id: str) -> Vehicle:
        for v in self.vehicles:
            if v.id == vehicle_id:
                return v
        raise KeyError(vehicle_id)

    def start_of(self, v: Vehicle) -> str:
        return v.start_site or self.depot

    def end_of(self, v: Vehicle) -> str:
        return v.end_site or self.depot

    @property
    def members(self) -> tuple[str, ...]:
        """Members served by the stops, in first-seen order."""
        return tuple(dict.fromkeys(s.member for s in self.stops if s.member is not None))

    def with_stops(self, stops: Iterable[Stop]) -> Problem:
        """The same day with other stops (at the same sites), reusing the travel matrices."""
        sub = replace(self, stops=tuple(stops))
        if "matrices" in self.__dict__:
            sub.__dict__["matrices"] = self.matrices
        return sub

    def restricted_to(self, members: frozenset[str] | set[str]) -> Problem:
        """The same day with only the stops of ``members`` (a coalition)."""
        return self.with_stops(s for s in self.stops if s.member in members)

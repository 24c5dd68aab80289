"""Road networks: travel metres and seconds between points, from a road graph or great circles.

A real road graph (GraphML exported from OpenStreetMap, or an edge list with lengths and speeds)
gives real detours and one-way streets; without one, great-circle distances times a detour factor
at an average speed are a fair first estimate. Both answer the same question through
:meth:`matrices`, so the planner does not care which one it was given.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import networkx as nx
import numpy as np

from .exceptions import NetworkError

EARTH_RADIUS_M = 6_371_008.8
UNREACHABLE = -1


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Matrices:
    """Integer metres and seconds between points; ``UNREACHABLE`` (-1) where no road leads.

    ``snap_m[i]`` is how far point ``i`` lies from the road node it was snapped to (0 without a
    graph); ``node[i]`` is that node (``None`` without a graph).
    """

    metres: np.ndarray
    seconds: np.ndarray
    snap_m: tuple[int, ...]
    node: tuple[object, ...]

    def reachable(self, i: int, j: int) -> bool:
        return bool(self.metres[i, j] != UNREACHABLE and self.seconds[i, j] != UNREACHABLE)


class RoadNetwork(Protocol):
    """Anything that can give travel matrices between (lat, lon) points."""

    def matrices(self, points: Sequence[tuple[float, float]]) -> Matrices: ...


@dataclass(frozen=True)
class GreatCircleNetwork:
    """No road data: great-circle distance x ``detour_factor``, driven at ``speed_kmh``."""

    detour_factor: float = 1.3
    speed_kmh: float = 40.0

    def __post_init__(self) -> None:
        if not self.detour_factor >= 1.0:
            raise NetworkError(f"detour factor must be at least 1, got {self.detour_factor}")
        if not self.speed_kmh > 0:
            raise NetworkError(f"average speed must be positive, got {self.speed_kmh} km/h")

    def matrices(self, points: Sequence[tuple[float, float]]) -> Matrices:
        n = len(points)
        metres = np.zeros((n, n), dtype=np.int64)
        seconds = np.zeros((n, n), dtype=np.int64)
        speed_ms = self.speed_kmh / 3.6
        for i, (la, lo) in enumerate(points):
            for j, (lb, lob) in enumerate(points):
                if i != j:
                    d = haversine_m(la, lo, lb, lob) * self.detour_factor
                    metres[i, j] = round(d)
                    seconds[i, j] = round(d / speed_ms)
        return Matrices(metres, seconds, (0,) * n, (None,) * n)


@dataclass
class GraphNetwork:
    """A road graph whose nodes carry ``x`` (longitude) and ``y`` (latitude) and whose edges carry
    ``length`` (metres) and either ``travel_time`` (seconds) or ``speed_kph``.

    Each leg is the fastest path (ties: the shorter), and its metres are those of that same path,
    so the km charged are the km driven. One Dijkstra per source stops once every point is
    reached; results are cached per source, so planning the same stops again (each coalition of a
    Shapley split) costs no search.
    """

    graph: nx.Graph
    default_speed_kmh: float = 40.0
    _legs: dict = field(default_factory=dict, init=False, repr=False)
    _unreached: dict = field(default_factory=dict, init=False, repr=False)
    _pred: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.graph.number_of_nodes() == 0:
            raise NetworkError("the road graph has no nodes")
        ids, lats, lons = [], [], []
        for node, attrs in self.graph.nodes(data=True):
            try:
                lons.append(float(attrs["x"]))
                lats.append(float(attrs["y"]))
            except (KeyError, TypeError, ValueError):
                raise NetworkError(f"road node {node!r} has no numeric x/y coordinates") from None
            ids.append(node)
        self._ids = ids
        self._lat = np.radians(np.array(lats))
        self._lon = np.radians(np.array(lons))
        for u, v, attrs in self.graph.edges(data=True):
            try:
                length = float(attrs["length"])
            except (KeyError, TypeError, ValueError):
                raise NetworkError(f"road edge {u!r}-{v!r} has no numeric length") from None
            if length < 0:
                raise NetworkError(f"road edge {u!r}-{v!r} has a negative length")
            attrs["length"] = length
            if "travel_time" in attrs:
                attrs["travel_time"] = float(attrs["travel_time"])
            else:
                speed = float(attrs.get("speed_kph", self.default_speed_kmh))
                if speed <= 0:
                    raise NetworkError(f"road edge {u!r}-{v!r} has a non-positive speed")
                attrs["travel_time"] = length / (speed / 3.6)
        # the fastest of parallel edges, both ways on an undirected graph
        adj: dict[object, dict[object, tuple[float, float]]] = {n: {} for n in ids}
        pairs = self.graph.edges(data=True)
        for u, v, attrs in pairs:
            ends = [(u, v)] if self.graph.is_directed() else [(u, v), (v, u)]
            for a, b in ends:
                leg = (attrs["travel_time"], attrs["length"])
                if b not in adj[a] or leg < adj[a][b]:
                    adj[a][b] = leg
        self._adj = {n: tuple((b, t, m) for b, (t, m) in out.items()) for n, out in adj.items()}

    @classmethod
    def from_graphml(cls, path: str | Path, default_speed_kmh: float = 40.0) -> GraphNetwork:
        """Read a GraphML file (e.g. saved by OSMnx); attribute strings are converted to numbers."""
        try:
            graph = nx.read_graphml(path)
        except (OSError, nx.NetworkXError, SyntaxError) as exc:
            raise NetworkError(f"cannot read GraphML {path}: {exc}") from None
        return cls(graph, default_speed_kmh)

    @classmethod
    def from_edges(
        cls,
        nodes: dict[object, tuple[float, float]],
        edges: Iterable[tuple[object, object, float, float]],
        *,
        directed: bool = False,
    ) -> GraphNetwork:
        """Build from ``{node: (lat, lon)}`` and ``(u, v, length_m, speed_kmh)`` edges."""
        graph = nx.DiGraph() if directed else nx.Graph()
        for node, (lat, lon) in nodes.items():
            graph.add_node(node, x=lon, y=lat)
        for u, v, length, speed in edges:
            if u not in graph or v not in graph:
                raise NetworkError(f"edge {u!r}-{v!r} names a node without coordinates")
            graph.add_edge(u, v, length=length, speed_kph=speed)
        return cls(graph)

    def snap(self, lat: float, lon: float) -> tuple[object, float]:
        """Nearest road node and its distance in metres (great circle)."""
        la, lo = math.radians(lat), math.radians(lon)
        a = (
            np.sin((self._lat - la) / 2) ** 2
            + np.cos(la) * np.cos(self._lat) * np.sin((self._lon - lo) / 2) ** 2
        )
        d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        k = int(np.argmin(d))
        return self._ids[k], float(d[k])

    def _fastest(self, source: object, targets: set) -> dict:
        """{node: (seconds, metres)} of the fastest paths from ``source``, at least to ``targets``."""
        known = self._legs.get(source)
        if known is not None and targets <= known.keys() | self._unreached.get(source, set()):
            return known
        settled: dict = {}
        pred = self._pred.setdefault(source, {})
        best = {source: (0.0, 0.0)}
        heap = [(0.0, 0.0, 0, source)]
        count = 1
        remaining = set(targets)
        while heap and remaining:
            t, m, _, u = heapq.heappop(heap)
            if u in settled:
                continue
            settled[u] = (t, m)
            remaining.discard(u)
            for v, dt, dm in self._adj[u]:
                leg = (t + dt, m + dm)
                if v not in settled and (v not in best or leg < best[v]):
                    best[v] = leg
                    pred[v] = u
                    heapq.heappush(heap, (leg[0], leg[1], count, v))
                    count += 1
        if known is not None:
            settled = known | settled
        self._legs[source] = settled
        self._unreached[source] = remaining  # no road leads there from this source
        return settled

    def leg_geometry(
        self, a: tuple[float, float], b: tuple[float, float]
    ) -> list[tuple[float, float]]:
        """The (lat, lon) points of the road driven from ``a`` to ``b`` (the same fastest path
        the matrices use), for maps; just the two points when no road joins them."""
        src, dst = self.snap(*a)[0], self.snap(*b)[0]
        legs = self._fastest(src, {dst})
        if dst not in legs:
            return [a, b]
        pred, nodes = self._pred.get(src, {}), [dst]
        while nodes[-1] != src:
            nodes.append(pred[nodes[-1]])
        coords = [(float(self.graph.nodes[n]["y"]), float(self.graph.nodes[n]["x"])) for n in nodes]
        return [a, *reversed(coords), b]

    def matrices(self, points: Sequence[tuple[float, float]]) -> Matrices:
        snapped = [self.snap(lat, lon) for lat, lon in points]
        nodes = [node for node, _ in snapped]
        n = len(points)
        metres = np.full((n, n), UNREACHABLE, dtype=np.int64)
        seconds = np.full((n, n), UNREACHABLE, dtype=np.int64)
        wanted = set(nodes)
        for i, src in enumerate(nodes):
            legs = self._fastest(src, wanted)
            for j, dst in enumerate(nodes):
                if dst in legs:
                    seconds[i, j] = round(legs[dst][0])
                    metres[i, j] = round(legs[dst][1])
        return Matrices(metres, seconds, tuple(round(d) for _, d in snapped), tuple(nodes))

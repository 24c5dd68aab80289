"""GeoJSON of a plan (opens in uMap or QGIS): one LineString per route, one Point per visit.

Lines join the sites in visiting order (straight legs: the road geometry is not kept).
"""

from __future__ import annotations

import json
from pathlib import Path

from purchasing import format_cents

from .model import Problem, format_time
from .plan import Plan

PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")


def route_geometry(problem: Problem, route) -> list[tuple[float, float]]:
    """(lat, lon) points of a route: along the road graph's geometry when the network has one
    (``leg_geometry``), otherwise straight from site to site."""
    pts = [(problem.site(v.site).lat, problem.site(v.site).lon) for v in route.visits]
    along = getattr(problem.network, "leg_geometry", None)
    if along is None:
        return pts
    out = [pts[0]]
    for a, b in zip(pts, pts[1:], strict=False):
        if a != b:
            out += along(a, b)[1:]
    return out


def plan_to_geojson(problem: Problem, plan: Plan) -> dict:
    """A FeatureCollection; coordinates are [lon, lat] as GeoJSON requires."""
    features = []
    for n, route in enumerate(plan.routes):
        colour = PALETTE[n % len(PALETTE)]
        coords = [[lon, lat] for lat, lon in route_geometry(problem, route)]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "vehicle": route.vehicle_id,
                    "km": round(route.km, 3),
                    "hours": round(route.hours, 3),
                    "cost": format_cents(route.cost_cents),
                    "stroke": colour,
                    "stroke-width": 3,
                },
            }
        )
        for order, v in enumerate(route.visits):
            site = problem.site(v.site)
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                    "properties": {
                        "vehicle": route.vehicle_id,
                        "order": order,
                        "site": site.id,
                        "name": site.name,
                        "action": v.action,
                        "stop": v.stop_id,
                        "arrival": format_time(v.arrival_s),
                        "departure": format_time(v.departure_s),
                        "load_kg": v.load_kg,
                        "marker-color": colour,
                    },
                }
            )
    for u in plan.unserved:
        site = problem.site(problem.stop(u.stop_id).site)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                "properties": {
                    "stop": u.stop_id,
                    "unserved": u.reason.value,
                    "detail": u.detail,
                    "marker-color": "#000000",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_geojson(problem: Problem, plan: Plan, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(plan_to_geojson(problem, plan), ensure_ascii=False, indent=1))
    return path

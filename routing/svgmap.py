"""An SVG map of a plan, written by hand: no tiles, no browser, prints and embeds anywhere.

Sites are placed by an equirectangular projection around the plan's centre, which is accurate
to well under a percent over a coordination's territory (a few tens of kilometres).
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from .geojson import PALETTE, route_geometry
from .model import Problem
from .plan import Plan


def plan_to_svg(
    problem: Problem, plan: Plan, *, width: int = 800, height: int = 600, margin: int = 40
) -> str:
    """The warehouse as a square, stops as numbered circles in route colours, unserved in grey;
    routes drawn along the road graph when there is one. The legend has its own band under the
    map, and each label takes the first free place around its point, so none covers another."""
    geometry = [route_geometry(problem, r) for r in plan.routes]
    used = [problem.depot] + [v.site for r in plan.routes for v in r.visits]
    used += [problem.stop(u.stop_id).site for u in plan.unserved]
    sites = [problem.site(s) for s in dict.fromkeys(used)]
    points = [(s.lat, s.lon) for s in sites] + [p for g in geometry for p in g]
    lat0 = sum(s.lat for s in sites) / len(sites)
    kx = math.cos(math.radians(lat0))
    xs = [lon * kx for _, lon in points]
    ys = [lat for lat, _ in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min(width - 2 * margin, height - 2 * margin) / span
    legend_h = 16 * (len(plan.routes) + 1) + 8
    total_h = height + legend_h

    def at(lat: float, lon: float) -> tuple[float, float]:
        return (
            margin + (lon * kx - min(xs)) * scale,
            height - margin - (lat - min(ys)) * scale,
        )

    def xy(site_id: str) -> tuple[float, float]:
        s = problem.site(site_id)
        return at(s.lat, s.lon)

    taken: list[tuple[float, float, float, float]] = []  # boxes of marks and labels

    def free(box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        inside = 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height
        return inside and all(x1 <= a0 or a1 <= x0 or y1 <= b0 or b1 <= y0 for a0, b0, a1, b1 in taken)

    def label(x: float, y: float, text: str, **attrs: str) -> str:
        w, h = 6.2 * len(text) + 2, 12.0
        places = [(x + 10, y - 4), (x + 10, y + 14), (x - 10 - w, y - 4), (x - 10 - w, y + 14),
                  (x - w / 2, y - 12), (x - w / 2, y + 22)]
        for k in range(1, 6):  # farther out if every close place is taken
            places += [(px + dx * k * 8, py + dy * k * 8) for px, py in places[:4]
                       for dx, dy in ((1, -1), (1, 1), (-1, -1), (-1, 1))]
        tx, ty = next(((px, py) for px, py in places if free((px, py - h + 2, px + w, py + 2))), places[0])
        taken.append((tx, ty - h + 2, tx + w, ty + 2))
        extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
        return f'<text x="{tx:.1f}" y="{ty:.1f}"{extra}>{escape(text)}</text>'

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" '
        f'viewBox="0 0 {width} {total_h}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{total_h}" fill="white"/>',
        f"<title>Routes of {problem.day.isoformat()}</title>",
    ]
    marks, labels = [], []
    for n, (route, geo) in enumerate(zip(plan.routes, geometry, strict=True)):
        colour = PALETTE[n % len(PALETTE)]
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (at(lat, lon) for lat, lon in geo))
        out.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round" opacity="0.85"/>'
        )
        k = 0
        for v in route.visits:
            if v.stop_id is None:
                continue
            k += 1
            x, y = xy(v.site)
            taken.append((x - 8, y - 8, x + 8, y + 8))
            marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{colour}"/>')
            marks.append(
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" fill="white">{k}</text>'
            )
            labels.append((x, y, v.stop_id, {}))
    for u in plan.unserved:
        x, y = xy(problem.stop(u.stop_id).site)
        taken.append((x - 7, y - 7, x + 7, y + 7))
        marks.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="#888" '
            'stroke-dasharray="3,2"/>'
        )
        labels.append((x, y, f"{u.stop_id} ({u.reason.value})", {"fill": "#888"}))
    x, y = xy(problem.depot)
    taken.append((x - 9, y - 9, x + 9, y + 9))
    marks.append(f'<rect x="{x - 9:.1f}" y="{y - 9:.1f}" width="18" height="18" fill="black"/>')
    depot_label = label(x, y, problem.site(problem.depot).name or problem.depot, font_weight="bold")
    out += marks + [depot_label] + [label(x, y, text, **attrs) for x, y, text, attrs in labels]
    # the legend, in its own band below the map
    out.append(f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#ccc"/>')
    for n, route in enumerate(plan.routes):
        colour = PALETTE[n % len(PALETTE)]
        y = height + 16 * (n + 1)
        out.append(f'<rect x="{margin}" y="{y - 9}" width="14" height="4" fill="{colour}"/>')
        out.append(
            f'<text x="{margin + 20}" y="{y:.1f}">{escape(route.vehicle_id)}: {route.km:.1f} km, '
            f"{route.cost_cents / 100:.2f} EUR</text>"
        )
    y = height + 16 * (len(plan.routes) + 1)
    out.append(
        f'<text x="{margin}" y="{y}" fill="#555">■ entrepôt · ● arrêt (ordre de passage) · '
        "◌ non desservi</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def write_svg(problem: Problem, plan: Plan, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(plan_to_svg(problem, plan))
    return path

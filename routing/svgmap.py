"""An SVG map of a plan, written by hand: no tiles, no browser, prints and embeds anywhere.

Sites are placed by an equirectangular projection around the plan's centre, which is accurate
to well under a percent over a coordination's territory (a few tens of kilometres).
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from .geojson import PALETTE
from .model import Problem
from .plan import Plan


def plan_to_svg(
    problem: Problem, plan: Plan, *, width: int = 800, height: int = 600, margin: int = 40
) -> str:
    """The warehouse as a square, stops as numbered circles in route colours, unserved in grey."""
    used = [problem.depot] + [v.site for r in plan.routes for v in r.visits]
    used += [problem.stop(u.stop_id).site for u in plan.unserved]
    sites = [problem.site(s) for s in dict.fromkeys(used)]
    lat0 = sum(s.lat for s in sites) / len(sites)
    kx = math.cos(math.radians(lat0))
    xs = [s.lon * kx for s in sites]
    ys = [s.lat for s in sites]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min(width - 2 * margin, height - 2 * margin) / span

    def xy(site_id: str) -> tuple[float, float]:
        s = problem.site(site_id)
        return (
            margin + (s.lon * kx - min(xs)) * scale,
            height - margin - (s.lat - min(ys)) * scale,
        )

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f"<title>Routes of {problem.day.isoformat()}</title>",
    ]
    for n, route in enumerate(plan.routes):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(v.site) for v in route.visits))
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round" opacity="0.85"/>'
        )
        k = 0
        for v in route.visits:
            if v.stop_id is None:
                continue
            k += 1
            x, y = xy(v.site)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{colour}"/>')
            out.append(
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" fill="white">{k}</text>'
            )
            out.append(f'<text x="{x + 10:.1f}" y="{y - 8:.1f}">{escape(v.stop_id)}</text>')
        out.append(
            f'<text x="{margin}" y="{margin / 2 + 14 * n:.1f}" fill="{colour}">'
            f"{escape(route.vehicle_id)}: {route.km:.1f} km, "
            f"{route.cost_cents / 100:.2f} EUR</text>"
        )
    for u in plan.unserved:
        x, y = xy(problem.stop(u.stop_id).site)
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="#888" '
            'stroke-dasharray="3,2"/>'
        )
        out.append(
            f'<text x="{x + 10:.1f}" y="{y + 4:.1f}" fill="#888">'
            f"{escape(u.stop_id)} ({u.reason.value})</text>"
        )
    x, y = xy(problem.depot)
    out.append(f'<rect x="{x - 9:.1f}" y="{y - 9:.1f}" width="18" height="18" fill="black"/>')
    out.append(
        f'<text x="{x + 12:.1f}" y="{y + 4:.1f}" font-weight="bold">'
        f"{escape(problem.site(problem.depot).name or problem.depot)}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def write_svg(problem: Problem, plan: Plan, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(plan_to_svg(problem, plan))
    return path

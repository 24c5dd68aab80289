"""A zone's occupancy as an SVG step chart a manager reads at a glance (no plotting library)."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

W, H, LEFT, RIGHT, TOP, BOTTOM = 900, 320, 60, 20, 40, 50


def occupancy_svg(title: str, capacity: int, steps, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    span = (end - start).total_seconds() or 1
    top_level = max([capacity] + [s.level for s in steps])
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(t: datetime) -> float:
        return LEFT + plot_w * (t - start).total_seconds() / span

    def y(level: float) -> float:
        return TOP + plot_h * (1 - level / top_level)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for s in steps:
        if s.level:
            colour = "#c0392b" if s.level > capacity else "#e67e22" if s.level == capacity else "#2e86c1"
            parts.append(
                f'<rect x="{x(s.start):.1f}" y="{y(s.level):.1f}" width="{max(x(s.end) - x(s.start), 0.5):.1f}" '
                f'height="{y(0) - y(s.level):.1f}" fill="{colour}" fill-opacity="0.75">'
                f"<title>{s.level} palettes, {s.start.astimezone(tz):%d/%m %H:%M}–"
                f"{s.end.astimezone(tz):%d/%m %H:%M}</title></rect>"
            )
    cap_y = y(capacity)
    parts.append(
        f'<line x1="{LEFT}" y1="{cap_y:.1f}" x2="{W - RIGHT}" y2="{cap_y:.1f}" stroke="#c0392b" '
        f'stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(
        f'<text x="{W - RIGHT}" y="{cap_y - 5:.1f}" text-anchor="end" fill="#c0392b">'
        f"capacité {capacity} palettes</text>"
    )
    parts.append(f'<line x1="{LEFT}" y1="{y(0):.1f}" x2="{W - RIGHT}" y2="{y(0):.1f}" stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{y(0):.1f}" stroke="#333"/>')
    for i in range(5):
        level = top_level * i / 4
        parts.append(f'<text x="{LEFT - 6}" y="{y(level) + 4:.1f}" text-anchor="end">{level:.0f}</text>')
    ticks = 7
    for i in range(ticks + 1):
        t = start + (end - start) * i / ticks
        parts.append(f'<line x1="{x(t):.1f}" y1="{y(0):.1f}" x2="{x(t):.1f}" y2="{y(0) + 5:.1f}" stroke="#333"/>')
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"
        parts.append(
            f'<text x="{x(t):.1f}" y="{y(0) + 20:.1f}" text-anchor="{anchor}">{t.astimezone(tz):%d/%m %Hh}</text>'
        )
    parts.append(
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 14 {TOP + plot_h / 2:.1f})" '
        'text-anchor="middle">palettes occupées</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)

"""Printable driver run sheets (PDF, ReportLab): one page per vehicle with the stops in order,
the times, what to load and unload, and whom to call on site."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .model import Problem, StopKind, format_time
from .plan import Plan, Route

_ACTIONS = {
    "start": "Départ — charger",
    "reload": "Entrepôt — décharger / recharger",
    "end": "Retour — décharger",
    "pickup": "Ramasse — charger",
    "delivery": "Livraison — décharger",
    "load": "Transfert — charger",
    "unload": "Transfert — décharger",
}


def _what(problem: Problem, route: Route, i: int, members: dict[str, str]) -> str:
    """Goods handled at visit ``i``, for whom: the stop's own, or at a depot what the next trip
    delivers."""
    v = route.visits[i]
    if v.stop_id is not None:
        s = problem.stop(v.stop_id)
        cold = " (froid)" if s.chilled else ""
        whom = f" pour {members.get(s.member, s.member)}" if s.member else ""
        return f"{s.kg} kg, {s.pallets} pal.{cold}{whom}"
    if v.action == "end":
        return "ramasses du tour"
    loads = []
    for nxt in route.visits[i + 1 :]:
        if nxt.action in ("reload", "end"):
            break
        if nxt.action == "delivery":
            loads.append(nxt.stop_id)
    prefix = "décharger les ramasses; " if v.action == "reload" else ""
    return prefix + ("charger " + ", ".join(loads) if loads else "rien à charger")


def _opening(problem: Problem, stop_id: str, action: str) -> str:
    slots = problem.stop(stop_id).slots_at(action)
    return " / ".join(f"{format_time(a)}–{format_time(b)}" for a, b in slots)


def runsheet_pdf(
    problem: Problem,
    plan: Plan,
    *,
    title: str = "Feuille de route",
    members: dict[str, str] | None = None,
) -> bytes:
    """The run sheets of a plan as PDF bytes (A4, one page per route). ``members`` names the
    members (by id) for whom goods are loaded and unloaded."""
    members = members or {}
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = []
    for n, route in enumerate(plan.routes):
        if n:
            story.append(PageBreak())
        vehicle = problem.vehicle(route.vehicle_id)
        story.append(Paragraph(escape(f"{title} — {route.vehicle_id}"), styles["Title"]))
        story.append(
            Paragraph(
                escape(
                    f"{problem.day.strftime('%d/%m/%Y')} · {route.km:.1f} km · "
                    f"{format_time(route.visits[0].departure_s)}–"
                    f"{format_time(route.visits[-1].arrival_s)} · "
                    f"{route.num_trips} tour(s) · {vehicle.capacity_kg} kg / "
                    f"{vehicle.capacity_pallets} pal.{' · frigorifique' if vehicle.chilled else ''}"
                ),
                styles["Normal"],
            )
        )
        story.append(Spacer(1, 4 * mm))
        rows = [["#", "Arrivée", "Départ", "Lieu", "Action", "Marchandise", "À bord", "Contact"]]
        for i, v in enumerate(route.visits):
            site = problem.site(v.site)
            place = escape(site.name or site.id) + (
                f"<br/>{escape(site.address)}" if site.address else ""
            )
            if v.stop_id:
                place += f"<br/>ouvert {escape(_opening(problem, v.stop_id, v.action))}"
            action = _ACTIONS[v.action] + (f" {v.stop_id}" if v.stop_id else "")
            handling = (v.departure_s - v.start_s) // 60
            if handling:
                action += f" — manutention {handling} min"
            rows.append(
                [
                    str(i),
                    format_time(v.arrival_s),
                    format_time(v.departure_s),
                    Paragraph(place, small),
                    Paragraph(escape(action), small),
                    Paragraph(escape(_what(problem, route, i, members)), small),
                    Paragraph(f"{v.load_kg} kg<br/>{v.load_pallets} pal.", small),
                    Paragraph(escape(site.contact), small),
                ]
            )
        widths = [8 * mm, 14 * mm, 14 * mm, 45 * mm, 34 * mm, 30 * mm, 17 * mm, 24 * mm]
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    if plan.unserved:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph("Arrêts non planifiés", styles["Heading2"]))
        for u in plan.unserved:
            stop = problem.stop(u.stop_id)
            kind = "transfert" if stop.kind is StopKind.TRANSFER else stop.kind.value
            story.append(
                Paragraph(
                    escape(
                        f"{u.stop_id} ({kind}, {problem.site(stop.site).name or stop.site}): "
                        f"{u.reason.value} — {u.detail}"
                    ),
                    small,
                )
            )
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
    )
    doc.build(story)
    return buffer.getvalue()


def write_runsheet(
    problem: Problem, plan: Plan, path: str | Path, *, title: str = "Feuille de route"
) -> Path:
    path = Path(path)
    path.write_bytes(runsheet_pdf(problem, plan, title=title))
    return path

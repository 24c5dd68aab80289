"""Shared pickup and delivery routes: build the day's problem from bookings and sites, solve it
in the background with progress, share its cost, post the shares as charges when executed."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

import invoices
import invoices.i18n as fr
import routing
from purchasing import apportion, format_cents, to_cents
from routing.jsonio import network_from_dict

from .. import metrics, queue
from ..auth import READERS, STAFF, STAFF_READERS, Principal, require
from ..db import database, utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..models import (
    HOLDING_STATUSES,
    ChargeSource,
    Coordination,
    Member,
    Nature,
    PlanStatus,
    RoutePlan,
    Site,
    SiteKind,
    Vehicle,
    VehicleBooking,
    VehicleKind,
)
from ..validators import DAYS
from . import jobs
from .crud import paginate
from .ledger import ChargeDraft, Payer, post_charges
from .parties import coordination_party, document_part, member_party, site_address

# Emission factors (g CO2e per km, tank to wheel, diesel), after ADEME's Base Carbone orders of
# magnitude for a light utility vehicle, a 7.5-12 t rigid truck and the same with its cooling unit.
CO2_G_PER_KM = {VehicleKind.VAN: 250, VehicleKind.TRUCK: 550, VehicleKind.REFRIGERATED_TRUCK: 650}
#: the sharing methods as a charge's basis names them
SHARE_METHODS = {"shapley": "valeur de Shapley", "proportional_standalone": "au prorata du coût seul",
                 "by_load": "au prorata du chargement", "equal": "parts égales", "nucleolus": "nucléole"}


def _site(session: Session, principal: Principal, site_id: int, field: str) -> Site:
    site = session.get(Site, site_id)
    if site is None or site.coordination_id != principal.coordination_id:
        raise InvalidInput.field(field, f"No site {site_id} in this coordination.")
    return site


def _slots(site: Site, day: date) -> tuple[tuple[int, int], ...]:
    """The site's opening slots that day, each one kept (closed: one empty window).

    A stop's service must start inside a slot; the closing time of a slot is the last start.
    """
    intervals = (site.opening_hours or {}).get(DAYS[day.weekday()], [])
    if not intervals:
        return ((0, 0),)
    return tuple((routing.parse_time(a), routing.parse_time(b)) for a, b in intervals)


def _shifts(vehicle: Vehicle, bookings: list[VehicleBooking], day_start: datetime, day_end: datetime):
    """One planned vehicle per booking made for the rounds, its shift that booking: the vehicle
    is never planned in a member's own booking or between two round bookings. The day's fixed
    cost is split over the shifts (largest remainder), so a day with two shifts costs one day."""
    fixed = apportion(vehicle.fixed_cost_per_day_cents, [1] * len(bookings))
    out = []
    for k, b in enumerate(bookings):
        start = int((max(b.start_at, day_start) - day_start).total_seconds())
        end = int((min(b.end_at, day_end) - day_start).total_seconds())
        name = f"{vehicle.name} ({vehicle.plate})"  # what drivers and maps show
        if len(bookings) > 1:
            name += f" {routing.format_time(start)}-{routing.format_time(end)}"
        out.append(
            routing.Vehicle(
                id=name,
                capacity_kg=vehicle.capacity_kg,
                capacity_pallets=vehicle.capacity_pallets,
                chilled=vehicle.chilled or vehicle.frozen,
                shift=(start, end),
                cost_per_km_cents=vehicle.cost_per_km_cents,
                cost_per_hour_cents=vehicle.cost_per_hour_cents,
                fixed_cost_cents=fixed[k],
                max_trips=3,
                co2_g_per_km=CO2_G_PER_KM[vehicle.kind],
            )
        )
    return out


def build_problem(
    session: Session, principal: Principal, data: dict, tz: ZoneInfo, network: routing.RoadNetwork
) -> routing.Problem:
    day = data["day"]
    if data.get("depot_site_id") is not None:
        depot = _site(session, principal, data["depot_site_id"], "depot_site_id")
    else:
        depot = session.scalars(
            select(Site)
            .where(Site.coordination_id == principal.coordination_id, Site.kind == SiteKind.WAREHOUSE, Site.active)
            .order_by(Site.id)
        ).first()
        if depot is None:
            raise InvalidInput.field("depot_site_id", "This coordination has no warehouse: name the depot site.")
    sites = {depot.id: depot}
    day_start = datetime(day.year, day.month, day.day, tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    vehicles = []
    for i, vehicle_id in enumerate(dict.fromkeys(data["vehicle_ids"])):
        vehicle = session.get(Vehicle, vehicle_id)
        if vehicle is None or vehicle.coordination_id != principal.coordination_id or not vehicle.active:
            raise InvalidInput.field(f"vehicle_ids.{i}", f"No active vehicle {vehicle_id} in this coordination.")
        bookings = session.scalars(
            select(VehicleBooking)
            .where(
                VehicleBooking.vehicle_id == vehicle.id,
                VehicleBooking.for_rounds,
                VehicleBooking.status.in_(HOLDING_STATUSES),
                VehicleBooking.start_at < day_end,
                VehicleBooking.end_at > day_start,
            )
            .order_by(VehicleBooking.start_at)
        ).all()
        if not bookings:
            raise InvalidInput.field(
                f"vehicle_ids.{i}",
                f"{vehicle.name} has no booking for the rounds on {day:%Y-%m-%d}: book it with for_rounds first.",
            )
        vehicles += _shifts(vehicle, bookings, day_start, day_end)
    stops = []
    for i, s in enumerate(data["stops"]):
        site = _site(session, principal, s["site_id"], f"stops.{i}.site_id")
        sites[site.id] = site
        to_site = None
        if s["kind"] == "transfer":
            if s.get("to_site_id") is None:
                raise InvalidInput.field(f"stops.{i}.to_site_id", "A transfer says where it is delivered.")
            to_site = _site(session, principal, s["to_site_id"], f"stops.{i}.to_site_id")
            sites[to_site.id] = to_site
        elif s.get("to_site_id") is not None:
            raise InvalidInput.field(f"stops.{i}.to_site_id", "Only a transfer has a delivery site.")
        member_id = s.get("member_id") or (to_site or site).member_id
        if member_id is None:
            raise InvalidInput.field(f"stops.{i}.member_id", "Say which member this stop serves.")
        member = session.get(Member, member_id)
        if member is None or member.coordination_id != principal.coordination_id:
            raise InvalidInput.field(f"stops.{i}.member_id", f"No member {member_id} in this coordination.")
        if s.get("value") and not s["optional"]:
            raise InvalidInput.field(f"stops.{i}.value", "Only an optional stop has a value.")
        service = (s["service_minutes"] + s["pallets"] * data.get("handling_minutes_per_pallet", 0)) * 60
        stops.append(
            routing.Stop(
                id=f"S{i + 1}",
                kind=s["kind"],
                site=str(site.id),
                kg=s["kg"],
                pallets=s["pallets"],
                windows=_slots(site, day),
                service_s=service,
                chilled=s["chilled"],
                member=str(member.id),
                optional=s["optional"],
                prize_cents=s.get("value") or 0,
                to_site=str(to_site.id) if to_site else None,
                to_windows=_slots(to_site, day) if to_site else (),
                to_service_s=service if to_site else 0,
            )
        )
    return routing.Problem(
        day=day,
        depot=str(depot.id),
        sites=tuple(
            routing.Site(
                str(x.id),
                float(x.latitude),
                float(x.longitude),
                x.name,
                f"{x.street}, {x.postcode} {x.city}".strip(", "),
                " ".join(filter(None, [x.contact_name, x.contact_phone])),
            )
            for x in sites.values()
        ),
        vehicles=tuple(vehicles),
        stops=tuple(stops),
        network=network,
        reload_s=data.get("depot_handling_minutes", 0) * 60,
    )


def create_plan(session: Session, principal: Principal, data: dict) -> RoutePlan:
    require(principal, *STAFF)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    spec = current_app.config["ROAD_NETWORK"]
    try:
        problem = build_problem(session, principal, data, tz, network_from_dict(spec))
    except routing.RoutingError as exc:
        raise InvalidInput.field("stops", str(exc)) from None
    names = {
        str(m.id): m.short_name
        for m in session.scalars(select(Member).where(Member.id.in_({int(x) for x in problem.members})))
    }
    problem_data = routing.problem_to_dict(problem) | {"network": spec, "member_names": names}
    plan = RoutePlan(
        coordination_id=principal.coordination_id,
        day=data["day"],
        status=PlanStatus.QUEUED,
        share_method=data["share_method"],
        time_limit_s=data["time_limit"],
        seed=data["seed"],
        problem=problem_data,
        progress={},
        created_by_id=principal.user_id,
    )
    session.add(plan)
    session.flush()
    plan.job = jobs.enqueue(session, "route_plan.solve", {"plan_id": plan.id}, principal=principal,
                            time_limit_s=plan.time_limit_s + SOLVE_MARGIN_S)
    return plan


ROUTES_SHARE = 0.4  # of a plan's time limit for its routes; the rest for the cost-sharing solves


def solve(problem_data: dict, *, time_limit: float, seed: int, method: str, progress=None) -> dict:
    """Plan, check, share and draw: the columns of a solved plan. Routes and shares together
    stay within ``time_limit`` seconds; ``progress`` receives the plan's progress as a dict
    (phase ``routes`` with the best cost so far, then ``sharing`` with coalitions worked out)."""
    started = time.monotonic()
    deadline = started + time_limit
    state: dict = {"phase": "routes", "best_cost": None}

    def report(**values) -> None:
        state.update(values, elapsed_s=round(time.monotonic() - started, 1))
        if progress is not None:
            progress(dict(state))

    problem = routing.problem_from_dict(problem_data)
    sharing = len(problem.members) > 1
    plan = routing.plan_routes(
        problem,
        time_limit=time_limit * (ROUTES_SHARE if sharing else 1.0),
        seed=seed,
        progress=lambda _elapsed, cents: report(best_cost=format_cents(cents)),
    )
    routing.require_feasible(problem, plan)
    report(best_cost=format_cents(plan.cost_cents))
    shares = pooling = None
    if plan.routes:
        members = len({s.member for s in problem.stops if s.id in set(plan.served)})
        total = 2**members - 1 if method == "shapley" and members <= routing.sharing.EXACT_SHAPLEY_LIMIT else members
        report(phase="sharing", coalitions_done=0, coalitions_total=total)
        game = routing.CoalitionCosts(  # one set of coalition costs for the shares and the pooling value
            problem, plan, seed=seed, deadline=deadline, progress=lambda k: report(coalitions_done=k)
        )
        shares = routing.share_costs(problem, plan, method, coalition_costs=game)
        pooling = routing.pooling_value(problem, plan, coalition_costs=game, shares=shares)
    report(phase="done")
    return {
        "result": {
            "plan": routing.plan_to_dict(plan),
            "shares": routing.shares_to_dict(shares) if shares else None,
            "pooling": routing.pooling_to_dict(pooling) if pooling else None,
        },
        "geojson": routing.plan_to_geojson(problem, plan),
        "svg": routing.plan_to_svg(problem, plan),
        "runsheet_pdf": routing.runsheet_pdf(problem, plan, members=problem_data.get("member_names")),
        "progress": dict(state),
    }


#: seconds a solve job may run beyond the plan's own time limit (building the maps and run sheets)
SOLVE_MARGIN_S = 120


def _plan_failed(session: Session, params: dict, error: dict) -> None:
    """The solve job failed for good (error, time limit, worker lost too often): the plan says why."""
    plan = session.get(RoutePlan, params["plan_id"], with_for_update=True)
    if plan is not None and plan.status in (PlanStatus.QUEUED, PlanStatus.RUNNING):
        plan.status, plan.error, plan.finished_at = PlanStatus.FAILED, error["detail"], utcnow()
        session.flush()


@queue.handler("route_plan.solve", max_attempts=2, time_limit_s=3600, on_failure=_plan_failed)
def _solve_job(session: Session, ctx: queue.JobContext) -> dict:
    """Solve a plan; its row carries the progress while it runs. The solved columns are written
    with the job's success, so a worker that dies mid-solve leaves the plan to be solved again."""
    plan_id = ctx.params["plan_id"]
    url = f"/api/v1/route-plans/{plan_id}"
    db = database(ctx.app)
    with db.session(write=False) as s:
        row = s.get(RoutePlan, plan_id)
        if row is None:
            raise NotFound(f"Route plan {plan_id} was deleted.")
        if row.status not in (PlanStatus.QUEUED, PlanStatus.RUNNING):
            return {"url": url, "status": row.status.value}  # done by an earlier attempt
        problem_data, limit, seed, method = row.problem, row.time_limit_s, row.seed, row.share_method

    def update(**values) -> None:
        with db.session() as s:
            row = s.get(RoutePlan, plan_id)
            for k, v in values.items():
                setattr(row, k, v)
            row.heartbeat_at = utcnow()
            s.commit()

    update(status=PlanStatus.RUNNING, started_at=utcnow(), error=None, progress={})
    last = [0.0]

    def progress(values: dict) -> None:
        if time.monotonic() - last[0] >= 1.0:
            last[0] = time.monotonic()
            update(progress=values)
            ctx.progress(values, every_s=0)

    with metrics.job("route_plan"), metrics.timed("route_plan"):
        columns = solve(problem_data, time_limit=limit, seed=seed, method=method, progress=progress)
    plan = session.get(RoutePlan, plan_id, with_for_update=True)
    for k, v in columns.items():
        setattr(plan, k, v)
    plan.status, plan.finished_at, plan.error, plan.heartbeat_at = PlanStatus.SOLVED, utcnow(), None, utcnow()
    session.flush()
    return {"url": url, "status": "solved", "cost": columns["progress"].get("best_cost")}


def list_plans(session: Session, principal: Principal, args: dict) -> dict:
    # a plan shows every member's stops and shares: members see their own share in its charge's basis
    require(principal, *STAFF_READERS)
    stmt = select(RoutePlan).where(RoutePlan.coordination_id == principal.coordination_id)
    return paginate(session, stmt.order_by(RoutePlan.id.desc()), args["limit"], args["offset"])


def get_plan(session: Session, principal: Principal, plan_id: int) -> RoutePlan:
    require(principal, *STAFF_READERS)
    plan = session.get(RoutePlan, plan_id)
    if plan is None or plan.coordination_id != principal.coordination_id:
        raise NotFound(f"No route plan {plan_id} here.")
    return plan


def _solved(plan: RoutePlan) -> RoutePlan:
    if plan.status not in (PlanStatus.SOLVED, PlanStatus.ACCEPTED, PlanStatus.EXECUTED):
        raise Conflict(f"Route plan {plan.id} is {plan.status.value}: there is no result yet.")
    return plan


def result(session: Session, principal: Principal, plan_id: int) -> RoutePlan:
    return _solved(get_plan(session, principal, plan_id))


def accept(session: Session, principal: Principal, plan_id: int) -> RoutePlan:
    require(principal, *STAFF)
    plan = get_plan(session, principal, plan_id)
    if plan.status != PlanStatus.SOLVED:
        raise Conflict(f"Route plan {plan.id} is {plan.status.value}; only a solved plan can be accepted.")
    plan.status = PlanStatus.ACCEPTED
    session.flush()
    return plan


def execute(session: Session, principal: Principal, plan_id: int) -> RoutePlan:
    """The rounds were driven: post each member's share of the plan's cost as a charge."""
    require(principal, *STAFF)
    plan = get_plan(session, principal, plan_id)
    if plan.status != PlanStatus.ACCEPTED:
        raise Conflict(f"Route plan {plan.id} is {plan.status.value}; accept it before executing it.")
    shares = plan.result.get("shares")
    if shares:
        tz = ZoneInfo(current_app.config["TIMEZONE"])
        start = datetime(plan.day.year, plan.day.month, plan.day.day, tzinfo=tz).astimezone(UTC)
        drafts = []
        for m in shares["members"]:
            basis = (
                f"Tournées mutualisées du {fr.long_date(plan.day, 'fr')} : coût total {fr.euros(shares['total'])}, "
                f"clé : {SHARE_METHODS.get(shares['method'], shares['method'])} ; coût si le membre roulait seul "
                f"{fr.euros(m['standalone'])}, économie {fr.euros(m['saving'])} ; part {fr.euros(m['share'])} "
                "(parts en centimes, somme exacte)."
            )
            drafts.append(
                ChargeDraft(
                    payer=Payer(member_id=int(m["member"])),
                    source_type=ChargeSource.ROUTE_PLAN,
                    source_id=plan.id,
                    posting_key=f"route_plan:{plan.id}:m{m['member']}",
                    label=f"Tournées mutualisées du {fr.long_date(plan.day, 'fr')}",
                    period_start=start,
                    period_end=start + timedelta(days=1),
                    allocation_key=shares["method"],
                    basis=basis,
                    amount_cents=to_cents(m["share"]),
                    nature=Nature.SERVICES,
                )
            )
        post_charges(session, principal.coordination_id, drafts, principal.user_id)
    plan.status, plan.executed_at = PlanStatus.EXECUTED, utcnow()
    session.flush()
    return plan


def delivery_note(session: Session, principal: Principal, plan_id: int, member_id: int) -> invoices.DeliveryNote:
    """What one member's sites receive from a day's rounds: one item per delivery or transfer
    stop, the vehicle and the time it arrives; a stop the plan could not serve shows 0 delivered
    with the reason. Members see their own delivery notes; staff and auditors all."""
    require(principal, *READERS)
    if not principal.sees_all_members and member_id != principal.member_id:
        raise NotFound(f"No delivery note for member {member_id} here.")
    plan = session.get(RoutePlan, plan_id)
    if plan is None or plan.coordination_id != principal.coordination_id:
        raise NotFound(f"No route plan {plan_id} here.")
    _solved(plan)
    member = session.get(Member, member_id)
    stops = [s for s in plan.problem.get("stops", ())
             if s["kind"] in ("delivery", "transfer") and s["member"] == str(member_id)]
    if member is None or member.coordination_id != principal.coordination_id or not stops:
        raise NotFound(f"The rounds of plan {plan_id} deliver nothing to member {member_id}.")
    arrivals, vehicles = {}, []
    for route in plan.result["plan"]["routes"]:
        for visit in route["visits"]:
            if visit["stop"] and visit["action"] in ("delivery", "unload"):
                arrivals[visit["stop"]] = (route["vehicle"], visit["arrival"])
    unserved = {u["stop"]: u for u in plan.result["plan"]["unserved"]}
    stops.sort(key=lambda s: (arrivals.get(s["id"], ("", "99:99"))[1], s["id"]))  # in the order they arrive
    site_ids = {int(s.get("to_site") or s["site"]) for s in stops} | {int(s["site"]) for s in stops}
    sites = {x.id: x for x in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    if site_ids - sites.keys():
        gone = ", ".join(str(i) for i in sorted(site_ids - sites.keys()))
        raise NotFound(f"Plan {plan_id} delivers to sites deleted since it was solved ({gone}): "
                       "its delivery notes can no longer be drawn up.")
    items = []
    for s in stops:
        origin = sites[int(s["site"])].name if s["kind"] == "transfer" else "l'entrepôt"
        served = s["id"] not in unserved
        vehicle, arrival = arrivals.get(s["id"], ("", ""))
        if served and vehicle and vehicle not in vehicles:
            vehicles.append(vehicle)
        reason = "" if served else f"Non desservi : {unserved[s['id']]['detail'] or unserved[s['id']]['reason']}"
        description = f"Livraison depuis {origin} ({s.get('pallets', 0)} palette(s))"
        if arrival:
            description += f", arrivée {arrival}"
        items.append(document_part(f"stop {s['id']}", lambda s=s, served=served, reason=reason,
                                   description=description: invoices.DeliveryItem(
            description=description[:200], lot="—",
            temperature_class=invoices.TemperatureClass("chilled" if s.get("chilled") else "ambient"),
            ordered_quantity=Decimal(s["kg"]), delivered_quantity=Decimal(s["kg"] if served else 0), unit="KGM",
            difference_reason=reason[:200])))
    first = stops[0]
    site = sites[int(first.get("to_site") or first["site"])]
    coordination = session.get(Coordination, plan.coordination_id)
    return document_part("delivery_note", lambda: invoices.DeliveryNote(
        number=f"BL-T{plan.id:05d}-{member_id}", delivery_date=plan.day,
        issuer=coordination_party(coordination),
        recipient=member_party(member),
        source=f"Tournées mutualisées du {plan.day:%d/%m/%Y}", items=tuple(items),
        delivery_address=site_address(site), vehicle=", ".join(vehicles)[:100],
        planned=plan.status != PlanStatus.EXECUTED))  # "prévu" until the rounds are driven

"""The demo coordination: the Pays d'Aubagne and east Marseille.

Everything is keyed by a natural key (slug, SIRET, site name, e-mail, posting key), created
only when missing: loading the demo twice changes nothing. Names of associations, shops and
people are invented; towns and their coordinates are real.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import Principal
from ..models import (
    BillingRun,
    Charge,
    ChargeSource,
    Coordination,
    Funder,
    FunderKind,
    MandateSequence,
    Member,
    MemberKind,
    Nature,
    PlanStatus,
    Role,
    RoleGrant,
    SepaMandate,
    Site,
    SiteKind,
    StorageZone,
    TemperatureClass,
    User,
    VatRegime,
    Vehicle,
    VehicleBlackout,
    VehicleBooking,
    VehicleKind,
    VehicleQuota,
)
from . import invoicing
from . import routes as routes_svc
from . import storage as storage_svc
from . import vehicles as vehicles_svc
from .accounts import grant_role
from .demo_orders import load_orders
from .ledger import ChargeDraft, Payer, post_charges, split_charge
from .passwords import set_password

DEMO_SLUG = "pays-aubagne"
DEMO_DOMAIN = "coordination-aubagne.example"

WEEKDAYS_WAREHOUSE = {d: [["07:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SHOP_HOURS = {d: [["08:30", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}

#: The coordination's bank account and SEPA creditor identifier (ICS).
DEMO_BANK = {"iban": "FR7630003012340005012345665", "bic": "SOGEFRPP", "creditor_id": "FR95ZZZ5A1B2C"}
#: The mandate one member signed: member, unique reference (RUM), signature date, IBAN, BIC.
DEMO_MANDATE = ("colis-penne", "GCA-PENNE-0001", date(2026, 1, 12), "FR7610278089000002001234585", "CMCIFR2A")

MEMBERS = [
    # short name, legal name, kind, SIREN, SIRET, street, postcode, city, regime, VAT no., people/week,
    # distribution point (lat, lon, hours)
    (
        "escale",
        "L'Escale solidaire – épicerie sociale d'Aubagne",
        MemberKind.SOCIAL_GROCERY,
        "812345676",
        "81234567600017",
        "8 cours Voltaire",
        "13400",
        "Aubagne",
        VatRegime.OUTSIDE_VAT,
        None,
        180,
        (43.292700, 5.570800, {"tue": [["08:00", "18:00"]], "thu": [["14:00", "18:00"]], "sat": [["09:00", "12:00"]]}),
    ),
    (
        "colis-penne",
        "Colis du Cœur de La Penne",
        MemberKind.PARCEL_DISTRIBUTION,
        "793456120",
        "79345612000013",
        "3 place de la Mairie",
        "13821",
        "La Penne-sur-Huveaune",
        VatRegime.OUTSIDE_VAT,
        None,
        260,
        (43.281100, 5.515000, {"tue": [["08:30", "12:00"]], "wed": [["09:00", "12:00"]]}),
    ),
    (
        "veilleurs",
        "Les Veilleurs de l'Huveaune (maraude)",
        MemberKind.STREET_OUTREACH,
        "845123785",
        "84512378500014",
        "41 boulevard de Saint-Marcel",
        "13011",
        "Marseille",
        VatRegime.OUTSIDE_VAT,
        None,
        90,
        (43.288000, 5.468000, {"tue": [["08:00", "11:00"]]} | {d: [["17:00", "19:00"]] for d in ("mon", "wed", "fri")}),
    ),
    (
        "marmite",
        "La Marmite partagée – cuisine solidaire",
        MemberKind.COMMUNITY_KITCHEN,
        "502134679",
        "50213467900013",
        "17 rue Montaigne",
        "13012",
        "Marseille",
        VatRegime.VAT_REGISTERED,
        "FR63502134679",
        140,
        (43.304000, 5.417000, {d: [["08:00", "15:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}),
    ),
    (
        "entraide-gemenos",
        "Entraide alimentaire 13 – antenne de Gémenos",
        MemberKind.NETWORK_ANTENNA,
        "775890346",
        "77589034600015",
        "2 avenue de la Libération",
        "13420",
        "Gémenos",
        VatRegime.OUTSIDE_VAT,
        None,
        420,
        (43.295300, 5.628300, {"mon": [["13:30", "17:30"]], "tue": [["08:00", "12:00"]], "fri": [["09:00", "12:00"]]}),
    ),
    (
        "passons",
        "Amicale des habitants des Passons",
        MemberKind.NEIGHBOURHOOD,
        "911234565",
        "91123456500016",
        "Chemin des Passons",
        "13400",
        "Aubagne",
        VatRegime.FRANCHISE_293B,
        None,
        35,
        (43.299000, 5.560000, {"tue": [["09:00", "12:00"]], "sat": [["10:00", "12:00"]]}),
    ),
]

SITES = [
    (
        "Entrepôt mutualisé des Paluds",
        SiteKind.WAREHOUSE,
        "Avenue de la Fleuride, ZI des Paluds",
        "13400",
        "Aubagne",
        43.287500,
        5.601000,
        WEEKDAYS_WAREHOUSE,
        "Accueil quai",
        "+33 4 42 00 00 10",
    ),
    (
        "Coopérative des producteurs du Garlaban",
        SiteKind.SUPPLIER,
        "Route de Lascours",
        "13360",
        "Roquevaire",
        43.350000,
        5.604000,
        {d: [["07:00", "12:00"]] for d in ("mon", "tue", "wed", "fri")},
        "Quai expéditions",
        "+33 4 42 00 00 20",
    ),
    (
        "Provence Gros Alimentaire (grossiste)",
        SiteKind.SUPPLIER,
        "MIN des Arnavaux",
        "13014",
        "Marseille",
        43.337000,
        5.389000,
        {d: [["04:00", "11:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "Service clients",
        "+33 4 91 00 00 30",
    ),
    (
        "Supermarché des Paluds",
        SiteKind.SUPERMARKET,
        "Avenue des Paluds",
        "13400",
        "Aubagne",
        43.289000,
        5.588000,
        SHOP_HOURS,
        "Responsable réserve",
        "+33 4 42 00 01 01",
    ),
    (
        "Hypermarché de La Valentine",
        SiteKind.SUPERMARKET,
        "Route de la Sablière",
        "13011",
        "Marseille",
        43.293500,
        5.485500,
        SHOP_HOURS,
        "Responsable dons",
        "+33 4 91 00 01 02",
    ),
    (
        "Supermarché de la Plaine de Jouques",
        SiteKind.SUPERMARKET,
        "Avenue du Château de Jouques",
        "13420",
        "Gémenos",
        43.301000,
        5.616000,
        SHOP_HOURS,
        "Accueil livraisons",
        "+33 4 42 00 01 03",
    ),
    (
        "Supermarché de La Penne",
        SiteKind.SUPERMARKET,
        "Avenue Jean Jaurès",
        "13821",
        "La Penne-sur-Huveaune",
        43.279000,
        5.516000,
        SHOP_HOURS,
        "Chef de rayon frais",
        "+33 4 91 00 01 04",
    ),
]

FUNDERS = [
    # name, kind, SIRET, street, postcode, city
    ("Fondation pour l'aide alimentaire en Provence", FunderKind.FOUNDATION, "26130001600019",
     "12 boulevard Longchamp", "13001", "Marseille"),
    ("DDETS des Bouches-du-Rhône", FunderKind.STATE, "13000123300019", "Boulevard Périer", "13008", "Marseille"),
    ("Région Provence-Alpes-Côte d'Azur", FunderKind.REGION, "17130001500012", "Place Jules Guesde", "13002",
     "Marseille"),
    ("Ville d'Aubagne", FunderKind.TOWN, "20005583800011", "Esplanade Charles de Gaulle", "13400", "Aubagne"),
]

DEMO_PASSWORD = "logipool-demo"  # every demo user's, printed by `make run`  # noqa: S105
USERS = [
    ("admin", "Camille Roux", Role.ADMIN, None),
    ("gestion", "Karim Benali", Role.MANAGER, None),
    ("escale.benevole", "Sophie Martin", Role.MEMBER_REP, "escale"),
    ("escale.tresorerie", "Jean Durand", Role.TREASURER, "escale"),
    ("marmite.tresorerie", "Nadia Haddad", Role.TREASURER, "marmite"),
    ("audit", "Agnès Morel", Role.AUDITOR, None),
]
# optional e-mails some demo users turned off: L'Escale's treasurer pays each invoice when it
# arrives and needs no "due soon" reminder
OPTED_OUT = {"escale.tresorerie": ("invoice_due_soon",)}


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.existing
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        made = ", ".join(f"{n} {k}" for k, n in self.created.items()) or "nothing"
        kept = ", ".join(f"{n} {k}" for k, n in self.existing.items()) or "nothing"
        return f"Demo coordination '{DEMO_SLUG}': created {made}; already present {kept}."


def load_demo(session: Session) -> DemoReport:
    report = DemoReport()
    coordination = session.scalars(select(Coordination).where(Coordination.slug == DEMO_SLUG)).first()
    report.count("coordination", coordination is None)
    if coordination is None:
        coordination = Coordination(
            slug=DEMO_SLUG,
            name="Coordination alimentaire du Pays d'Aubagne et de l'Est marseillais",
            legal_name="Groupement de coopération alimentaire du Pays d'Aubagne",
            siren="449876515",
            siret="44987651500015",
            street="Avenue de la Fleuride, ZI des Paluds",
            postcode="13400",
            city="Aubagne",
            vat_regime=VatRegime.COST_SHARING_261B,
            email=f"contact@{DEMO_DOMAIN}",
        )
        session.add(coordination)
        session.flush()
    if coordination.iban is None:  # paid by transfer (EPC QR code) or direct debit (its ICS)
        coordination.iban, coordination.bic = DEMO_BANK["iban"], DEMO_BANK["bic"]
        coordination.sepa_creditor_id = DEMO_BANK["creditor_id"]
    cid = coordination.id

    members: dict[str, Member] = {}
    for short, legal, kind, siren, siret, street, postcode, city, regime, vat_no, people, (lat, lon, hours) in MEMBERS:
        member = session.scalars(select(Member).filter_by(coordination_id=cid, siret=siret)).first()
        report.count("members", member is None)
        if member is None:
            member = Member(
                coordination_id=cid,
                short_name=short,
                legal_name=legal,
                kind=kind,
                siren=siren,
                siret=siret,
                street=street,
                postcode=postcode,
                city=city,
                vat_regime=regime,
                vat_number=vat_no,
                contact_email=f"{short}@{DEMO_DOMAIN}",
                people_served_per_week=people,
            )
            session.add(member)
            session.flush()
        members[short] = member
        _ensure_site(
            session,
            report,
            cid,
            f"Point de distribution – {legal.split(' – ')[0]}",
            SiteKind.DISTRIBUTION_POINT,
            street,
            postcode,
            city,
            lat,
            lon,
            hours,
            member_id=member.id,
        )

    # one association pays by SEPA direct debit: its invoices say when they are collected
    short, reference, signed_on, iban, bic = DEMO_MANDATE
    mandate = session.scalars(select(SepaMandate).filter_by(coordination_id=cid, reference=reference)).first()
    report.count("mandates", mandate is None)
    if mandate is None:
        member = members[short]
        session.add(SepaMandate(coordination_id=cid, member_id=member.id, reference=reference, signed_on=signed_on,
                                iban=iban, bic=bic, account_holder=member.legal_name[:70],
                                sequence=MandateSequence.FIRST))
        session.flush()

    for name, kind, street, postcode, city, lat, lon, hours, contact, phone in SITES:
        _ensure_site(
            session,
            report,
            cid,
            name,
            kind,
            street,
            postcode,
            city,
            lat,
            lon,
            hours,
            contact_name=contact,
            contact_phone=phone,
        )

    for name, kind, siret, street, postcode, city in FUNDERS:
        funder = session.scalars(select(Funder).filter_by(coordination_id=cid, name=name)).first()
        report.count("funders", funder is None)
        if funder is None:
            session.add(
                Funder(
                    coordination_id=cid,
                    name=name,
                    kind=kind,
                    siren=siret[:9],
                    street=street,
                    postcode=postcode,
                    city=city,
                    contact_email=f"{name.split()[0].lower()}@funder.example",
                )
            )
    session.flush()

    for local, name, role, member_short in USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        exists = session.scalar(
            select(RoleGrant.id).join(User).where(User.email == email, RoleGrant.coordination_id == cid)
        )
        report.count("users", exists is None)
        if exists is None:
            grant = grant_role(session, cid, email, role, members[member_short].id if member_short else None, name)
            grant.user.platform_admin = role == Role.ADMIN
            set_password(grant.user, DEMO_PASSWORD)
            if local in OPTED_OUT:  # what the account page and GET /users/me show
                grant.user.mail_opt_outs = list(OPTED_OUT[local])

    _coordination_fee(session, report, cid, members)
    session.flush()
    _vehicles_and_storage(session, report, coordination, members)
    session.flush()
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    load_orders(session, report, coordination, members, _manager(session, cid), tz, datetime.now(tz).date())
    session.flush()
    _last_month_invoices(session, report, cid, tz)
    session.flush()
    return report


def _last_month_invoices(session: Session, report: DemoReport, cid: int, tz: ZoneInfo) -> None:
    """Last month's billing run, issued as the staff do at month end (``POST /billing-runs/`` and
    its issue): the treasurers have invoices to read, and this month's charges are still to come."""
    done = session.scalar(select(BillingRun.id).where(BillingRun.coordination_id == cid).limit(1))
    report.count("billing runs", done is None)
    if done is not None:
        return
    staff = _manager(session, cid)
    end = invoicing.today_in(tz).replace(day=1) - timedelta(days=1)
    run = invoicing.create_billing_run(session, staff, {"period_start": end.replace(day=1), "period_end": end}, tz=tz)
    invoicing.issue_run(session, staff, run.id, tz=tz)


def _manager(session: Session, cid: int) -> Principal:
    """The demo's manager, acting through the services as the API would."""
    grant = session.scalars(
        select(RoleGrant).join(User).where(RoleGrant.coordination_id == cid, User.email == f"gestion@{DEMO_DOMAIN}")
    ).one()
    return Principal(
        user_id=grant.user_id,
        email=f"gestion@{DEMO_DOMAIN}",
        grant_id=grant.id,
        coordination_id=cid,
        role=Role.MANAGER,
        member_id=None,
        platform_admin=False,
        token_id=0,
    )


def _ensure_site(session, report, cid, name, kind, street, postcode, city, lat, lon, hours, **extra):
    site = session.scalars(select(Site).filter_by(coordination_id=cid, name=name)).first()
    report.count("sites", site is None)
    if site is None:
        session.add(
            Site(
                coordination_id=cid,
                name=name,
                kind=kind,
                street=street,
                postcode=postcode,
                city=city,
                latitude=Decimal(str(lat)),
                longitude=Decimal(str(lon)),
                opening_hours=hours,
                **extra,
            )
        )
        session.flush()


def _coordination_fee(session: Session, report: DemoReport, cid: int, members: dict[str, Member]):
    """The yearly coordination fee, split pro rata of people served per week."""
    key = "demo:coordination-fee-2026"
    posted = session.scalar(select(Charge.id).where(Charge.coordination_id == cid, Charge.posting_key.startswith(key)))
    report.count("charges", posted is None)
    if posted is not None:
        return
    template = ChargeDraft(
        payer=Payer(member_id=0),
        source_type=ChargeSource.MANUAL,
        source_id=None,
        posting_key=key,
        label="Participation aux frais de coordination 2026",
        period_start=datetime(2026, 1, 1, tzinfo=ZoneInfo(current_app.config["TIMEZONE"])),
        period_end=datetime(2027, 1, 1, tzinfo=ZoneInfo(current_app.config["TIMEZONE"])),
        allocation_key="people_served_per_week",
        basis="Frais de coordination 2026:",
        amount_cents=0,
        nature=Nature.SERVICES,
    )
    parts = [
        (
            Payer(member_id=m.id),
            m.people_served_per_week or 0,
            f"{m.people_served_per_week} personnes servies par semaine",
        )
        for m in members.values()
    ]
    post_charges(session, cid, split_charge(template, 240000, parts))


VEHICLES = [
    # name, plate, kind, kg, m3, pallets, chilled, frozen, fixed/day, per hour, per km (cents), buffer min, auto
    (
        "Master frigo",
        "GF-482-KT",
        VehicleKind.REFRIGERATED_TRUCK,
        1100,
        "12.00",
        4,
        True,
        True,
        3500,
        650,
        42,
        45,
        False,
    ),
    ("Jumper", "FZ-219-PL", VehicleKind.VAN, 1200, "11.50", 3, False, False, 1500, 400, 28, 15, True),
    ("Daily 35", "EX-903-RB", VehicleKind.TRUCK, 2800, "20.00", 8, False, False, 3000, 550, 38, 30, False),
]

ZONES = [
    ("Zone sèche", TemperatureClass.AMBIENT, 120, "600.00", 40),
    ("Chambre froide positive (0–4 °C)", TemperatureClass.CHILLED, 24, "90.00", 120),
    ("Chambre froide négative (≤ −18 °C)", TemperatureClass.FROZEN, 12, "45.00", 180),
]


def _vehicles_and_storage(
    session: Session, report: DemoReport, coordination: Coordination, members: dict[str, Member]
) -> None:
    """Three vehicles, three warehouse zones and a realistic week of bookings around today,
    made through the same services as the API so the demo obeys every rule."""
    cid = coordination.id
    warehouse = session.scalars(select(Site).filter_by(coordination_id=cid, kind=SiteKind.WAREHOUSE)).first()
    vehicles = {}
    for name, plate, kind, kg, m3, pallets, chilled, frozen, day, hour, km, buffer, auto in VEHICLES:
        vehicle = session.scalars(select(Vehicle).filter_by(coordination_id=cid, plate=plate)).first()
        report.count("vehicles", vehicle is None)
        if vehicle is None:
            vehicle = Vehicle(
                coordination_id=cid,
                name=name,
                plate=plate,
                kind=kind,
                capacity_kg=kg,
                capacity_m3=Decimal(m3),
                capacity_pallets=pallets,
                chilled=chilled,
                frozen=frozen,
                home_site_id=warehouse.id,
                fixed_cost_per_day_cents=day,
                cost_per_hour_cents=hour,
                cost_per_km_cents=km,
                buffer_minutes=buffer,
                auto_confirm=auto,
                odometer_km=48210,
            )
            session.add(vehicle)
            session.flush()
        vehicles[name] = vehicle
    zones = {}
    for name, temperature, capacity, area, cost in ZONES:
        zone = session.scalars(select(StorageZone).filter_by(coordination_id=cid, name=name)).first()
        report.count("storage zones", zone is None)
        if zone is None:
            zone = StorageZone(
                coordination_id=cid,
                site_id=warehouse.id,
                name=name,
                temperature_class=temperature,
                capacity_pallets=capacity,
                area_m2=Decimal(area),
                cost_per_pallet_day_cents=cost,
            )
            session.add(zone)
            session.flush()
        zones[temperature] = zone

    has_quota = session.scalar(select(VehicleQuota.id).where(VehicleQuota.coordination_id == cid)) is not None
    report.count("quotas", not has_quota)
    if not has_quota:
        session.add(
            VehicleQuota(coordination_id=cid, vehicle_kind=VehicleKind.REFRIGERATED_TRUCK, max_hours_per_week=12)
        )

    if session.scalar(select(VehicleBooking.id).where(VehicleBooking.coordination_id == cid).limit(1)):
        report.count("booking weeks", False)
        return
    report.count("booking weeks", True)
    staff = _manager(session, cid)
    manager = session.get(RoleGrant, staff.grant_id)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    today = datetime.now(tz).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7)  # the coming week (today if Monday)

    def local(day, hour, minute=0):
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)

    def book(vehicle, member, day, start, end, purpose):
        return vehicles_svc.create_booking(
            session,
            staff,
            {
                "vehicle_id": vehicles[vehicle].id,
                "member_id": members[member].id,
                "start_at": local(day, start),
                "end_at": local(day, end),
                "purpose": purpose,
                "override_quota": True,
            },
        )

    # a supplier pickup two days ago, returned with its odometer readings: it has its charge
    past = today - timedelta(days=2)
    done = book("Daily 35", "entraide-gemenos", past, 6, 10, "Enlèvement fournisseur au MIN des Arnavaux")
    vehicles_svc.check_out(session, staff, done.id, {"odometer_km": 48210, "at": local(past, 6, 5)})
    vehicles_svc.return_vehicle(
        session, staff, done.id, {"odometer_km": 48264, "at": local(past, 9, 50), "notes": "Quai 2, RAS"}
    )
    # the pooled collection round, twice a week for four weeks
    tuesday = monday + timedelta(days=1)
    vehicles_svc.create_series(
        session,
        staff,
        {
            "vehicle_id": vehicles["Master frigo"].id,
            "member_id": members["colis-penne"].id,
            "rrule": "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=8",
            "first_start": datetime.combine(tuesday, time(7)),
            "duration_minutes": 240,
            "purpose": "Ramasse mutualisée des supermarchés",
            "for_rounds": True,
            "on_conflict": "skip",
            "override_quota": True,
        },
    )
    book("Jumper", "marmite", monday + timedelta(days=2), 14, 17, "Livraison cuisine solidaire")
    book("Daily 35", "escale", monday + timedelta(days=2), 8, 11, "Commande groupée : coopérative du Garlaban")
    # two members' requests waiting for the manager
    rep = Principal(
        user_id=manager.user_id,
        email="",
        grant_id=manager.id,
        coordination_id=cid,
        role=Role.MEMBER_REP,
        member_id=members["veilleurs"].id,
        platform_admin=False,
        token_id=0,
    )
    for member, vehicle, day, start, end, purpose in (
        ("veilleurs", "Master frigo", monday + timedelta(days=3), 16, 19, "Maraude : repas chauds"),
        ("passons", "Daily 35", monday + timedelta(days=4), 13, 16, "Déménagement du local"),
    ):
        rep = replace(rep, member_id=members[member].id)
        vehicles_svc.create_booking(
            session,
            rep,
            {
                "vehicle_id": vehicles[vehicle].id,
                "start_at": local(day, start),
                "end_at": local(day, end),
                "purpose": purpose,
            },
        )
    session.add(
        VehicleBlackout(
            coordination_id=cid,
            vehicle_id=vehicles["Daily 35"].id,
            start_at=local(monday + timedelta(days=7), 8),
            end_at=local(monday + timedelta(days=7), 18),
            reason="Révision des 50 000 km au garage",
        )
    )
    first_of_month = today.replace(day=1)
    for member, temperature, pallets, days in (
        ("entraide-gemenos", TemperatureClass.AMBIENT, 40, 31),
        ("colis-penne", TemperatureClass.AMBIENT, 20, 21),
        ("escale", TemperatureClass.CHILLED, 6, 14),
        ("marmite", TemperatureClass.FROZEN, 3, 28),
        ("passons", TemperatureClass.AMBIENT, 2, 10),
    ):
        storage_svc.create_booking(
            session,
            staff,
            {
                "zone_id": zones[temperature].id,
                "member_id": members[member].id,
                "pallets": pallets,
                "start_at": local(first_of_month, 0),
                "end_at": local(first_of_month + timedelta(days=days), 0),
                "notes": "Stock de démonstration",
            },
        )
    # the warehouse is charged as it is used: this month's pallet-days up to today are to come
    storage_svc.charge_until(session, staff, local(today, 0))
    _route_day(session, staff, coordination, members, vehicles, tuesday, local)
    report.count("route plans", True)


def _route_day(session, staff, coordination, members, vehicles, day, local) -> None:
    """Tuesday's pooled rounds: 8 supermarket pickups (fresh and dry), 6 deliveries to the
    members' distribution points, a chilled transfer from the producers' cooperative, 3 vehicles."""
    for vehicle, start, end in (("Jumper", 7, 13), ("Daily 35", 6, 12)):
        vehicles_svc.create_booking(
            session,
            staff,
            {
                "vehicle_id": vehicles[vehicle].id,
                "member_id": members["colis-penne"].id,
                "start_at": local(day, start),
                "end_at": local(day, end),
                "purpose": "Tournées mutualisées",
                "for_rounds": True,
                "override_quota": True,
            },
        )
    cid = coordination.id
    sites = {s.name: s for s in session.scalars(select(Site).where(Site.coordination_id == cid)).all()}
    shops = [s for s in sites.values() if s.kind == SiteKind.SUPERMARKET]
    organisers = ["entraide-gemenos", "colis-penne", "escale", "marmite"]
    stops = []
    for shop, organiser in zip(shops, organisers, strict=True):
        member = members[organiser].id
        stops.append(
            {
                "kind": "pickup",
                "site_id": shop.id,
                "member_id": member,
                "kg": 220,
                "pallets": 1,
                "chilled": True,
                "service_minutes": 15,
                "optional": False,
            }
        )
        stops.append(
            {
                "kind": "pickup",
                "site_id": shop.id,
                "member_id": member,
                "kg": 320,
                "pallets": 1,
                "chilled": False,
                "service_minutes": 10,
                "optional": False,
            }
        )
    for short, kg, pallets in (
        ("escale", 380, 2),
        ("colis-penne", 450, 2),
        ("veilleurs", 120, 1),
        ("marmite", 260, 1),
        ("entraide-gemenos", 600, 3),
        ("passons", 90, 1),
    ):
        point = next(s for s in sites.values() if s.member_id == members[short].id)
        stops.append(
            {
                "kind": "delivery",
                "site_id": point.id,
                "kg": kg,
                "pallets": pallets,
                "chilled": False,
                "service_minutes": 10,
                "optional": False,
            }
        )
    cooperative = sites["Coopérative des producteurs du Garlaban"]
    escale_point = next(s for s in sites.values() if s.member_id == members["escale"].id)
    stops.append(
        {
            "kind": "transfer",
            "site_id": cooperative.id,
            "to_site_id": escale_point.id,
            "kg": 140,
            "pallets": 1,
            "chilled": True,
            "service_minutes": 10,
            "optional": False,
        }
    )
    data = {
        "day": day,
        "vehicle_ids": [v.id for v in vehicles.values()],
        "stops": stops,
        "share_method": "shapley",
        "time_limit": 3,
        "seed": 0,
    }
    plan = routes_svc.create_plan(session, staff, data)
    plan.started_at = datetime.now(UTC)
    columns = routes_svc.solve(plan.problem, time_limit=3, seed=0, method="shapley")
    plan.status, plan.finished_at = PlanStatus.SOLVED, datetime.now(UTC)
    for key, value in columns.items():
        setattr(plan, key, value)

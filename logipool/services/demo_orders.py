"""The demo's joint orders: two suppliers and their catalogues, last month's cycle settled after a
short delivery, and this month's cycle open with the needs members declared so far."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import Principal
from ..models import Member, Offer, OrderCycle, Site, Supplier, TemperatureClass
from . import orders as orders_svc

AMBIENT, CHILLED = TemperatureClass.AMBIENT, TemperatureClass.CHILLED

SUPPLIERS = [
    # name, site, SIRET, street, postcode, city, e-mail, lead days, minimum, free delivery, fee (cents)
    ("Provence Gros Alimentaire", "Provence Gros Alimentaire (grossiste)", "38451248900020", "MIN des Arnavaux",
     "13014", "Marseille", "commandes@pga.example", 2, 15000, 40000, 4500),
    ("Coopérative des producteurs du Garlaban", "Coopérative des producteurs du Garlaban", "51234567900017",
     "Route de Lascours", "13360", "Roquevaire", "expeditions@garlaban.example", 3, 6000, 20000, 1500),
]

OFFERS = [
    # supplier, reference, product, category, unit, pack size, divisible, VAT %, temperature, kg/pack,
    # tiers [(min packs, pack price cents)]
    (0, "PGA-RIZ1", "Riz long grain 1 kg", "épicerie", "kg", 10, False, "5.5", AMBIENT, "10.4",
     [(1, 1200), (10, 1050)]),
    (0, "PGA-PAT5", "Pâtes torsades 500 g", "épicerie", "unit", 24, False, "5.5", AMBIENT, "12.3",
     [(1, 1440), (20, 1320)]),
    (0, "PGA-HUI1", "Huile de tournesol 1 L", "épicerie", "l", 6, False, "5.5", AMBIENT, "5.7", [(1, 1320)]),
    (0, "PGA-LAIT", "Lait UHT demi-écrémé 1 L", "crèmerie", "l", 6, False, "5.5", AMBIENT, "6.3",
     [(1, 540), (20, 498)]),
    (0, "PGA-TOM4", "Tomates pelées 400 g", "conserves", "unit", 12, False, "5.5", AMBIENT, "5.2", [(1, 960)]),
    (0, "PGA-LEN5", "Lentilles vertes 500 g", "épicerie", "unit", 12, False, "5.5", AMBIENT, "6.2", [(1, 1140)]),
    (0, "PGA-GEL2", "Gel douche 250 ml", "hygiène", "unit", 12, False, "20", AMBIENT, "3.3", [(1, 1440)]),
    (1, "GAR-LAIB", "Lait UHT bio 1 L", "crèmerie", "l", 6, False, "5.5", AMBIENT, "6.3", [(1, 720)]),
    (1, "GAR-POM", "Pommes de Provence (vrac)", "fruits et légumes", "kg", 10, True, "5.5", AMBIENT, "10.5",
     [(1, 1600), (10, 1450)]),
    (1, "GAR-OEU6", "Œufs plein air, boîte de 6", "crèmerie", "unit", 10, False, "5.5", CHILLED, "4.0", [(1, 1900)]),
    (1, "GAR-YAO4", "Yaourts nature, pack de 4", "crèmerie", "unit", 12, False, "5.5", CHILLED, "6.2",
     [(1, 960)]),
]

# member, references (interchangeable), minimum, target, maximum
SETTLED_NEEDS = [
    ("escale", ["PGA-RIZ1"], 20, 40, 45), ("escale", ["PGA-PAT5"], 48, 96, 100),
    ("escale", ["PGA-LAIT", "GAR-LAIB"], 24, 60, 66), ("escale", ["GAR-POM"], 0, 30, 35),
    ("colis-penne", ["PGA-RIZ1"], 30, 60, 60), ("colis-penne", ["PGA-TOM4"], 24, 48, 60),
    ("colis-penne", ["PGA-HUI1"], 6, 18, 18), ("colis-penne", ["PGA-LEN5"], 12, 36, 36),
    ("marmite", ["PGA-HUI1"], 6, 12, 12), ("marmite", ["PGA-RIZ1"], 10, 25, 30), ("marmite", ["GAR-OEU6"], 10, 20, 20),
    ("entraide-gemenos", ["PGA-PAT5"], 24, 48, 48), ("entraide-gemenos", ["PGA-LAIT", "GAR-LAIB"], 12, 36, 36),
    ("entraide-gemenos", ["PGA-GEL2"], 0, 12, 12), ("passons", ["PGA-RIZ1"], 5, 15, 20),
    ("passons", ["GAR-YAO4"], 12, 24, 24), ("veilleurs", ["PGA-TOM4"], 12, 24, 24),
]
OPEN_NEEDS = [
    ("escale", ["PGA-RIZ1"], 20, 50, 55), ("escale", ["GAR-POM"], 0, 40, 45),
    ("colis-penne", ["PGA-LAIT", "GAR-LAIB"], 24, 72, 78), ("colis-penne", ["PGA-PAT5"], 48, 120, 120),
    ("marmite", ["PGA-HUI1"], 6, 18, 18), ("marmite", ["GAR-OEU6"], 10, 30, 30),
    ("veilleurs", ["PGA-TOM4"], 12, 36, 36),
]


def load_orders(session: Session, report, coordination, members: dict[str, Member], staff: Principal,
                tz: ZoneInfo, today: date) -> None:
    cid = coordination.id
    suppliers = []
    for name, site_name, siret, street, postcode, city, email, lead, minimum, free, fee in SUPPLIERS:
        supplier = session.scalars(select(Supplier).filter_by(coordination_id=cid, name=name)).first()
        report.count("suppliers", supplier is None)
        if supplier is None:
            site = session.scalars(select(Site).filter_by(coordination_id=cid, name=site_name)).first()
            supplier = orders_svc.SUPPLIERS.create(session, staff, dict(
                name=name, site_id=site.id if site else None, siret=siret, street=street, postcode=postcode,
                city=city, contact_email=email, lead_time_days=lead, minimum_order_cents=minimum,
                free_delivery_cents=free, delivery_fee_cents=fee))
        suppliers.append(supplier)
    offers: dict[str, Offer] = {}
    for k, ref, product, category, unit, size, divisible, vat, temperature, kg, tiers in OFFERS:
        offer = session.scalars(select(Offer).filter_by(supplier_id=suppliers[k].id, reference=ref)).first()
        report.count("offers", offer is None)
        if offer is None:
            offer = orders_svc.OFFERS.create(session, staff, dict(
                supplier_id=suppliers[k].id, reference=ref, product=product, category=category, unit=unit,
                pack_size=Decimal(size), divisible=divisible, vat_rate=Decimal(vat), temperature_class=temperature,
                pack_weight_kg=Decimal(kg), pack_volume_l=Decimal(0), packs_available=None,
                tiers=[{"min_packs": m, "pack_price_cents": c} for m, c in tiers]))
        offers[ref] = offer
    session.flush()
    supplier_ids = [s.id for s in suppliers]
    warehouse = session.scalars(
        select(Site).filter_by(coordination_id=cid, name="Entrepôt mutualisé des Paluds")).first()

    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=12)
    settled_name = f"Achat groupé épicerie et crèmerie — {_month(last_month)}"
    if _missing(session, report, cid, settled_name):
        cycle = orders_svc.create_cycle(session, staff, dict(
            name=settled_name, supplier_ids=supplier_ids, delivery_date=last_month, delivery_site_id=warehouse.id,
            needs_deadline=datetime(last_month.year, last_month.month, 5, 18, tzinfo=tz), fee_key="weight",
            leftover_policy="shared_stock", transport_cents=6000, time_limit_s=10,
            notes="Livraison à l'entrepôt des Paluds, quai 2, avant 10 h."))
        orders_svc.move(session, staff, cycle.id, "open")
        _declare(session, staff, cycle.id, members, offers, SETTLED_NEEDS)
        orders_svc.set_terms(session, staff, cycle.id, members["passons"].id, {"budget_cents": 6000})
        orders_svc.move(session, staff, cycle.id, "close")
        orders_svc.allocate(session, staff, cycle.id)  # commits what is pending before solving
        orders_svc.place_order(session, staff, cycle.id)
        rice = next(o for o in orders_svc.CYCLES.get(session, staff, cycle.id).allocation["offers"]
                    if o["id"] == str(offers["PGA-RIZ1"].id))
        # the wholesaler delivered two packs of rice short; everything else as ordered
        orders_svc.receive(session, staff, cycle.id, {"items": [
            {"offer_id": offers["PGA-RIZ1"].id, "packs": rice["packs"] - 2, "lot": "R2410-118",
             "best_before": last_month + timedelta(days=300)},
            {"offer_id": offers["GAR-OEU6"].id, "packs": 2, "lot": "OE-0412",
             "use_by": last_month + timedelta(days=21)},
        ]})
        orders_svc.settle(session, staff, cycle.id, tz)
        # it happened last month: date its steps accordingly
        cycle = session.get(OrderCycle, cycle.id)
        for stamp, days_before, hour in (("opened_at", 14, 9), ("closed_at", 7, 18), ("allocated_at", 6, 10),
                                         ("ordered_at", 6, 11), ("received_at", 0, 9), ("settled_at", -2, 15)):
            day = last_month - timedelta(days=days_before)
            setattr(cycle, stamp, datetime(day.year, day.month, day.day, hour, tzinfo=tz))

    open_name = f"Achat groupé épicerie et crèmerie — {_month(today + timedelta(days=20))}"
    if _missing(session, report, cid, open_name):
        delivery = today + timedelta(days=12)
        cycle = orders_svc.create_cycle(session, staff, dict(
            name=open_name, supplier_ids=supplier_ids, delivery_date=delivery, delivery_site_id=warehouse.id,
            needs_deadline=datetime.combine(today + timedelta(days=5), datetime.min.time(), tzinfo=tz),
            fee_key="weight", leftover_policy="shared_stock", transport_cents=6000, time_limit_s=10))
        orders_svc.move(session, staff, cycle.id, "open")
        _declare(session, staff, cycle.id, members, offers, OPEN_NEEDS)


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _month(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}"


def _missing(session: Session, report, cid: int, name: str) -> bool:
    exists = session.scalar(select(OrderCycle.id).filter_by(coordination_id=cid, name=name)) is not None
    report.count("order cycles", not exists)
    return not exists


def _declare(session, staff, cycle_id, members, offers, needs) -> None:
    for member, refs, minimum, target, maximum in needs:
        orders_svc.create_need(session, staff, cycle_id, dict(
            member_id=members[member].id, offer_ids=[offers[r].id for r in refs], minimum=Decimal(minimum),
            target=Decimal(target), maximum=Decimal(maximum), note=""))

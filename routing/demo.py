"""A realistic day around Aubagne and east Marseille, for the demo, the docs and the benchmark.

Eight supermarket collections (ramasses) brought to the shared warehouse in Aubagne, six
deliveries to members' distribution points, one chilled direct transfer from a dairy to a
social grocery, three vehicles. Coordinates are approximate public places; names are invented.
"""

from __future__ import annotations

import datetime as dt

from .model import Problem, Site, Stop, StopKind, Vehicle, parse_time
from .network import GreatCircleNetwork


def _w(a: str, b: str) -> tuple[int, int]:
    return (parse_time(a), parse_time(b))


def demo_problem(day: dt.date = dt.date(2026, 3, 12)) -> Problem:
    """The demo day; eight members (M1..M8) share it."""
    sites = (
        Site(
            "WH",
            43.2905,
            5.5930,
            "Entrepôt solidaire d'Aubagne",
            "ZI Les Paluds, Aubagne",
            "04 42 00 00 00",
        ),
        Site("S1", 43.2868, 5.5781, "Supermarché Aubagne centre", "Aubagne"),
        Site("S2", 43.3012, 5.6190, "Hypermarché Gémenos", "Gémenos"),
        Site("S3", 43.2841, 5.5268, "Supermarché La Penne", "La Penne-sur-Huveaune"),
        Site("S4", 43.3046, 5.4866, "Hypermarché La Valentine", "Marseille 11e"),
        Site("S5", 43.3465, 5.6021, "Supermarché Roquevaire", "Roquevaire"),
        Site("S6", 43.3698, 5.6318, "Supermarché Auriol", "Auriol"),
        Site("S7", 43.2772, 5.6985, "Supérette Cuges-les-Pins", "Cuges-les-Pins"),
        Site("S8", 43.2920, 5.4520, "Supermarché Saint-Marcel", "Marseille 11e"),
        Site(
            "D1",
            43.2985,
            5.4386,
            "Épicerie sociale Les Caillols",
            "Marseille 12e",
            "06 10 00 00 01",
        ),
        Site("D2", 43.2793, 5.4302, "Restos Saint-Loup", "Marseille 10e", "06 10 00 00 02"),
        Site("D3", 43.2897, 5.5614, "Secours populaire Aubagne", "Aubagne", "06 10 00 00 03"),
        Site("D4", 43.3520, 5.5953, "CCAS Roquevaire", "Roquevaire", "06 10 00 00 04"),
        Site("D5", 43.2952, 5.6309, "Épicerie solidaire Gémenos", "Gémenos", "06 10 00 00 05"),
        Site(
            "D6",
            43.2694,
            5.4725,
            "Banque alimentaire relais Valentine",
            "Marseille 11e",
            "06 10 00 00 06",
        ),
        Site("P1", 43.3154, 5.6443, "Laiterie du Garlaban", "Gémenos"),
        Site("D7", 43.2868, 5.5460, "Épicerie sociale Camp-Major", "Aubagne", "06 10 00 00 07"),
    )
    vehicles = (
        Vehicle(
            "VAN-12",
            1200,
            6,
            shift=_w("07:00", "17:00"),
            cost_per_km_cents=45,
            cost_per_hour_cents=2200,
            fixed_cost_cents=3000,
            max_trips=2,
        ),
        Vehicle(
            "FRIGO-8",
            800,
            4,
            chilled=True,
            shift=_w("07:00", "15:00"),
            cost_per_km_cents=60,
            cost_per_hour_cents=2200,
            fixed_cost_cents=4500,
            max_trips=2,
        ),
        Vehicle(
            "TRUCK-35",
            3000,
            12,
            shift=_w("06:30", "14:30"),
            cost_per_km_cents=75,
            cost_per_hour_cents=2600,
            fixed_cost_cents=6000,
        ),
    )
    ramasse = _w("08:00", "11:00")
    opening = _w("09:00", "16:00")
    stops = (
        Stop("R1", StopKind.PICKUP, "S1", 350, 2, ramasse, 900, member="M1"),
        Stop("R2", StopKind.PICKUP, "S2", 600, 3, _w("07:30", "10:00"), 1200, member="M2"),
        Stop("R3", StopKind.PICKUP, "S3", 250, 1, ramasse, 900, member="M3"),
        Stop("R4", StopKind.PICKUP, "S4", 800, 4, _w("08:30", "12:00"), 1500, member="M4"),
        Stop("R5", StopKind.PICKUP, "S5", 200, 1, ramasse, 600, member="M5"),
        Stop("R6", StopKind.PICKUP, "S6", 180, 1, ramasse, 600, member="M6"),
        Stop("R7", StopKind.PICKUP, "S7", 120, 1, ramasse, 600, member="M7"),
        Stop("R8", StopKind.PICKUP, "S8", 400, 2, _w("08:00", "12:00"), 900, member="M8"),
        Stop("L1", StopKind.DELIVERY, "D1", 300, 2, opening, 900, member="M1"),
        Stop("L2", StopKind.DELIVERY, "D2", 450, 2, _w("13:00", "16:00"), 900, member="M2"),
        Stop("L3", StopKind.DELIVERY, "D3", 200, 1, opening, 600, member="M3"),
        Stop("L4", StopKind.DELIVERY, "D4", 150, 1, _w("10:00", "12:00"), 600, member="M4"),
        Stop("L5", StopKind.DELIVERY, "D5", 250, 1, opening, 600, member="M5"),
        Stop("L6", StopKind.DELIVERY, "D6", 380, 2, _w("09:00", "12:30"), 900, member="M6"),
        Stop(
            "T1",
            StopKind.TRANSFER,
            "P1",
            150,
            1,
            _w("08:00", "10:00"),
            600,
            chilled=True,
            member="M7",
            to_site="D7",
            to_window=_w("09:00", "12:00"),
            to_service_s=600,
        ),
    )
    return Problem(day, "WH", sites, vehicles, stops, GreatCircleNetwork(1.35, 38.0), reload_s=900)

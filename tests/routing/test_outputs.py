import json
import xml.etree.ElementTree as ET

import pytest

from routing import (
    Stop,
    StopKind,
    plan_routes,
    plan_to_dict,
    plan_to_geojson,
    plan_to_svg,
    problem_from_dict,
    problem_to_dict,
    write_geojson,
    write_svg,
)
from routing.demo import demo_problem

from ._problems import DAY, problem, w

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def planned():
    p = problem(
        [
            Stop("a", StopKind.PICKUP, "A", 100, 1, w("08:00", "11:00"), 600, member="m1"),
            Stop("c", StopKind.DELIVERY, "C", 100, 1, member="m2"),
            Stop("heavy", StopKind.DELIVERY, "D", 99_999, member="m2"),
        ]
    )
    return p, plan_routes(p, time_limit=0.5, max_iterations=200)


def test_geojson_has_a_line_per_route_and_points_in_lon_lat(planned, tmp_path):
    p, plan = planned
    gj = plan_to_geojson(p, plan)
    lines = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(plan.routes)
    first = lines[0]["geometry"]["coordinates"][0]
    assert first == [p.site("WH").lon, p.site("WH").lat]
    unserved = [f for f in gj["features"] if "unserved" in f["properties"]]
    assert [f["properties"]["stop"] for f in unserved] == ["heavy"]
    path = write_geojson(p, plan, tmp_path / "plan.geojson")
    assert json.loads(path.read_text())["type"] == "FeatureCollection"


def test_svg_map_is_well_formed_and_names_every_stop(planned, tmp_path):
    p, plan = planned
    svg = plan_to_svg(p, plan)
    root = ET.fromstring(svg)
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for sid in ("a", "c", "heavy"):
        assert sid in texts
    assert len(list(root.iter(f"{SVG}polyline"))) == len(plan.routes)
    assert write_svg(p, plan, tmp_path / "plan.svg").read_text() == svg


def test_plan_json_carries_times_loads_money_and_reasons(planned):
    _, plan = planned
    d = plan_to_dict(plan)
    assert d["cost"] == f"{plan.cost_cents // 100}.{plan.cost_cents % 100:02d}"
    visit = d["routes"][0]["visits"][0]
    assert set(visit) >= {"arrival", "start", "departure", "load_kg", "load_pallets", "action"}
    (unserved,) = d["unserved"]
    assert unserved["stop"] == "heavy" and unserved["reason"] == "over_capacity"


def test_problem_json_round_trips():
    p = demo_problem()
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(p))))
    assert again == p


def test_run_sheet_pdf_has_a_page_per_vehicle_with_stops_in_order(tmp_path):
    import pdfplumber

    from routing import format_time, plan_routes, write_runsheet

    p = demo_problem()
    plan = plan_routes(p, time_limit=1, max_iterations=500)
    path = write_runsheet(p, plan, tmp_path / "runsheet.pdf")
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) >= len(plan.routes)
        for page, route in zip(pdf.pages, plan.routes, strict=False):
            text = page.extract_text()
            assert route.vehicle_id in text
            # Each visit is a row "i arrival departure ..." in order, naming its stop.
            starts = [
                text.index(f"{i} {format_time(v.arrival_s)} {format_time(v.departure_s)}")
                for i, v in enumerate(route.visits)
            ]
            assert starts == sorted(starts)
            for i, v in enumerate(route.visits):
                if v.stop_id:
                    end = starts[i + 1] if i + 1 < len(starts) else len(text)
                    assert v.stop_id in text[starts[i] : end]
            assert "Contact" in text


def _boxes(root):
    out = []
    for t in root.iter(f"{SVG}text"):
        if t.get("text-anchor") == "middle":
            continue  # the number inside a stop's circle
        x, y, n = float(t.get("x")), float(t.get("y")), len(t.text or "")
        out.append((x, y - 10, x + 6.2 * n, y + 2, t.text))
    return out


def test_svg_labels_do_not_overlap_and_the_legend_covers_nothing(planned):
    p, plan = planned
    root = ET.fromstring(plan_to_svg(p, plan, height=600))
    boxes = _boxes(root)
    map_labels = [b for b in boxes if b[3] <= 600]
    for i, a in enumerate(map_labels):
        for b in map_labels[i + 1 :]:
            overlap = not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])
            assert not overlap, (a[4], b[4])
    legend = [b for b in boxes if b[1] >= 600]
    assert any(plan.routes[0].vehicle_id in b[4] for b in legend)  # in its own band under the map
    for c in root.iter(f"{SVG}circle"):
        assert float(c.get("cy")) < 600


def test_maps_follow_the_road_graph_when_there_is_one():
    """With a road graph, a route's line passes through the graph's nodes, not straight."""
    from routing import GraphNetwork, Problem, Site, Stop, Vehicle, plan_routes, plan_to_geojson

    nodes = {"wh": (43.30, 5.50), "bend": (43.32, 5.52), "shop": (43.30, 5.54)}
    net = GraphNetwork.from_edges(nodes, [("wh", "bend", 3000, 50), ("bend", "shop", 3000, 50)])
    p = Problem(DAY, "WH", (Site("WH", 43.30, 5.50), Site("S", 43.30, 5.54)),
                (Vehicle("V", 500, 2),), (Stop("s", "pickup", "S", 10),), net)
    plan = plan_routes(p, time_limit=0.5, max_iterations=50)
    line = plan_to_geojson(p, plan)["features"][0]["geometry"]["coordinates"]
    assert [5.52, 43.32] in line
    svg = ET.fromstring(plan_to_svg(p, plan))
    points = next(svg.iter(f"{SVG}polyline")).get("points").split()
    assert len(points) > len(plan.routes[0].visits)

import networkx as nx
import pytest

from routing import GraphNetwork, GreatCircleNetwork, NetworkError
from routing.network import UNREACHABLE, haversine_m

MARSEILLE = (43.2965, 5.3698)
AUBAGNE = (43.2927, 5.5708)


def test_great_circle_distance_matches_a_known_value():
    d = haversine_m(*MARSEILLE, *AUBAGNE)
    assert 16_200 < d < 16_400  # about 16.3 km as the crow flies


def test_great_circle_network_applies_detour_and_speed():
    m = GreatCircleNetwork(detour_factor=1.5, speed_kmh=36).matrices([MARSEILLE, AUBAGNE])
    crow = haversine_m(*MARSEILLE, *AUBAGNE)
    assert m.metres[0, 1] == round(1.5 * crow)
    assert m.seconds[0, 1] == round(1.5 * crow / 10)  # 36 km/h = 10 m/s
    assert m.metres[0, 0] == 0 and m.reachable(0, 1)
    with pytest.raises(NetworkError):
        GreatCircleNetwork(detour_factor=0.9)


def _grid() -> GraphNetwork:
    nodes = {"a": (43.30, 5.50), "b": (43.30, 5.51), "c": (43.30, 5.52), "x": (43.40, 5.60)}
    edges = [("a", "b", 1000, 50), ("b", "c", 1000, 50), ("a", "c", 1500, 10)]
    return GraphNetwork.from_edges(nodes, edges, directed=True)


def test_metres_and_seconds_of_a_leg_come_from_the_same_path():
    """The fastest path is driven, and its km are the ones charged: not the shorter lane's."""
    net = _grid()
    m = net.matrices([(43.30, 5.50), (43.30, 5.52)])
    assert m.seconds[0, 1] == round(2 * 1000 / (50 / 3.6))  # the main road is faster...
    assert m.metres[0, 1] == 2000  # ...and its 2 km are driven, not the direct lane's 1.5 km


def test_one_way_roads_and_islands_are_unreachable_per_pair():
    net = _grid()
    m = net.matrices([(43.30, 5.50), (43.30, 5.52), (43.40, 5.60)])
    assert m.metres[1, 0] == UNREACHABLE  # one-way
    assert not m.reachable(0, 2) and not m.reachable(2, 0)
    assert m.node == ("a", "c", "x")


def test_points_are_snapped_to_the_nearest_node_and_distances_cached():
    net = _grid()
    node, dist = net.snap(43.3001, 5.5101)
    assert node == "b" and dist < 20
    net.matrices([(43.30, 5.50), (43.30, 5.51)])
    cached = dict(net._legs)
    net.matrices([(43.30, 5.51), (43.30, 5.50)])
    assert net._legs.keys() == cached.keys()


def test_graphml_from_openstreetmap_style_attributes(tmp_path):
    g = nx.MultiDiGraph()
    g.add_node(1, x="5.50", y="43.30")
    g.add_node(2, x="5.51", y="43.30")
    g.add_edge(1, 2, length="812.5", speed_kph="30")
    g.add_edge(2, 1, length="812.5", travel_time="120")
    path = tmp_path / "roads.graphml"
    nx.write_graphml(g, path)
    m = GraphNetwork.from_graphml(path).matrices([(43.30, 5.50), (43.30, 5.51)])
    assert m.metres[0, 1] == 812 or m.metres[0, 1] == 813
    assert m.seconds[0, 1] == round(812.5 / (30 / 3.6))
    assert m.seconds[1, 0] == 120


def test_bad_graphs_are_refused():
    with pytest.raises(NetworkError, match="no nodes"):
        GraphNetwork(nx.Graph())
    g = nx.Graph()
    g.add_node("a")
    with pytest.raises(NetworkError, match="coordinates"):
        GraphNetwork(g)
    with pytest.raises(NetworkError, match="cannot read"):
        GraphNetwork.from_graphml("/nonexistent/roads.graphml")


def test_a_graphml_file_is_read_once_per_process(tmp_path):
    """Building a problem and solving it both ask for the area's graph: one parse, one cache."""
    from routing.jsonio import network_from_dict

    g = nx.MultiDiGraph()
    g.add_node(1, x="5.50", y="43.30")
    g.add_node(2, x="5.51", y="43.30")
    g.add_edge(1, 2, length="812.5", speed_kph="30")
    path = tmp_path / "area.graphml"
    nx.write_graphml(g, path)
    spec = {"kind": "graphml", "path": str(path)}
    first = network_from_dict(spec)
    assert network_from_dict(dict(spec)) is first
    nx.write_graphml(nx.MultiDiGraph(g), tmp_path / "other.graphml")
    assert network_from_dict({"kind": "graphml", "path": str(tmp_path / "other.graphml")}) is not first


def test_fastest_paths_on_a_larger_grid_match_networkx():
    """The early-stopping search agrees with NetworkX's Dijkstra on travel time."""
    import random

    rng = random.Random(1)
    nodes = {(i, j): (43.3 + i * 0.002, 5.5 + j * 0.002) for i in range(15) for j in range(15)}
    edges = []
    for (i, j) in nodes:
        for di, dj in ((0, 1), (1, 0)):
            if (i + di, j + dj) in nodes:
                edges.append(((i, j), (i + di, j + dj), rng.uniform(150, 250), rng.choice((30, 50, 70))))
    net = GraphNetwork.from_edges(nodes, edges)
    points = [nodes[(0, 0)], nodes[(14, 14)], nodes[(7, 3)], nodes[(2, 12)]]
    m = net.matrices(points)
    for a, pa in enumerate(points):
        for b, pb in enumerate(points):
            src, dst = net.snap(*pa)[0], net.snap(*pb)[0]
            t = nx.dijkstra_path_length(net.graph, src, dst, weight="travel_time")
            assert m.seconds[a, b] == round(t)

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


def test_graph_network_gives_shortest_metres_and_fastest_seconds():
    net = _grid()
    m = net.matrices([(43.30, 5.50), (43.30, 5.52)])
    assert m.metres[0, 1] == 1500  # the direct lane is shorter...
    assert m.seconds[0, 1] == round(2 * 1000 / (50 / 3.6))  # ...but the main road is faster


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
    cached = dict(net._lengths)
    net.matrices([(43.30, 5.51), (43.30, 5.50)])
    assert net._lengths.keys() == cached.keys()


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

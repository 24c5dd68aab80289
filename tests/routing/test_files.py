import json
import subprocess
import sys
from pathlib import Path

import pytest

from routing import FormatError, problem_to_dict, read_lilim, read_solomon, read_vrplib, solve_file
from routing.cli import guess_format

from ._problems import three_members

ROOT = Path(__file__).resolve().parents[2]

CVRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 0 10
3 0 11
4 10 0
5 11 0
DEMAND_SECTION
1 0
2 5
3 5
4 5
5 5
DEPOT_SECTION
1
-1
EOF
"""

SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  2         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0       1000          0
    1      0          10         5          0       100           10
    2      0          11         5          0       100           10
    3      10         0          5          200     300           10
"""

LILIM = """2\t20\t1
0\t0\t0\t0\t0\t1000\t0\t0\t0
1\t0\t10\t5\t0\t500\t10\t0\t2
2\t0\t20\t-5\t0\t500\t10\t1\t0
3\t10\t0\t7\t0\t500\t10\t0\t4
4\t20\t0\t-7\t0\t500\t10\t3\t0
"""


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("tiny.vrp", CVRP), ("tiny.txt", SOLOMON), ("lltiny.txt", LILIM)):
        paths[name] = tmp_path / name
        paths[name].write_text(text)
    return paths


def test_cvrplib_uses_rounded_euclidean_and_reports_file_client_numbers(files):
    inst = read_vrplib(files["tiny.vrp"])
    assert inst.model.distances[0][2, 3] == 15  # sqrt(11^2 + 10^2) = 14.87 -> 15
    out = solve_file(files["tiny.vrp"], "vrplib", time_limit=0.3)
    assert sorted(sorted(r) for r in out["routes"]) == [[1, 2], [3, 4]]
    assert out["cost"] == 2 * (10 + 1 + 11) and isinstance(out["cost"], int)
    assert out["seconds"] >= 0


def test_solomon_truncates_distances_to_one_decimal(files):
    inst = read_solomon(files["tiny.txt"])
    assert inst.scale == 10
    assert inst.model.distances[0][2, 3] == 148  # 14.866 -> 14.8
    assert inst.model.jobs[2].tw_early == 2000 and inst.model.jobs[0].service == 100
    out = solve_file(files["tiny.txt"], "solomon", time_limit=0.3)
    assert sorted(c for r in out["routes"] for c in r) == [1, 2, 3]
    assert out["cost"] == pytest.approx(10 + 1 + 14.8 + 10)  # one route, waiting for 3


def test_li_lim_pairs_pickup_and_delivery_on_one_route_in_order(files):
    inst = read_lilim(files["lltiny.txt"])
    assert inst.scale == 1000 and len(inst.model.paired_jobs) == 2
    out = solve_file(files["lltiny.txt"], "lilim", time_limit=0.3)
    for pickup, delivery in ((1, 2), (3, 4)):
        (route,) = [r for r in out["routes"] if pickup in r]
        assert route.index(pickup) < route.index(delivery)
    assert out["cost"] == pytest.approx(72.361)  # 10 + 10 + sqrt(500) + 10 + 20


def test_formats_are_guessed_and_bad_files_refused(files, tmp_path):
    assert guess_format(files["tiny.vrp"]) == "vrplib"
    assert guess_format(files["tiny.txt"]) == "solomon"
    assert guess_format(files["lltiny.txt"]) == "lilim"
    junk = tmp_path / "junk.txt"
    junk.write_text("hello world\n")
    with pytest.raises(FormatError):
        solve_file(junk, "lilim", time_limit=0.1)
    with pytest.raises(FormatError, match="unknown format"):
        solve_file(junk, "xml")


def test_json_problem_solves_to_a_plan_with_numbered_stops(tmp_path):
    problem = three_members()
    path = tmp_path / "day.json"
    path.write_text(json.dumps(problem_to_dict(problem)))
    out = solve_file(path, time_limit=0.5)
    assert out["format"] == "json" and out["feasible"]
    assert sorted(n for r in out["routes"] for n in r) == [1, 2, 3, 4, 5, 6]
    assert out["cost"] == out["plan"]["cost"]


def test_command_line_prints_json(files):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "routing",
            "solve",
            str(files["tiny.vrp"]),
            "--time-limit",
            "0.2",
            "--seed",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cost"] == 44
    bad = subprocess.run(
        [sys.executable, "-m", "routing", "solve", "/nope.json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert bad.returncode == 2 and "error" in bad.stderr


def test_routing_imports_no_web_framework():
    code = (
        "import sys, routing; print(sorted({'flask', 'sqlalchemy', 'logipool'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stderr

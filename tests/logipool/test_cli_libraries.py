"""The command line runs the domain libraries on files, as the API does."""

import json


def test_routing_solve_a_cvrplib_file(runner, tmp_path):
    instance = tmp_path / "tiny.vrp"
    instance.write_text(
        "NAME : tiny\nTYPE : CVRP\nDIMENSION : 5\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n"
        "NODE_COORD_SECTION\n1 0 0\n2 0 10\n3 10 0\n4 0 -10\n5 -10 0\n"
        "DEMAND_SECTION\n1 0\n2 5\n3 5\n4 5\n5 5\nDEPOT_SECTION\n1\n-1\nEOF\n")
    r = runner.invoke(args=["routing", "solve", str(instance), "--time-limit", "0.5", "--seed", "1"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert sorted(c for route in result["routes"] for c in route) == [1, 2, 3, 4]
    assert all(sum(5 for _ in route) <= 10 for route in result["routes"])
    # two routes, each serving two neighbouring clients: 10 + round(14.14) + 10 = 34 (CVRPLIB rounding)
    assert result["cost"] == 68 and len(result["routes"]) == 2


def test_routing_solve_reports_a_bad_file_in_one_line(runner, tmp_path):
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : nothing\n")
    r = runner.invoke(args=["routing", "solve", str(bad), "--time-limit", "0.2"])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_purchasing_split_prints_the_allocation(runner, tmp_path):
    from tests.purchasing.test_jsonio import EXAMPLE

    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(EXAMPLE))
    r = runner.invoke(args=["purchasing", "split", str(problem), "--time-limit", "10"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)
    assert result["status"] in ("optimal", "feasible")
    members = {m["id"] for m in result["members"]}
    assert result["feasible"] is True
    assert members == {m["id"] for m in EXAMPLE["members"]}


def test_purchasing_split_refuses_a_bad_problem(runner, tmp_path):
    problem = tmp_path / "problem.json"
    problem.write_text('{"members": []}')
    r = runner.invoke(args=["purchasing", "split", str(problem)])
    assert r.exit_code == 2

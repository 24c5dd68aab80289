import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from purchasing import (
    InvalidInput,
    allocation_to_dict,
    problem_from_dict,
    problem_to_dict,
    split_order,
)

EXAMPLE = {
    "fee_key": "weight",
    "leftover_policy": "shared_stock",
    "transport": "30.00",
    "suppliers": [
        {
            "id": "grossiste",
            "minimum_order": "50.00",
            "free_delivery": "300.00",
            "delivery_fee": "25.00",
        },
        {"id": "ferme", "minimum_order": "0", "delivery_fee": "0"},
    ],
    "offers": [
        {
            "id": "lait-g",
            "supplier": "grossiste",
            "product": "UHT milk 1 L",
            "unit": "bottle",
            "pack_size": "6",
            "vat_rate": "0.055",
            "temperature": "ambient",
            "packs_available": 4,
            "tiers": [
                {"min_packs": 1, "pack_price": "5.40"},
                {"min_packs": 4, "pack_price": "4.98"},
            ],
        },
        {
            "id": "lait-f",
            "supplier": "ferme",
            "product": "UHT milk 1 L",
            "unit": "bottle",
            "pack_size": "6",
            "vat_rate": "0.055",
            "tiers": [{"min_packs": 1, "pack_price": "7.20"}],
        },
        {
            "id": "pommes",
            "supplier": "ferme",
            "product": "apples",
            "unit": "kg",
            "pack_size": "10",
            "divisible": True,
            "vat_rate": "0.055",
            "tiers": [{"min_packs": 1, "pack_price": "18.00"}],
        },
    ],
    "members": [
        {"id": "epicerie", "weight": "120", "budget": "80.00"},
        {"id": "maraude", "weight": "40"},
    ],
    "needs": [
        {
            "member": "epicerie",
            "offers": ["lait-g", "lait-f"],
            "minimum": "6",
            "target": "18",
            "maximum": "20",
        },
        {"member": "maraude", "offers": ["lait-g", "lait-f"], "target": "12"},
        {"member": "epicerie", "offer": "pommes", "target": "7.5"},
        {"member": "maraude", "offer": "pommes", "target": "2.5", "maximum": "3"},
    ],
}


def test_problem_round_trips():
    p = problem_from_dict(EXAMPLE)
    assert p.offers[0].tiers[1].pack_price_cents == 498
    assert p.members[0].budget_cents == 8000
    assert p.needs[2].target == Decimal("7.5")
    assert problem_from_dict(problem_to_dict(p)) == p


def test_result_carries_money_as_decimal_strings():
    d = allocation_to_dict(split_order(problem_from_dict(EXAMPLE), time_limit=10))
    assert d["feasible"] is True
    text = json.dumps(d)
    assert isinstance(d["members"][0]["total"], str) and d["members"][0]["total"].count(".") == 1
    members_total = sum(Decimal(m["total"]) for m in d["members"]) + sum(
        Decimal(line["ttc"]) for line in d["shared_stock"]
    )
    t = d["totals"]
    assert members_total == Decimal(t["supplier_invoices_ttc"]) + Decimal(
        t["delivery_fees"]
    ) + Decimal(t["transport"])
    assert Decimal(d["members"][0]["total"]) <= Decimal("80.00")
    assert "NaN" not in text


@pytest.mark.parametrize(
    "path, value, words",
    [
        (("transport",), "1.234", "problem.transport.*more than two decimals"),
        (("suppliers", 0, "delivery_fee"), 25.0, "suppliers\\[0\\].delivery_fee.*not a float"),
        (("offers", 0, "packs_available"), -2, "packs_available"),
        (("offers", 0, "tiers", 0, "pack_price"), "-1.00", "tiers\\[0\\].pack_price.*negative"),
        (("needs", 0, "minimum"), "19", "minimum 19 is above target 18"),
        (("needs", 1, "offers"), ["lait-x"], "unknown offer 'lait-x'"),
        (("members", 0, "budget"), "80.001", "members\\[0\\].budget"),
        (("needs", 0, "maxmum"), "20", "needs\\[0\\].maxmum: unknown field"),
        (("offers", 0, "tiers", 0, "price"), "5.40", "tiers\\[0\\].price: unknown field"),
        (("suppliers", 0, "minimum"), "5.00", "suppliers\\[0\\].minimum: unknown field"),
        (("fee", ), "weight", "problem.fee: unknown field"),
        (("needs", 0, "target"), Decimal("18.5"), "needs\\[0\\].target.*not floats"),
        (("members", 0, "budget"), Decimal("80.00"), "members\\[0\\].budget.*not a float"),
        (("needs", 0, "offer"), "lait-g", "needs\\[0\\].offers: give either offer or offers"),
    ],
)
def test_bad_json_is_refused_naming_the_field(path, value, words):
    d = json.loads(json.dumps(EXAMPLE))
    target = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidInput, match=words):
        problem_from_dict(d)


def test_missing_fields_are_named():
    d = json.loads(json.dumps(EXAMPLE))
    del d["offers"][1]["tiers"]
    with pytest.raises(InvalidInput, match=r"offers\[1\].tiers: missing"):
        problem_from_dict(d)


def test_command_line_prints_the_json_result(tmp_path: Path):
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(EXAMPLE))
    out = subprocess.run(
        [sys.executable, "-m", "purchasing", "split", str(problem), "--time-limit", "10"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    result = json.loads(out.stdout)
    assert result["status"] == "optimal" and result["feasible"]


def test_command_line_refuses_json_numbers_with_a_fraction(tmp_path: Path):
    text = json.dumps(EXAMPLE).replace('"target": "18"', '"target": 18.0', 1)
    assert '"target": 18.0' in text
    problem = tmp_path / "problem.json"
    problem.write_text(text)
    out = subprocess.run(
        [sys.executable, "-m", "purchasing", "split", str(problem)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.returncode == 2
    assert "needs[0].target" in json.loads(out.stderr)["detail"]


def test_command_line_reports_infeasible_problems(tmp_path: Path):
    d = json.loads(json.dumps(EXAMPLE))
    d["members"][0]["budget"] = "5.00"
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(d))
    out = subprocess.run(
        [sys.executable, "-m", "purchasing", "split", str(problem)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.returncode == 1
    assert "epicerie" in json.loads(out.stdout)["detail"]


def test_library_imports_no_web_stack():
    code = (
        "import sys, purchasing; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'logipool') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.stdout.strip() == "[]"

"""Readers for the public benchmark files, each with the rounding convention of its best-knowns.

CVRPLIB (VRPLIB ``.vrp``): Euclidean distance rounded to the nearest integer, fleet unbounded.
Solomon (text): distances and travel times truncated to one decimal, so everything is scaled by 10.
Li & Lim (SINTEF text, or its VRPLIB ``.vrp`` copy): Euclidean x 1000 rounded, times scaled by 1000.
The model's locations are the file's node numbers (depot 0, clients 1..n in file order), so a
route reads directly as in the instance's ``.sol`` file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .exceptions import FormatError
from .solver import Job, PairedJob, RoutingModel, VehicleSpec


@dataclass(frozen=True)
class BenchmarkInstance:
    """A benchmark as a routing model; ``scale`` turns model distances back into file units."""

    name: str
    model: RoutingModel
    scale: int


def _euclid(coords: np.ndarray) -> np.ndarray:
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def read_vrplib(path: str | Path) -> BenchmarkInstance:
    """A CVRPLIB file: rounded Euclidean distances (or its explicit matrix), unbounded fleet."""
    import vrplib

    try:
        inst = vrplib.read_instance(str(path))
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise FormatError(f"{path}: not a VRPLIB instance ({exc})") from None
    if "pickup_and_delivery" in inst:
        return _lilim_from_vrplib(inst, path)
    if inst.get("depot", np.array([0])).size != 1 or int(inst.get("depot", [0])[0]) != 0:
        raise FormatError(f"{path}: only single-depot files with the depot first are supported")
    if "node_coord" in inst and inst.get("edge_weight_type", "EUC_2D") == "EUC_2D":
        dist = np.round(_euclid(np.asarray(inst["node_coord"], dtype=float))).astype(np.int64)
    elif "edge_weight" in inst:
        dist = np.round(np.asarray(inst["edge_weight"], dtype=float)).astype(np.int64)
    else:
        raise FormatError(f"{path}: neither coordinates nor an edge-weight matrix")
    n = dist.shape[0]
    demand = np.asarray(inst.get("demand", np.zeros(n)), dtype=np.int64)
    tw = np.asarray(inst["time_window"], dtype=np.int64) if "time_window" in inst else None
    service = inst.get("service_time", 0)
    service = np.broadcast_to(np.asarray(service, dtype=np.int64), (n,))
    jobs = tuple(
        Job(
            location=i,
            delivery=(int(demand[i]),),
            pickup=(0,),
            service=int(service[i]),
            tw_early=int(tw[i, 0]) if tw is not None else 0,
            tw_late=int(tw[i, 1]) if tw is not None else Job.tw_late,
        )
        for i in range(1, n)
    )
    capacity = int(inst["capacity"]) if "capacity" in inst else int(demand.sum())
    vehicles = (
        VehicleSpec(
            count=int(inst.get("vehicles", n - 1)),
            capacity=(capacity,),
            tw_early=int(tw[0, 0]) if tw is not None else 0,
            tw_late=int(tw[0, 1]) if tw is not None else VehicleSpec.tw_late,
        ),
    )
    coords = _coords(inst, n)
    model = RoutingModel(1, jobs, (), vehicles, (dist,), (dist,), coords=coords)
    return BenchmarkInstance(str(inst.get("name", Path(path).stem)), model, 1)


def read_solomon(path: str | Path) -> BenchmarkInstance:
    """A Solomon VRPTW file under the DIMACS rule: every value x 10, distances truncated."""
    import vrplib

    try:
        inst = vrplib.read_instance(str(path), instance_format="solomon")
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise FormatError(f"{path}: not a Solomon instance ({exc})") from None
    coords = np.asarray(inst["node_coord"], dtype=float)
    dist = (10 * _euclid(coords)).astype(np.int64)  # int(10 * d): truncation to one decimal
    n = dist.shape[0]
    demand = np.asarray(inst["demand"], dtype=np.int64)
    tw = np.asarray(inst["time_window"], dtype=np.int64) * 10
    service = np.asarray(inst["service_time"], dtype=np.int64) * 10
    jobs = tuple(
        Job(
            location=i,
            delivery=(int(demand[i]),),
            pickup=(0,),
            service=int(service[i]),
            tw_early=int(tw[i, 0]),
            tw_late=int(tw[i, 1]),
        )
        for i in range(1, n)
    )
    vehicles = (
        VehicleSpec(
            count=int(inst["vehicles"]),
            capacity=(int(inst["capacity"]),),
            tw_early=int(tw[0, 0]),
            tw_late=int(tw[0, 1]),
        ),
    )
    model = RoutingModel(1, jobs, (), vehicles, (dist,), (dist,), coords=_coords(inst, n))
    return BenchmarkInstance(str(inst.get("name", Path(path).stem)), model, 10)


def read_lilim(path: str | Path) -> BenchmarkInstance:
    """A Li & Lim PDPTW file (SINTEF text, or the VRPLIB copy): x 1000 rounded distances."""
    path = Path(path)
    if path.suffix == ".vrp":
        return read_vrplib(path)
    try:
        rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
        vehicles, capacity = int(rows[0][0]), int(rows[0][1])
        table = np.array([[float(x) for x in r[:9]] for r in rows[1:]])
    except (OSError, ValueError, IndexError) as exc:
        raise FormatError(f"{path}: not a Li & Lim instance ({exc})") from None
    if table.ndim != 2 or table.shape[1] != 9 or (table[:, 0] != np.arange(len(table))).any():
        raise FormatError(
            f"{path}: expected rows 'id x y demand ready due service pickup delivery'"
        )
    # Same layout as the VRPLIB section: demand, ready, due, service, pickup, delivery.
    pd = table[:, 3:9].astype(np.int64)
    return _lilim(path.stem, table[:, 1:3], pd, vehicles, capacity, one_based=False)


def _lilim_from_vrplib(inst: dict, path) -> BenchmarkInstance:
    pd = np.asarray(inst["pickup_and_delivery"], dtype=np.int64)
    return _lilim(
        str(inst.get("name", Path(path).stem)),
        np.asarray(inst["node_coord"], dtype=float),
        pd,
        int(inst.get("vehicles", len(pd))),
        int(inst["capacity"]),
        one_based=True,
    )


def _lilim(name, coords, pd, num_vehicles, capacity, *, one_based: bool) -> BenchmarkInstance:
    dist = np.round(1000 * _euclid(np.asarray(coords, dtype=float))).astype(np.int64)
    shift = 1 if one_based else 0
    pairs = []
    for i in range(1, len(pd)):
        demand, ready, due, service, pick, deliv = (int(x) for x in pd[i])
        if pick == 0 and deliv > 0:  # a pickup row names its delivery
            d = deliv - shift
            pairs.append(
                PairedJob(
                    pickup_location=i,
                    delivery_location=d,
                    amount=(demand,),
                    pickup_service=1000 * service,
                    pickup_tw=(1000 * ready, 1000 * due),
                    delivery_service=1000 * int(pd[d, 3]),
                    delivery_tw=(1000 * int(pd[d, 1]), 1000 * int(pd[d, 2])),
                )
            )
    vehicles = (
        VehicleSpec(
            count=num_vehicles,
            capacity=(capacity,),
            tw_early=1000 * int(pd[0, 1]),
            tw_late=1000 * int(pd[0, 2]),
        ),
    )
    c = tuple((float(x), float(y)) for x, y in coords)
    model = RoutingModel(1, (), tuple(pairs), vehicles, (dist,), (dist,), coords=c)
    return BenchmarkInstance(name, model, 1000)


def _coords(inst: dict, n: int) -> tuple[tuple[float, float], ...]:
    if "node_coord" not in inst:
        return ()
    return tuple((float(x), float(y)) for x, y in np.asarray(inst["node_coord"])[:n])

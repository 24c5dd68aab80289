"""Half-open intervals ``[start, end)`` and the occupancy sweep (no web or database code)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class Step(Generic[T]):
    """Occupancy ``level`` holds on ``[start, end)``, made of ``items``."""

    start: datetime
    end: datetime
    level: int
    items: tuple[T, ...]


def occupancy(intervals: Iterable[tuple[datetime, datetime, int, T]], window_start: datetime,
              window_end: datetime) -> list[Step[T]]:
    """The exact step function of summed quantities over the window, by a sweep of the
    interval boundaries; adjacent intervals (one ends when the next starts) never add up."""
    clipped = [(max(s, window_start), min(e, window_end), q, item)
               for s, e, q, item in intervals if s < window_end and window_start < e]
    cuts = sorted({window_start, window_end} | {t for s, e, _, _ in clipped for t in (s, e)})
    steps: list[Step[T]] = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        present = tuple(item for s, e, _, item in clipped if s <= left and right <= e)
        level = sum(q for s, e, q, _ in clipped if s <= left and right <= e)
        if steps and steps[-1].level == level and steps[-1].items == present:
            steps[-1] = Step(steps[-1].start, right, level, present)
        else:
            steps.append(Step(left, right, level, present))
    return steps


def peak(steps: Sequence[Step[T]]) -> Step[T] | None:
    return max(steps, key=lambda s: s.level, default=None)


def free_gaps(busy: Iterable[tuple[datetime, datetime]], window_start: datetime,
              window_end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of the window not covered by any busy interval."""
    gaps, cursor = [], window_start
    for s, e in sorted(busy):
        if s > cursor:
            gaps.append((cursor, min(s, window_end)))
        cursor = max(cursor, e)
        if cursor >= window_end:
            break
    if cursor < window_end:
        gaps.append((cursor, window_end))
    return [(s, e) for s, e in gaps if s < e]

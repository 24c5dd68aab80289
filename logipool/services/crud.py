"""The one mechanism for tenant-scoped resources: scope, paginate, create, update, delete.

Every row belongs to one coordination; a row outside the caller's coordination (or, for
member-scoped callers, outside their member) does not exist for them: 404, never 403, so
nothing reveals that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..auth import Principal, require
from ..errors import Conflict, NotFound
from ..models import Role


def own_member_only(principal: Principal, stmt: Select, member_column) -> Select:
    """Representatives and treasurers see their member's rows only; staff and auditors all."""
    if principal.sees_all_members:
        return stmt
    return stmt.where(member_column == principal.member_id)


def paginate(session: Session, stmt: Select, limit: int, offset: int) -> dict:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = session.scalars(stmt.limit(limit).offset(offset)).all()
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@dataclass(frozen=True)
class Resource:
    """How one kind of tenant-scoped row is read and written."""

    model: type
    label: str
    write_roles: tuple[Role, ...]
    read_roles: tuple[Role, ...]
    # narrows what a caller may see within its coordination (e.g. its own member only)
    visible: Callable[[Principal, Select], Select] = lambda _p, stmt: stmt
    # checks the whole row after a create or an update; raises InvalidInput naming the field
    check: Callable[[Session, Principal, object], None] = lambda _s, _p, _o: None
    # why a row may not be deleted, or None
    in_use: Callable[[Session, object], str | None] = lambda _s, _o: None
    filters: dict[str, Callable] = field(default_factory=dict)
    # list order (default: creation order)
    ordering: Callable[[type], tuple] = lambda model: (model.id,)

    def query(self, principal: Principal) -> Select:
        stmt = select(self.model).where(self.model.coordination_id == principal.coordination_id)
        return self.visible(principal, stmt).order_by(*self.ordering(self.model))

    def list(self, session: Session, principal: Principal, args: dict) -> dict:
        require(principal, *self.read_roles)
        stmt = self.query(principal)
        for name, value in args.items():
            if name in ("limit", "offset"):
                continue
            if value is None:
                continue
            stmt = (
                self.filters[name](stmt, value)
                if name in self.filters
                else stmt.where(getattr(self.model, name) == value)
            )
        return paginate(session, stmt, args["limit"], args["offset"])

    def get(self, session: Session, principal: Principal, row_id: int, *, for_update=False):
        require(principal, *self.read_roles)
        stmt = self.query(principal).where(self.model.id == row_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = session.scalars(stmt).first()
        if row is None:
            raise NotFound(f"No {self.label} {row_id} here.")
        return row

    def create(self, session: Session, principal: Principal, data: dict):
        require(principal, *self.write_roles)
        row = self.model(coordination_id=principal.coordination_id, **data)
        self.check(session, principal, row)
        session.add(row)
        session.flush()
        return row

    def update(self, session: Session, principal: Principal, row_id: int, data: dict):
        require(principal, *self.write_roles)
        row = self.get(session, principal, row_id, for_update=True)
        for key, value in data.items():
            setattr(row, key, value)
        self.check(session, principal, row)
        session.flush()
        return row

    def delete(self, session: Session, principal: Principal, row_id: int) -> None:
        require(principal, *self.write_roles)
        row = self.get(session, principal, row_id, for_update=True)
        reason = self.in_use(session, row)
        if reason:
            raise Conflict(f"This {self.label} cannot be deleted: {reason} Deactivate it instead.")
        session.delete(row)
        session.flush()


def period_filters(model) -> dict[str, Callable]:
    """``start``/``end`` query arguments: rows whose half-open period meets ``[start, end)``."""
    return {
        "start": lambda stmt, value: stmt.where(model.end_at > value),
        "end": lambda stmt, value: stmt.where(model.start_at < value),
    }


def by_start(model) -> tuple:
    return (model.start_at, model.id)


def refers(session: Session, model, column, value) -> bool:
    return session.scalar(select(func.count()).select_from(model).where(column == value)) > 0

"""Members, sites and funders: the same list/create/read/update/delete shape for each."""

from __future__ import annotations

from .. import schemas as s
from ..services.directory import FUNDERS, MEMBERS, SITES
from .common import ApiBlueprint, crud_blueprint


def blueprints() -> list[ApiBlueprint]:
    return [
        crud_blueprint(MEMBERS, "members", s.MemberSchema, s.MemberUpdateSchema, s.MemberQuery,
                       "Member associations. Representatives and treasurers see their own only."),
        crud_blueprint(SITES, "sites", s.SiteSchema, s.SiteUpdateSchema, s.SiteQuery,
                       "Warehouses, suppliers, supermarkets and members' distribution points."),
        crud_blueprint(FUNDERS, "funders", s.FunderSchema, s.FunderUpdateSchema, s.PageArgs,
                       "Foundations and public bodies that pay a share of the pooled costs."),
    ]

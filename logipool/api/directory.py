"""Members, sites and funders: the same list/create/read/update/delete shape for each."""

from __future__ import annotations

from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services.crud import Resource
from ..services.directory import FUNDERS, MEMBERS, SITES
from .common import ApiBlueprint, commit


def crud_blueprint(resource: Resource, plural: str, schema, update_schema, query_schema,
                   description: str) -> ApiBlueprint:
    blp = ApiBlueprint(plural, plural, description)
    page_schema = s.page_of(schema)

    @blp.route("/")
    class Collection(MethodView):
        @blp.arguments(query_schema, location="query")
        @blp.response(200, page_schema)
        def get(self, args):
            return resource.list(get_session(), current(), args)

        @blp.arguments(schema)
        @blp.response(201, schema)
        def post(self, data):
            row = resource.create(get_session(), current(), data)
            commit()
            return row

    @blp.route("/<int:row_id>")
    class Item(MethodView):
        @blp.response(200, schema)
        def get(self, row_id):
            return resource.get(get_session(), current(), row_id)

        @blp.arguments(update_schema(partial=True))
        @blp.response(200, schema)
        def patch(self, data, row_id):
            row = resource.update(get_session(), current(), row_id, data)
            commit()
            return row

        @blp.response(204)
        def delete(self, row_id):
            resource.delete(get_session(), current(), row_id)
            commit()

    Collection.__name__ = f"{plural.title()}Collection"
    Item.__name__ = f"{plural.title()}Item"
    return blp


def blueprints() -> list[ApiBlueprint]:
    return [
        crud_blueprint(MEMBERS, "members", s.MemberSchema, s.MemberUpdateSchema, s.MemberQuery,
                       "Member associations. Representatives and treasurers see their own only."),
        crud_blueprint(SITES, "sites", s.SiteSchema, s.SiteUpdateSchema, s.SiteQuery,
                       "Warehouses, suppliers, supermarkets and members' distribution points."),
        crud_blueprint(FUNDERS, "funders", s.FunderSchema, s.FunderUpdateSchema, s.PageArgs,
                       "Foundations and public bodies that pay a share of the pooled costs."),
    ]

"""What every API blueprint shares: authentication before each request, commit after."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from .. import inputs
from .. import schemas as s
from ..auth import authenticate, current
from ..db import get_session
from ..services.crud import Resource


class InputParser(FlaskParser):
    """webargs' parser, with every body and query string checked by :mod:`logipool.inputs`
    before a schema sees it: a NUL, a lone surrogate or JSON nested too deep answers 422 naming
    the field, for every endpoint at once."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return inputs.parse_json(req.get_data(cache=True))

    def _load_location_data(self, *, schema, req, location):
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json":
            inputs.check(data)
        elif location in ("query", "querystring"):
            inputs.check_multidict(req.args)
        elif location == "form":
            inputs.check_multidict(req.form)
        return data


class ApiBlueprint(Blueprint):
    """A resource blueprint whose every view needs a valid bearer token."""

    # unknown query arguments are refused like unknown body fields, not silently dropped
    ARGUMENTS_PARSER = InputParser(unknown=RAISE)

    def __init__(self, name: str, url_prefix_suffix: str, description: str, *, public: bool = False):
        super().__init__(name, __name__, description=description)
        self.url_prefix_suffix = url_prefix_suffix
        if not public:
            self.before_request(authenticate)


def commit() -> None:
    """The one commit of a write request (services only flush)."""
    get_session().commit()


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

"""API tokens: your own; an admin sees and revokes all of the coordination's."""

from __future__ import annotations

from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import accounts as svc
from .common import ApiBlueprint, commit

blp = ApiBlueprint("tokens", "tokens", "Bearer tokens. The secret is shown once, at creation.")


@blp.route("/")
class Tokens(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.page_of(s.TokenSchema))
    def get(self, args):
        return svc.list_tokens(get_session(), current(), args["limit"], args["offset"])

    @blp.arguments(s.TokenCreateSchema)
    @blp.response(201, s.TokenCreatedSchema)
    def post(self, data):
        created = svc.create_token(get_session(), current(), data)
        commit()
        return created


@blp.route("/<int:token_id>")
class TokenItem(MethodView):
    @blp.response(204)
    def delete(self, token_id):
        """Revoke a token (it stops working at once)."""
        svc.revoke_token(get_session(), current(), token_id)
        commit()


def blueprints():
    return [blp]

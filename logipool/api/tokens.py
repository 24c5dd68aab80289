"""API tokens: your own; an admin sees and revokes all of the coordination's.

Creating tokens is rate limited per user (``LOGIPOOL_RATELIMIT_TOKEN_CREATION``)."""

from __future__ import annotations

from flask.views import MethodView

from .. import ratelimit
from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import accounts as svc
from . import ProblemSchema
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
    @blp.alt_response(429, schema=ProblemSchema, content_type="application/problem+json",
                      description="Too many tokens created by this user lately; see Retry-After.")
    def post(self, data):
        """Create a token for your own role here; it expires no later than the token creating it
        and is revoked with it."""
        ratelimit.hit("token_creation", f"user:{current().user_id}")
        created = svc.create_token(get_session(), current(), data)
        commit()
        return created


@blp.route("/<int:token_id>")
class TokenItem(MethodView):
    @blp.response(204)
    def delete(self, token_id):
        """Revoke a token and every token made from it (they stop working at once)."""
        svc.revoke_token(get_session(), current(), token_id)
        commit()


def blueprints():
    return [blp]

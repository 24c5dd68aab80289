"""What every API blueprint shares: authentication before each request, commit after."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser

from ..auth import authenticate
from ..db import get_session


class ApiBlueprint(Blueprint):
    """A resource blueprint whose every view needs a valid bearer token."""

    # unknown query arguments are refused like unknown body fields, not silently dropped
    ARGUMENTS_PARSER = FlaskParser(unknown=RAISE)

    def __init__(self, name: str, url_prefix_suffix: str, description: str):
        super().__init__(name, __name__, description=description)
        self.url_prefix_suffix = url_prefix_suffix
        self.before_request(authenticate)


def commit() -> None:
    """The one commit of a write request (services only flush)."""
    get_session().commit()

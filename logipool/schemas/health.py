"""Schema of the health check."""

from __future__ import annotations

from marshmallow import Schema, fields


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    queue = fields.Dict(metadata={"description": "backend, reachable, pending (jobs waiting), workers_seen "
                                                 "(workers that reported in the last three heartbeats)"})

"""Schemas of background jobs: state, progress, result link and, for a failed job, its problem."""

from __future__ import annotations

from http import HTTPStatus

from marshmallow import Schema, fields

from .common import UtcDateTime, Whole

JOB_STATES = ["queued", "running", "succeeded", "failed"]


class JobErrorSchema(Schema):
    """Why a job failed, as RFC 9457 problem fields (the status the request would have answered)."""

    type = fields.String(metadata={"example": "/problems/validation-error"})
    title = fields.String(metadata={"example": "Unprocessable Content"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "For validation errors: field → messages."})


def job_problem(error: dict | None) -> dict | None:
    if not error:
        return None
    status = int(error.get("status", 500))
    problem = {"type": f"/problems/{error.get('slug', 'job-error')}", "title": HTTPStatus(status).phrase,
               "status": status, "detail": error.get("detail", "")}
    if error.get("errors"):
        problem["errors"] = error["errors"]
    return problem


class JobSchema(Schema):
    id = Whole(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"example": "route_plan.solve"})
    state = fields.String(dump_only=True, metadata={"enum": JOB_STATES})
    progress = fields.Dict(dump_only=True, metadata={"description": "What the job reports while it runs."})
    result = fields.Dict(dump_only=True, allow_none=True, metadata={"description": "A short summary once succeeded."})
    result_url = fields.String(dump_only=True, allow_none=True,
                               metadata={"description": "Where the result is, once succeeded."})
    error = fields.Method("_error", dump_only=True, allow_none=True, metadata={
        "type": "object", "description": "Set when failed (or retrying): problem fields (type, title, status, "
                                         "detail, errors), as JobError."})
    attempts = Whole(dump_only=True)
    max_attempts = Whole(dump_only=True)
    time_limit_s = Whole(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    started_at = UtcDateTime(dump_only=True, allow_none=True)
    heartbeat_at = UtcDateTime(dump_only=True, allow_none=True)
    finished_at = UtcDateTime(dump_only=True, allow_none=True)

    def _error(self, job) -> dict | None:
        return job_problem(job.error)

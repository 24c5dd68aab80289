"""Background jobs: poll one for its state, progress, result link or error."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import jobs as svc
from .common import ApiBlueprint

blp = ApiBlueprint("jobs", "jobs", "Background work (route solves, allocations, billing-run issues): poll a job "
                                   "until it has succeeded or failed.")


@blp.route("/<int:job_id>")
class JobItem(MethodView):
    @blp.response(200, s.JobSchema)
    def get(self, job_id):
        """State (queued, running, succeeded, failed), progress, the result's link once succeeded,
        the error as problem fields once failed. Another coordination's job is not found."""
        return svc.get_job(get_session(), current(), job_id)


def accepted(body, job) -> tuple:
    """A 202 answer: the body, and the job to poll in ``Location``."""
    return body, 202, {"Location": url_for("jobs.JobItem", job_id=job.id)}


def blueprints():
    return [blp]

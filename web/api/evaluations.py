"""/api/v1/evaluations: try how the AI scores a sample answer (mentors and admins).

A POST stores the request and queues the scoring job, answering 202 at once; the
client polls the item until its status is ``done`` (or ``failed``). An
``Idempotency-Key`` header makes a retried POST return the evaluation it made the
first time. Mentors see their own evaluations; admins see everyone's.
"""

from __future__ import annotations

from flask import g, request, url_for
from flask.views import MethodView
from flask_security import current_user
from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields, validate

from aimi.platform.db import tenant_session
from aimi.plugins import evaluations
from aimi.plugins.types import INTERVIEW_TYPES
from aimi.tenants import evaluations as visibility
from aimi.tenants.models import Evaluation
from aimi.web.api.access import allowed
from aimi.web.api.errors import blueprint
from aimi.web.api.paging import page_of
from aimi.web.api.schemas import Text

blp = blueprint("api_evaluations", __name__,
                description="Score a sample answer the way candidates' answers are scored.")

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_LIST = 50


def _texts(max_chars: int, what: str) -> fields.List:
    return fields.List(Text(validate=validate.Length(min=1, max=max_chars)), load_default=list,
                       validate=validate.Length(max=MAX_LIST),
                       metadata={"description": f"{what} (at most {MAX_LIST})."})


class EvaluationCreateSchema(Schema):
    """The fields of an ``aimi evaluate-batch`` input line."""

    id = Text(validate=validate.Length(max=100),
              metadata={"description": "Your own label for the answer (optional)."})
    question = Text(required=True, validate=validate.Length(min=1, max=2000))
    answer = Text(required=True, validate=validate.Length(min=1, max=20000))
    reference_answers = _texts(20000, "Model answers to compare with")
    rubric = _texts(500, "Key points a good answer covers")
    keywords = _texts(100, "Words or phrases a good answer uses")
    type = fields.String(validate=validate.OneOf(INTERVIEW_TYPES),
                         metadata={"description": "The interview type, which sets the weights."})
    company = Text(validate=validate.Length(max=120), metadata={
        "description": "The target company a company question names ({company} in its text)."})


class JobSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    last_error = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class EvaluationSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "Its job's status: queued, running, done or failed."})
    job = fields.Nested(JobSchema)
    request = fields.Dict()
    report = fields.Dict(allow_none=True, metadata={
        "description": "When done: overall, summary and dimensions {name: {score, evidence, suggestions}}."})
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


IDEMPOTENCY_DOC = {"parameters": [{
    "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": "Send the same key when retrying a request: you get the evaluation made the first time.",
}]}


def idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 100:
        abort(422, message="The Idempotency-Key header is too long.",
              errors={IDEMPOTENCY_HEADER: ["Use at most 100 characters."]})
    return key or None


@blp.route("")
class Evaluations(MethodView):
    @allowed("admin", "mentor")
    @blp.response(200, EvaluationSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, pagination_parameters: PaginationParameters):
        """Evaluations, newest first: yours, or everyone's for an admin."""
        return page_of(tenant_session(), visibility.visible_to(current_user), pagination_parameters)

    @allowed("admin", "mentor")
    @blp.arguments(EvaluationCreateSchema)
    @blp.response(202, EvaluationSchema)
    @blp.doc(**IDEMPOTENCY_DOC)
    def post(self, data: dict):
        """Store a sample answer and queue its scoring; poll the returned item."""
        session = tenant_session()
        evaluation_id, _created = evaluations.submit_once(
            session, data, tenant=g.tenant, user_id=current_user.id, idempotency_key=idempotency_key())
        location = url_for(".EvaluationItem", evaluation_id=evaluation_id)
        return session.get(Evaluation, evaluation_id), 202, {"Location": location}


@blp.route("/<string:evaluation_id>")
class EvaluationItem(MethodView):
    @allowed("admin", "mentor")
    @blp.response(200, EvaluationSchema)
    def get(self, evaluation_id: str):
        """One evaluation: its status and, when done, its report."""
        evaluation = visibility.visible_one(tenant_session(), current_user, evaluation_id)
        if evaluation is None:
            abort(404, message=f"No evaluation {evaluation_id} in this college.")
        return evaluation

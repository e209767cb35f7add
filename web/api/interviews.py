"""/api/v1/interviews/<id>/scores: a scored interview's official scores, per answer and in
all, with where each comes from (a mentor's review, the calibrated AI or the AI) and the
AI's own figures beside them. The candidate reads their own; mentors their cohorts'
candidates'; admins everyone's. Others' interviews answer 404, so ids reveal nothing."""

from __future__ import annotations

from flask.views import MethodView
from flask_security import current_user
from flask_smorest import abort
from marshmallow import Schema, fields

from aimi.platform.db import tenant_session
from aimi.tenants import official, reviews
from aimi.tenants.interview_models import Interview
from aimi.web.api.access import signed_in
from aimi.web.api.errors import blueprint

blp = blueprint("api_interviews", __name__, description="A scored interview's official scores.")


class ScoreSchema(Schema):
    overall = fields.Float(allow_none=True, metadata={"description": "The official overall, 0-100."})
    dimensions = fields.Dict(keys=fields.String(), values=fields.Float(),
                             metadata={"description": "The official score per dimension."})
    source = fields.String(metadata={"description": "mentor, calibrated or ai: where the official "
                                                    "figures come from."})
    ai_overall = fields.Float(allow_none=True, metadata={"description": "The AI's overall (calibrated "
                                                                        "when the source is calibrated)."})
    ai_dimensions = fields.Dict(keys=fields.String(), values=fields.Float())
    reviewed = fields.Integer(metadata={"description": "Answers a mentor reviewed."})


class AnswerScoreSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    question = fields.String()
    score = fields.Nested(ScoreSchema)


class InterviewScoresSchema(Schema):
    id = fields.Integer()
    role = fields.String()
    type = fields.String()
    started_at = fields.DateTime()
    score = fields.Nested(ScoreSchema)
    answers = fields.List(fields.Nested(AnswerScoreSchema))


@blp.route("/<int:interview_id>/scores")
class InterviewScores(MethodView):
    @signed_in
    @blp.response(200, InterviewScoresSchema)
    def get(self, interview_id: int):
        """The official scores of a scored interview, the AI's beside them."""
        session = tenant_session()
        interview = session.get(Interview, interview_id)
        if interview is None or interview.status != "scored" \
                or not reviews.may_see_candidate(session, current_user, interview.candidate_id):
            abort(404, message=f"No scored interview {interview_id} that you may read.")
        scores = official.answer_scores(session, interview.answers)
        return {"id": interview.id, "role": interview.role, "type": interview.type,
                "started_at": interview.started_at,
                "score": official.interview_score(interview.answers, scores),
                "answers": [{"id": a.id, "position": a.position, "question": a.question.text,
                             "score": scores[a.id]} for a in interview.answers]}

"""Who may open a candidate's interview pages: the decorators and look-ups both the
interview and the recording views use. Another candidate's interview answers 404."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_security import auth_required, current_user, roles_accepted

from aimi.platform.db import tenant_session
from aimi.tenants import interviews
from aimi.tenants.interview_models import Interview, InterviewAnswer
from aimi.tenants.interviews import InterviewNotFound

STAFF = ("mentor", "admin")


def candidate_view(view: Callable) -> Callable:
    """Session sign-in (which also checks a POST's CSRF token), then the candidate role."""
    return auth_required("session")(roles_accepted("candidate")(view))


def report_view(view: Callable) -> Callable:
    return auth_required("session")(roles_accepted("candidate", *STAFF)(view))


def own_interview(interview_id: int) -> Interview:
    try:
        return interviews.owned(tenant_session(), interview_id, current_user)
    except InterviewNotFound:
        abort(404, "There is no interview with this number among yours.")


def own_answer(interview_id: int, position: int) -> InterviewAnswer:
    answer = interviews.answer_at(own_interview(interview_id), position - 1)
    if answer is None:
        abort(404, "This question has not been shown in your interview yet.")
    return answer

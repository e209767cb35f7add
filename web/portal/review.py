"""The mentor's review queue: score answers by rubric and override the AI with a comment.

The review sits beside the AI's report (``tenants.reviews``); every save is audited with
the review before and after.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_security import current_user

from aimi.evaluators.criteria import CRITERIA_TYPES
from aimi.platform.db import tenant_session
from aimi.plugins import jobs
from aimi.tenants import calibration, cohorts, notices, official, questions, review_filters, reviews
from aimi.tenants.interview_models import INTERVIEW_TYPES, ROLES
from aimi.tenants.models import User
from aimi.web.pagination import paginate
from aimi.web.portal import evidence
from aimi.web.portal import recordings as voice
from aimi.web.portal.manage import record
from aimi.web.portal.questions import staff_view

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/", endpoint="queue")
@staff_view
def review_queue() -> ResponseReturnValue:
    session = tenant_session()
    tab = request.args.get("tab", "to_review")
    if tab not in reviews.TABS:
        tab = "to_review"
    filters, filter_errors = review_filters.parse(session, current_user, request.args)
    page = paginate(session, filters.apply(reviews.queue(current_user, tab), g.timezone), scalars=False)
    rules = official.Rules.load(session)
    verdicts = {row[3].id: reviews.verdict(row[0], row[3], rules) for row in page.items if row[3] is not None}
    shown = {row[0].id: official.ai_score(row[0], rules) for row in page.items}
    drafting = reviews.others(session, current_user, (row[0].id for row in page.items)) \
        if tab != "reviewed" else {}
    return render_template("review/queue.html", page=page, tab=tab, tabs=reviews.TABS, verdicts=verdicts,
                           shown=shown, drafting=drafting, agreement=reviews.agreement_stats(session),
                           filters=filters, filter_errors=filter_errors, roles=ROLES, types=INTERVIEW_TYPES,
                           modes=review_filters.MODES,
                           cohorts=list(session.scalars(cohorts.visible_to(current_user)))), \
        422 if filter_errors else 200


def _found(session, answer_id: int):
    try:
        return reviews.visible_answer(session, current_user, answer_id)
    except reviews.AnswerNotFound:
        abort(404, "There is no submitted answer with this number among your cohorts' candidates.")


@bp.route("/answers/<int:answer_id>", methods=["GET", "POST"])
@staff_view
def answer(answer_id: int) -> ResponseReturnValue:
    """One answer with the AI's report beside the mentor's checklist, overrides and comment."""
    session = tenant_session()
    found = _found(session, answer_id)
    review = reviews.review_of(session, found, current_user)
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        finish = form.get("action") == "reviewed"
        try:
            saved, before = reviews.save(session, found, current_user,
                                         {**form.to_dict(), "rubric": form.getlist("rubric")}, finish=finish)
        except reviews.ReviewError as exc:
            errors = exc.errors
        else:
            session.flush()
            record(session, "review.completed" if finish else "review.saved", target_type="mentor_review",
                   target_id=saved.id, details={"answer_id": found.id, "before": before,
                                                "after": reviews.snapshot(saved)})
            refit = calibration.stage_refit(session, current_user.id) if finish else None
            if finish:
                notices.review_finished(session, saved, base_url=request.url_root)
            session.commit()
            if refit is not None:
                jobs.dispatch(g.tenant, refit)
            flash("Review marked as reviewed." if finish else "Draft saved.", "success")
            if finish:
                return redirect(url_for("review.queue"))
            return redirect(url_for("review.answer", answer_id=found.id))
    values = form if errors else _stored(review)
    ticked = form.getlist("rubric") if errors else reviews.checklist(review, found)
    return _page(session, found, review, errors, values, ticked)


@bp.post("/answers/<int:answer_id>/reference")
@staff_view
def add_reference(answer_id: int) -> ResponseReturnValue:
    """Promote the candidate's answer to a reference answer of its question, or add the
    reference the mentor wrote: a new version of the question, audited."""
    session = tenant_session()
    found = _found(session, answer_id)
    promote = request.form.get("source") == "answer"
    text = found.text if promote else request.form.get("reference", "")
    try:
        version = questions.add_reference(session, found.question.question, text,
                                          answer_id=found.id if promote else None,
                                          actor=current_user, ip=request.remote_addr)
    except questions.QuestionError as exc:
        session.rollback()
        review = reviews.review_of(session, found, current_user)
        message = " ".join(m for messages in exc.errors.values() for m in messages)
        return _page(session, found, review, {"reference": message}, {**_stored(review), "reference": text},
                     reviews.checklist(review, found))
    session.commit()
    flash(f"Added as reference answer {len(version.reference_answers)} of the question (version "
          f"{version.version}): answers scored from now on are compared with it too.", "success")
    return redirect(url_for("review.answer", answer_id=found.id))


def _page(session, found, review, errors: dict[str, str], values, ticked) -> ResponseReturnValue:
    rules = official.Rules.load(session)
    take = voice.takes_for([found]).get(found.id)
    drafting, finished = (reviews.others(session, current_user, [found.id], status).get(found.id, [])
                          for status in ("in_progress", "reviewed"))
    return render_template("review/answer.html", answer=found, interview=found.interview, review=review,
                           candidate=session.get(User, found.interview.candidate_id),
                           ai=reviews.ai_scores(found, rules), shown=official.ai_score(found, rules),
                           references=found.question.question.latest.reference_answers,
                           examples_only=found.question.type in CRITERIA_TYPES,
                           errors=errors, values=values, ticked={int(i) for i in ticked if str(i).isdigit()},
                           ai_ticked=set(reviews.ai_ticked(found)),
                           highlighted=evidence.highlighted(found.text or "", found.report),
                           take=take, words=voice.heard_words(take),
                           threshold=reviews.COMMENT_NEEDED_ABOVE,
                           drafting=drafting, finished_by=finished), 422 if errors else 200


def _stored(review) -> dict[str, str]:
    """The saved review as the form's values."""
    values = {f"score_{k}": f"{v:g}" for k, v in reviews.overrides(review).items()}
    if review is not None:
        values.update(overall="" if review.overall is None else f"{review.overall:g}", comment=review.comment)
    return values


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""The candidate's interviews: set up, answer one question at a time, submit, read the report.

Other users' interviews answer 404, never 403, so interview numbers reveal nothing. Mentors
and admins of the college may read (only read) a candidate's report.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_security import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from aimi.platform.db import tenant_session
from aimi.plugins import jobs
from aimi.tenants import assignments, interviews, official, recordings, reviews
from aimi.tenants.interview_models import (
    DIFFICULTIES,
    INTERVIEW_TYPES,
    ROLES,
    Assignment,
    Interview,
    InterviewAnswer,
)
from aimi.tenants.interviews import InterviewError
from aimi.tenants.models import User
from aimi.web.flaskbase import error_response, json_object, wants_json
from aimi.web.pagination import paginate
from aimi.web.portal import evidence, report_pdf
from aimi.web.portal import recordings as voice
from aimi.web.portal.candidate_access import candidate_view, own_answer, own_interview, report_view
from aimi.web.portal.manage import strip

bp = Blueprint("interviews", __name__, url_prefix="/interviews")
TYPE_LABELS = {"hr": "HR and behavioural", "technical": "Technical", "mixed": "Mixed (technical and HR)"}


class StartForm(FlaskForm):
    role = SelectField("Job role", choices=list(ROLES.items()), default="software-engineer",
                       validators=[InputRequired("Choose a job role.")])
    type = RadioField("Interview type", choices=[(t, TYPE_LABELS[t]) for t in INTERVIEW_TYPES],
                      default="technical", validators=[InputRequired("Choose an interview type.")])
    difficulty = RadioField(
        "Difficulty", default=interviews.ADAPTIVE,
        choices=[(interviews.ADAPTIVE, "Adaptive: starts easy, follows your scores")]
        + [(d, d.capitalize()) for d in DIFFICULTIES],
        validators=[InputRequired("Choose a difficulty.")])
    num_questions = IntegerField(
        "Number of questions", default=5,
        description=f"From 1 to {interviews.MAX_QUESTIONS}; each question has its own time limit.",
        validators=[InputRequired("Say how many questions you want."),
                    NumberRange(1, interviews.MAX_QUESTIONS,
                                f"Choose between 1 and {interviews.MAX_QUESTIONS} questions.")])
    target_company = StringField(
        "Target company (optional)", filters=[strip], validators=[Length(
            max=interviews.MAX_COMPANY,
            message=f"Give the company's name in at most {interviews.MAX_COMPANY} characters.")],
        description="The company you are preparing for: HR interviews then ask what you know about it "
                    "and why you want to work there. Left empty, those questions are not asked.")
    # One key per rendered form: a double click or a second tab posting it starts one interview.
    start_key = HiddenField(default=lambda: uuid.uuid4().hex,
                            validators=[Optional(), Regexp(r"^[0-9a-f]{32}$", message="Reload the page.")])
    duration_minutes = IntegerField(
        "Or a duration in minutes", validators=[Optional()],
        description="Leave empty to use the number of questions; filled in, as many questions as "
                    "fit in this time (from 5 to 120 minutes).")


def _readable(interview_id: int) -> Interview:
    """The candidate's own interview; for staff, one of a candidate they may see (admins:
    the whole college; mentors: their cohorts)."""
    session = tenant_session()
    interview = session.get(Interview, interview_id)
    if interview is None or not reviews.may_see_candidate(session, current_user, interview.candidate_id):
        abort(404, "There is no interview with this number.")
    return interview


def _posted_text() -> Any:
    if request.is_json:
        return json_object().get("text")
    return request.form.get("text", "")


def _suggested() -> dict:
    """Set-up choices carried in the query string (the dashboard's practice suggestions),
    kept only when they are valid choices."""
    form = StartForm(formdata=None)
    data = {}
    for name in ("role", "type", "difficulty"):
        value = request.args.get(name)
        if value in {choice[0] for choice in form[name].choices}:
            data[name] = value
    count = request.args.get("num_questions", type=int)
    if count is not None and 1 <= count <= interviews.MAX_QUESTIONS:
        data["num_questions"] = count
    return data


@bp.post("/assignments/<int:assignment_id>/start")
@candidate_view
def start_assignment(assignment_id: int) -> ResponseReturnValue:
    """Start an attempt at an assigned interview, with its template's settings; the
    attempt counts toward the assignment (due date and attempt limit apply)."""
    session = tenant_session()
    mine = {a.id: a for a in assignments.assignments_for(current_user, session)}
    if assignment_id not in mine:
        abort(404, "There is no assignment with this number for you.")
    view = mine[assignment_id]
    if not view.can_attempt:
        flash(view.reason, "warning")
        return redirect(url_for("public.dashboard"))
    assignment = session.get(Assignment, assignment_id)
    template = assignment.template
    try:
        count = template.num_questions
        if template.duration_minutes:
            count = interviews.questions_for_duration(session, template.role, template.type,
                                                      template.duration_minutes)
        interview = interviews.start(
            session, current_user, role=template.role, type=template.type, difficulty=template.difficulty,
            num_questions=count, template=template, assignment=assignment)
    except InterviewError as exc:
        session.rollback()
        flash(f"This assignment cannot start yet: {exc} Tell your mentor.", "error")
        return redirect(url_for("public.dashboard"))
    session.commit()
    _confirm_difficulty(interview)
    return redirect(url_for(".question", interview_id=interview.id))


def _confirm_difficulty(interview: Interview) -> None:
    """Say at set-up when the banks hold too few questions at the chosen difficulty."""
    if (shortfall := interviews.difficulty_shortfall(tenant_session(), interview)) is not None:
        flash(shortfall, "warning")


@bp.route("/", methods=["GET", "POST"])
@candidate_view
def index() -> ResponseReturnValue:
    """The set-up form and the candidate's own interviews."""
    session = tenant_session()
    form = StartForm() if request.method == "POST" else StartForm(formdata=None, data=_suggested())
    failed = False
    if form.validate_on_submit():
        key = form.start_key.data or None
        if (already := interviews.started_with(session, current_user, key)) is not None:
            return redirect(url_for(".question", interview_id=already.id))
        try:
            count = form.num_questions.data
            if form.duration_minutes.data is not None:
                count = interviews.questions_for_duration(session, form.role.data, form.type.data,
                                                          form.duration_minutes.data)
            interview = interviews.start(
                session, current_user, role=form.role.data, type=form.type.data,
                difficulty=form.difficulty.data, num_questions=count,
                target_company=form.target_company.data or "", start_key=key)
            session.commit()
        except InterviewError as exc:
            session.rollback()
            form[exc.field or "role"].errors.append(str(exc))
            failed = True
        except IntegrityError:  # the same form posted twice at once: the first one stands
            session.rollback()
            interview = interviews.started_with(session, current_user, key)
            if interview is None:
                raise
            return redirect(url_for(".question", interview_id=interview.id))
        else:
            _confirm_difficulty(interview)
            return redirect(url_for(".question", interview_id=interview.id))
    failed = failed or bool(form.errors)
    page = paginate(session, interviews.of_candidate(current_user))
    scores = official.interview_scores(session, [iv.id for iv in page.items if iv.status == "scored"])
    return render_template("interviews/index.html", form=form, page=page, scores=scores,
                           roles=ROLES, type_labels=TYPE_LABELS), 422 if failed else 200


@bp.get("/<int:interview_id>")
@candidate_view
def question(interview_id: int) -> ResponseReturnValue:
    """The question the candidate is on; a return after a refresh or a lost tab lands here.
    It only reads: the question is chosen and timed by the POST that leads here (start,
    submit), or by the "Show the question" button of an interview that has none yet."""
    interview = own_interview(interview_id)
    if interview.status != "in_progress":
        return redirect(url_for(".progress", interview_id=interview_id))
    answer = interviews.answer_at(interview, interview.current_position)
    if answer is None:
        return render_template("interviews/next.html", interview=interview)
    return _question_page(answer)


@bp.post("/<int:interview_id>/next")
@candidate_view
def present_next(interview_id: int) -> ResponseReturnValue:
    """Choose and time the next question (once: a second post finds it chosen)."""
    _present(own_interview(interview_id))
    return redirect(url_for(".question", interview_id=interview_id))


def _present(interview: Interview) -> None:
    """Choose and time the interview's next question and commit it."""
    session = tenant_session()
    try:
        interviews.present(session, interview)
        session.commit()
    except IntegrityError:  # the same question chosen twice at once: the first one stands
        session.rollback()
    except InterviewError as exc:
        session.rollback()
        abort(409, str(exc))


def _question_page(answer: InterviewAnswer, error: str | None = None, text: str | None = None,
                   code: int = 200) -> ResponseReturnValue:
    interview = answer.interview
    return render_template(
        "interviews/question.html", interview=interview, answer=answer, question=answer.question,
        text=answer.text if text is None else text, error=error,
        seconds_left=interviews.seconds_left(answer), grace=interviews.GRACE_SECONDS,
        is_open=interviews.is_open(answer), max_chars=interviews.MAX_ANSWER_CHARS,
        storage_key=f"aimi:draft:{g.tenant.slug}:{interview.id}:{answer.position + 1}",
        role_label=ROLES.get(interview.role, interview.role),
        voice=voice.recorder_context(answer) if interviews.is_open(answer) else None,
    ), code


@bp.post("/<int:interview_id>/answers/<int:position>/draft")
@candidate_view
def draft(interview_id: int, position: int) -> ResponseReturnValue:
    """Autosave (JSON, from the page's script) or the no-script "Save" button (a form)."""
    session = tenant_session()
    answer = own_answer(interview_id, position)
    text = _posted_text()
    try:
        interviews.save_draft(answer, text, current_user)
    except InterviewError as exc:
        session.rollback()
        code = 422 if exc.field else 409
        if wants_json() or request.is_json:
            return error_response(code, str(exc))
        return _question_page(answer, str(exc), text if isinstance(text, str) else None, code)
    session.commit()
    if wants_json() or request.is_json:
        return jsonify(saved=True, saved_at=answer.draft_saved_at.isoformat() + "Z", length=len(answer.text))
    flash("Your answer is saved. You can come back to it later.", "success")
    return redirect(url_for(".question", interview_id=interview_id))


@bp.post("/<int:interview_id>/answers/<int:position>/submit")
@candidate_view
def submit(interview_id: int, position: int) -> ResponseReturnValue:
    """Submit and go on; submitting twice lands where the first submission did."""
    session = tenant_session()
    answer = own_answer(interview_id, position)
    text = _posted_text()
    if recordings.pending(session, answer):
        return _question_page(answer, "Your recording is still being turned into text: wait for the "
                              "transcript to appear, check it, then submit.", text if isinstance(text, str)
                              else None, 409)
    try:
        result = interviews.submit_answer(session, answer, text, current_user)
    except InterviewError as exc:
        session.rollback()
        return _question_page(answer, str(exc), text if isinstance(text, str) else None, 422)
    session.commit()
    if result.job is not None:
        jobs.dispatch(g.tenant, result.job)
        # End the transaction that dispatch read in: on MariaDB its snapshot predates an
        # in-process job's commit, and the next question's difficulty depends on that score.
        session.commit()
    if result.submitted and interviews.is_late(answer):
        flash("Time was up for that question: the text saved within its time limit was submitted, "
              "and the report marks it late.", "warning")
    if answer.interview.status == "in_progress":
        _present(own_interview(interview_id))  # read after the job ran: adaptive steps see its score
        return redirect(url_for(".question", interview_id=interview_id))
    return redirect(url_for(".progress", interview_id=interview_id))


@bp.get("/<int:interview_id>/progress")
@candidate_view
def progress(interview_id: int) -> ResponseReturnValue:
    """Scoring under way: the page polls the status and moves on to the report by itself."""
    interview = own_interview(interview_id)
    if interview.status == "in_progress":
        return redirect(url_for(".question", interview_id=interview_id))
    if interview.status == "scored":
        return redirect(url_for(".report", interview_id=interview_id))
    status = interviews.status_of(tenant_session(), interview)
    return render_template("interviews/progress.html", interview=interview, status=status)


@bp.get("/<int:interview_id>/status")
@candidate_view
def status(interview_id: int) -> ResponseReturnValue:
    interview = own_interview(interview_id)
    body = interviews.status_of(tenant_session(), interview)
    scored = interview.status == "scored"
    body["report_url"] = url_for(".report", interview_id=interview_id) if scored else None
    return jsonify(body)


def _scored(interview_id: int) -> Interview:
    interview = _readable(interview_id)
    if interview.status != "scored":
        if interview.candidate_id == current_user.id:
            abort(409, "This interview is not scored yet: finish it, and the report appears when "
                       "scoring is done.")
        abort(404, "This interview has no report yet.")
    return interview


@bp.get("/<int:interview_id>/report")
@report_view
def report(interview_id: int) -> ResponseReturnValue:
    interview = _scored(interview_id)
    session = tenant_session()
    candidate = session.get(User, interview.candidate_id)
    rules = official.Rules.load(session)
    scores = official.answer_scores(session, interview.answers, rules)
    takes = voice.takes_for(interview.answers)
    rows = [{"answer": a, "html": evidence.highlighted(a.text, a.report), "late": interviews.is_late(a),
             "covered": interviews.covered_points(a.report), "missed": interviews.missed_labels(a.report),
             "criteria": interviews.content_evidence(a.report).get("points_source") == "criteria",
             "example": interviews.content_evidence(a.report).get("example_answer"),
             "score": scores[a.id], "summary": official.answer_summary(a, scores[a.id]),
             "reviews": reviews.reviews_for_answer(session, a, rules),
             "take": takes.get(a.id), "words": voice.heard_words(takes.get(a.id))}
            for a in interview.answers]
    return render_template("interviews/report.html", interview=interview, candidate=candidate, rows=rows,
                           score_of=official.interview_score(interview.answers, scores),
                           report=interviews.aggregate(interview.answers, scores),
                           difficulty_note=interviews.difficulty_note(interview),
                           role_label=ROLES.get(interview.role, interview.role),
                           type_label=TYPE_LABELS.get(interview.type, interview.type),
                           own=interview.candidate_id == current_user.id)


@bp.get("/<int:interview_id>/report.pdf")
@report_view
def report_pdf_download(interview_id: int) -> Response:
    interview = _scored(interview_id)
    session = tenant_session()
    candidate = session.get(User, interview.candidate_id)
    scores = official.answer_scores(session, interview.answers)
    pdf = report_pdf.render(interview, scores, candidate_name=candidate.display_name if candidate else "",
                            college=g.tenant_settings.display_name, role_label=ROLES.get(interview.role, ""),
                            timezone=g.tenant_settings.timezone)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="interview-{interview.id}-report.pdf"'})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

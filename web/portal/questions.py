"""Question banks for mentors and admins: banks, search, the editor (a new version per
edit), history, retire, import/export and the try-it scoring of a sample answer.

The rules live in ``aimi.tenants.questions``; these views collect input, show its errors
beside the fields and commit once per request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

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
from flask_security import auth_required, current_user, roles_accepted
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from aimi.platform.db import tenant_session
from aimi.platform.wording import kind_label
from aimi.plugins import evaluations
from aimi.plugins.types import INTERVIEW_TYPES
from aimi.tenants import audit, questions
from aimi.tenants.interview_models import (
    DIFFICULTIES,
    QUESTION_TYPES,
    ROLES,
    Question,
    QuestionBank,
    QuestionVersion,
)
from aimi.tenants.models import Evaluation
from aimi.web.pagination import paginate
from aimi.web.portal.evidence import highlighted
from aimi.web.portal.manage import get_or_404, strip

bp = Blueprint("questions", __name__, url_prefix="/questions")

FORMATS = {"csv": "text/csv", "json": "application/json"}
MAX_SAMPLE_ANSWER = 20000
LIST_HELP = "One per line."
SAMPLE_ROWS = [
    {"text": "Explain the difference between a process and a thread.", "role": "software-engineer",
     "type": "technical", "difficulty": "medium",
     "reference_answers": ["A process has its own memory space; threads share the memory of their process, "
                           "so they are cheaper to create but need locks to share data safely."],
     "rubric": ["process has its own memory", "threads share memory", "synchronisation is needed"],
     "keywords": ["process", "thread", "memory", "lock"], "tags": ["operating systems"],
     "time_limit_seconds": 150},
    {"text": "Tell me about a time you missed a deadline. What did you learn?", "role": "general",
     "type": "behavioural", "difficulty": "easy", "reference_answers": [],
     "rubric": ["Situation and stakes stated", "Your own actions, in the first person", "What you learnt"],
     "keywords": ["deadline", "learned", "plan"], "tags": ["star", "ownership"], "time_limit_seconds": 180},
]


TYPE_LABELS = {t: kind_label(t) for t in QUESTION_TYPES}


@bp.context_processor
def _labels() -> dict:
    """How the question pages name roles and types."""
    return {"roles": ROLES, "type_labels": TYPE_LABELS}


def staff_view(view: Callable) -> Callable:
    """Session sign-in first (it also checks the CSRF token of a POST), then the mentor or
    admin role: anonymous visitors go to the login page, candidates get 403."""
    return auth_required("session")(roles_accepted("admin", "mentor")(view))


def _audit_kwargs() -> dict:
    return {"actor": current_user, "ip": request.remote_addr}


class BankForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired("Give the bank a name."),
                                                            Length(max=questions.MAX_BANK_NAME)])
    description = TextAreaField("Description", filters=[strip],
                                validators=[Length(max=questions.MAX_DESCRIPTION)])


class QuestionForm(FlaskForm):
    """Every rule is checked by ``questions.validate``; its messages land beside the fields."""

    text = TextAreaField("Question", render_kw={"rows": 3})
    role = SelectField("Role", choices=list(ROLES.items()), validate_choice=False)
    type = SelectField("Type", choices=list(TYPE_LABELS.items()), validate_choice=False)
    difficulty = SelectField("Difficulty", choices=[(d, d.title()) for d in DIFFICULTIES],
                             validate_choice=False)
    reference_answers = TextAreaField("Reference answers", render_kw={"rows": 5}, description=(
        "Model answers, one per line (one paragraph each). Give reference answers or rubric points."))
    rubric = TextAreaField("Rubric points", render_kw={"rows": 4},
                           description="Points a good answer covers. " + LIST_HELP + " HR and behavioural "
                           "questions are judged on criteria instead, one per line from: "
                           + questions.CRITERIA_NAMES + ".")
    keywords = TextAreaField("Keywords", render_kw={"rows": 3},
                             description="Words or phrases a good answer uses. " + LIST_HELP)
    tags = TextAreaField("Tags", render_kw={"rows": 2},
                         description="Topics to find the question by. " + LIST_HELP)
    time_limit_seconds = StringField("Time limit (seconds)", default=str(questions.DEFAULT_TIME_LIMIT),
                                     render_kw={"inputmode": "numeric"}, description=(
                                         f"From {questions.TIME_LIMIT_RANGE[0]} to "
                                         f"{questions.TIME_LIMIT_RANGE[1]} seconds."))
    base_version = HiddenField()

    def load(self, version: QuestionVersion) -> None:
        for name, value in questions.fields_of(version).items():
            self[name].data = "\n".join(value) if name in questions.LIST_FIELDS else value
        self.base_version.data = str(version.version)

    def values(self) -> dict:
        return {name: self[name].data for name in questions.FIELDS}

    def show(self, error: questions.QuestionError) -> None:
        """Put each message beside its field; the others above the form."""
        for name, messages in error.errors.items():
            if name in self and name != "base_version":
                self[name].errors = [*self[name].errors, *messages]
            else:
                self.form_errors.extend(messages)


class ImportForm(FlaskForm):
    file = FileField("CSV or JSON file", validators=[FileRequired("Choose a CSV or JSON file to upload.")])


class TryForm(FlaskForm):
    answer = TextAreaField("Sample answer", filters=[strip], render_kw={"rows": 8}, validators=[
        DataRequired("Type an answer to score."),
        Length(max=MAX_SAMPLE_ANSWER,
               message=f"Keep the answer to {MAX_SAMPLE_ANSWER} characters or fewer.")])
    key = HiddenField()


# -- Banks ----------------------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@staff_view
def banks() -> ResponseReturnValue:
    """Every bank with its question counts; a POST is the create-bank form."""
    session = tenant_session()
    form = BankForm()
    if form.validate_on_submit():
        try:
            bank = questions.create_bank(session, form.name.data, form.description.data, **_audit_kwargs())
        except questions.QuestionError as exc:
            for name, messages in exc.errors.items():
                form[name].errors.extend(messages)
        else:
            session.commit()
            flash(f"Bank {bank.name!r} created; add its first question.", "success")
            return redirect(url_for("questions.bank", bank_id=bank.id))
    return render_template("questions/banks.html", banks=questions.bank_counts(session), form=form), \
        422 if form.errors else 200


@bp.get("/banks/<int:bank_id>")
@staff_view
def bank(bank_id: int) -> ResponseReturnValue:
    """One bank's questions with search, filters and pages."""
    session = tenant_session()
    found = get_or_404(session, QuestionBank, bank_id, "question bank")
    filters = questions.Filters.from_args(request.args, bank_id=found.id)
    page = paginate(session, questions.search(filters), scalars=False)
    return render_template("questions/bank.html", bank=found, page=page, filters=filters,
                           difficulties=DIFFICULTIES)


@bp.route("/banks/<int:bank_id>/new", methods=["GET", "POST"])
@staff_view
def new_question(bank_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = get_or_404(session, QuestionBank, bank_id, "question bank")
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = questions.create_question(session, found, form.values(), **_audit_kwargs())
        except questions.QuestionError as exc:
            form.show(exc)
        else:
            session.commit()
            flash("Question saved as version 1.", "success")
            return redirect(url_for("questions.question", question_id=question.id))
    return render_template("questions/editor.html", form=form, bank=found, question=None), \
        422 if form.errors else 200


# -- One question ---------------------------------------------------------------------------


def _question(session: Session, question_id: int) -> Question:
    return get_or_404(session, Question, question_id, "question")


def _question_page(question: Question, form: TryForm, status: int = 200) -> ResponseReturnValue:
    form.key.data = form.key.data or uuid.uuid4().hex
    return render_template("questions/question.html", question=question, version=question.latest,
                           bank=question.bank, form=form), status


@bp.get("/<int:question_id>")
@staff_view
def question(question_id: int) -> ResponseReturnValue:
    """The current version, its actions and the try-it form."""
    session = tenant_session()
    return _question_page(_question(session, question_id), TryForm())


@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@staff_view
def edit_question(question_id: int) -> ResponseReturnValue:
    """Saving adds a version; interviews that asked an older one keep it."""
    session = tenant_session()
    found = _question(session, question_id)
    form = QuestionForm()
    if request.method == "GET":
        form.load(found.latest)
    elif form.validate_on_submit():
        base = int(form.base_version.data) if (form.base_version.data or "").isdigit() else None
        try:
            version = questions.edit_question(session, found, form.values(), base_version=base,
                                              **_audit_kwargs())
        except questions.QuestionError as exc:
            form.show(exc)
        else:
            if version is None:
                flash("Nothing changed, so no new version was saved.", "info")
                return redirect(url_for("questions.question", question_id=found.id))
            try:
                session.commit()
            except IntegrityError:  # another editor saved the same version number first
                session.rollback()
                flash("Someone saved a new version at the same moment; yours was not saved. "
                      "Check their changes and edit again.", "error")
                return redirect(url_for("questions.question", question_id=question_id))
            flash(f"Saved as version {version.version}.", "success")
            return redirect(url_for("questions.question", question_id=found.id))
    return render_template("questions/editor.html", form=form, bank=found.bank, question=found), \
        422 if form.errors else 200


@bp.get("/<int:question_id>/history")
@staff_view
def history(question_id: int) -> ResponseReturnValue:
    """Every version, newest first, with how many interview answers asked it."""
    session = tenant_session()
    found = _question(session, question_id)
    used = questions.times_asked(session, found)
    return render_template("questions/history.html", question=found, bank=found.bank,
                           versions=list(reversed(found.versions)), used=used)


@bp.post("/<int:question_id>/retire")
@staff_view
def retire(question_id: int) -> ResponseReturnValue:
    session = tenant_session()
    found = _question(session, question_id)
    value = request.form.get("retired")
    if value not in ("0", "1"):
        abort(400, "Say whether the question should be retired (1) or brought back (0).")
    try:
        changed = questions.set_retired(session, found, value == "1", **_audit_kwargs())
    except questions.QuestionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("questions.question", question_id=found.id))
    session.commit()
    if not changed:
        flash("The question was already " + ("retired." if found.retired_at else "active."), "info")
    elif found.retired_at:
        flash("Question retired: new interviews will not ask it; past interviews keep it.", "success")
    else:
        flash("Question brought back: new interviews may ask it again.", "success")
    return redirect(url_for("questions.question", question_id=found.id))


# -- Try it ---------------------------------------------------------------------------------


def _evaluation(session: Session, question: Question, evaluation_id: str) -> Evaluation:
    """The user's evaluation of this question (an admin's: anyone's), or 404."""
    evaluation = session.get(Evaluation, evaluation_id)
    if (evaluation is None
            or (evaluation.created_by != current_user.id and "admin" not in current_user.role_names)
            or evaluation.request.get("id", "").split("/")[0] != f"question-{question.id}"):
        abort(404, "There is no such try-it result for this question.")
    return evaluation


@bp.post("/<int:question_id>/try")
@staff_view
def try_it(question_id: int) -> ResponseReturnValue:
    """Score a sample answer against the current version, as a candidate's would be."""
    session = tenant_session()
    found = _question(session, question_id)
    form = TryForm()
    if not form.validate_on_submit():
        return _question_page(found, form, 422)
    version = found.latest
    payload = {
        "id": f"question-{found.id}/v{version.version}", "question": version.text,
        "answer": form.answer.data, "reference_answers": version.reference_answers,
        "rubric": version.rubric, "keywords": version.keywords,
        "type": version.type if version.type in INTERVIEW_TYPES else "technical",
    }
    key = (form.key.data or "")[:64] or None  # the page's key: a double click scores once

    def audit_try(evaluation) -> None:
        audit.record(session, "question.tried", target_type="question", target_id=found.id,
                     details={"version": version.version, "evaluation_id": evaluation.id},
                     **_audit_kwargs())

    evaluation_id, _created = evaluations.submit_once(
        session, payload, tenant=g.tenant, user_id=current_user.id, idempotency_key=key,
        on_created=audit_try)
    return redirect(url_for("questions.try_result", question_id=question_id, evaluation_id=evaluation_id))


@bp.get("/<int:question_id>/try/<string:evaluation_id>")
@staff_view
def try_result(question_id: int, evaluation_id: str) -> ResponseReturnValue:
    """The report when scored; until then a progress note the page's script keeps fresh."""
    session = tenant_session()
    found = _question(session, question_id)
    evaluation = _evaluation(session, found, evaluation_id)
    report = evaluation.report
    answer_html = highlighted(evaluation.request.get("answer", ""), report) if report else None
    return render_template("questions/try_result.html", question=found, bank=found.bank,
                           evaluation=evaluation, answer_html=answer_html)


@bp.get("/<int:question_id>/try/<string:evaluation_id>/status")
@staff_view
def try_status(question_id: int, evaluation_id: str) -> ResponseReturnValue:
    """The scoring job's status, polled by questions.js."""
    session = tenant_session()
    evaluation = _evaluation(session, _question(session, question_id), evaluation_id)
    return jsonify(status=evaluation.status, done=evaluation.report is not None,
                   error=evaluation.job.last_error if evaluation.status == "failed" else "")


# -- Import and export ----------------------------------------------------------------------


@bp.route("/banks/<int:bank_id>/import", methods=["GET", "POST"])
@staff_view
def import_questions(bank_id: int) -> ResponseReturnValue:
    """Add questions from a CSV or JSON file; good rows are kept, bad rows are listed."""
    session = tenant_session()
    found = get_or_404(session, QuestionBank, bank_id, "question bank")
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        is_json = (upload.filename or "").lower().endswith(".json") or data.lstrip()[:1] in (b"[", b"{")
        try:
            rows = questions.parse_json(data) if is_json else questions.parse_csv(data)
            result = questions.import_rows(session, found, rows, "item" if is_json else "line",
                                           **_audit_kwargs())
        except questions.QuestionError as exc:
            session.rollback()
            form.file.errors.append(str(exc))
        else:
            session.commit()
    return render_template(
        "questions/import.html", form=form, bank=found, result=result, columns=questions.FIELDS,
        difficulties=DIFFICULTIES, time_range=questions.TIME_LIMIT_RANGE,
        default_time=questions.DEFAULT_TIME_LIMIT), 422 if form.errors else 200


def _download(body: str, fmt: str, name: str) -> Response:
    return Response(body, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f"attachment; filename={name}.{fmt}"})


@bp.get("/banks/<int:bank_id>/export.csv", defaults={"fmt": "csv"})
@bp.get("/banks/<int:bank_id>/export.json", defaults={"fmt": "json"})
@staff_view
def export(bank_id: int, fmt: str) -> ResponseReturnValue:
    """The bank's active questions, in the format the import reads back."""
    session = tenant_session()
    found = get_or_404(session, QuestionBank, bank_id, "question bank")
    items = questions.exported(session, found)
    if fmt == "csv":
        body = questions.dump_csv(items)
    else:
        body = questions.dump_json(found.name, found.description, items)
    return _download(body, fmt, f"aimi-questions-{found.id}")


@bp.get("/sample.csv", defaults={"fmt": "csv"})
@bp.get("/sample.json", defaults={"fmt": "json"})
@staff_view
def sample(fmt: str) -> ResponseReturnValue:
    """A small file in the import format, to start from."""
    body = (questions.dump_csv(SAMPLE_ROWS) if fmt == "csv"
            else questions.dump_json("Sample", "", SAMPLE_ROWS))
    return _download(body, fmt, "aimi-questions-sample")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

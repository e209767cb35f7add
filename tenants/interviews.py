"""A candidate's text interview: set up, one question at a time, drafts, submission, the report.

Questions are chosen when the candidate reaches them (the answer row is created then), so
an adaptive interview can follow the scores that are in by that time. Every function here
stages its changes in the caller's session; the caller commits once, then dispatches the
scoring job it was given.

Time limits: the server is the authority. A draft is accepted up to the question's limit
plus ``GRACE_SECONDS`` (a slow network must not cost a candidate their last words); after
that drafts are refused, and a submission scores what was saved in time and is marked late
in the report. A question whose time ran out with nothing saved counts as unanswered (0).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, object_session

from aimi.evaluators.criteria import COMPANY_PLACEHOLDER
from aimi.evaluators.report import ADVISE_BELOW, STRENGTH_AT, WEAK_BELOW
from aimi.platform.timeutil import utcnow
from aimi.platform.wording import kind_label, plural
from aimi.plugins import jobs
from aimi.tenants import notices
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import (
    DIFFICULTIES,
    INTERVIEW_TYPES,
    ROLES,
    Assignment,
    Interview,
    InterviewAnswer,
    InterviewTemplate,
    Question,
    QuestionVersion,
)
from aimi.tenants.models import Job, User

SCORE_KIND = "score_answer"  # the job kind; its handler is aimi.plugins.answer_scoring
MAX_QUESTIONS = 15
MAX_DURATION = 120  # minutes
MAX_ANSWER_CHARS = 20_000
GRACE_SECONDS = 30
RECENT_INTERVIEWS = 3
ADAPTIVE = "adaptive"
STEP_UP_AT = 70.0
# What to work on for a weak dimension whose stored reports carry no advice of their own.
GENERAL_ADVICE = {
    "content": "cover each point the question asks for in a sentence of its own, with an example.",
    "structure": "start with your main point, then give the reasons and an example, and close with the "
                 "result.",
    "language": "use short, plain sentences and read your answer back for spelling and grammar.",
    "delivery": "answer in full sentences and say it directly, without filler words or hedges.",
    "tone": "commit to your points: say in the first person what you would do or recommend, and why.",
}
STEP_DOWN_BELOW = 45.0
HR_TYPES = ("hr", "behavioural")
MAX_COMPANY = 120


class InterviewError(ValueError):
    """A request the interview cannot take; the message says why, ``field`` names the input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InterviewNotFound(LookupError):
    """Not this user's interview (or no such one): shown as 404 so ids do not leak."""


@dataclass(frozen=True)
class Submission:
    """What ``submit_answer`` did: the scoring job to dispatch after commit (None when there
    is nothing to score or it was queued before) and whether this call submitted anything."""

    job: Job | None
    submitted: bool


# -- Setting up --------------------------------------------------------------------------


def start(
    session: Session,
    candidate: User,
    *,
    role: str,
    type: str,
    difficulty: str,
    num_questions: int,
    template: InterviewTemplate | None = None,
    assignment: Assignment | None = None,
    target_company: str = "",
    start_key: str | None = None,
) -> Interview:
    """Stage a new interview after checking the choice and that the banks hold enough
    distinct questions for it. With a target company, company questions name it; without
    one they are not asked. ``start_key`` (unique) makes a repeated post of the same start
    form fail on commit instead of starting a second interview."""
    company = checked_company(target_company)
    if role not in ROLES:
        raise InterviewError(f"Choose one of the roles: {', '.join(ROLES.values())}.", "role")
    if type not in INTERVIEW_TYPES:
        raise InterviewError(f"Choose an interview type: {', '.join(INTERVIEW_TYPES)}.", "type")
    if difficulty not in (*DIFFICULTIES, ADAPTIVE):
        raise InterviewError(f"Choose a difficulty: {', '.join(DIFFICULTIES)} or adaptive.", "difficulty")
    if isinstance(num_questions, bool) or not isinstance(num_questions, int) \
            or not 1 <= num_questions <= MAX_QUESTIONS:
        raise InterviewError(f"Choose between 1 and {MAX_QUESTIONS} questions.", "num_questions")
    if type != "hr" and role == "general":
        raise InterviewError("Technical questions belong to a job role: choose one, or pick the HR type.",
                             "role")
    kinds = [_kind_at(type, position) for position in range(num_questions)]
    for kind, needed in Counter(kinds).items():
        available = len({q.question_id for q in session.scalars(_pool(role, kind, company))})
        if available < needed:
            raise InterviewError(
                f"Your college's question banks hold {plural(available, kind_label(kind) + ' question')} "
                f"for {ROLES[role]}; choose at most {available} or ask a mentor to add more.",
                "num_questions")
    interview = Interview(candidate_id=candidate.id, role=role, type=type, difficulty_mode=difficulty,
                          num_questions=num_questions, status="in_progress", current_position=0,
                          target_company=company or None,
                          template_id=template.id if template else None,
                          assignment_id=assignment.id if assignment else None, start_key=start_key)
    session.add(interview)
    present(session, interview)
    return interview


def of_candidate(user: User) -> Select:
    """The candidate's own interviews, newest first."""
    return select(Interview).where(Interview.candidate_id == user.id).order_by(Interview.id.desc())


def checked_company(value: object) -> str:
    """The target company as typed (trimmed), or InterviewError saying what is wrong."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InterviewError("Give the company's name as text.", "target_company")
    company = " ".join(value.split())
    if len(company) > MAX_COMPANY:
        raise InterviewError(f"Give the company's name in at most {MAX_COMPANY} characters.",
                             "target_company")
    if any(c in company for c in "{}<>"):
        raise InterviewError("A company name cannot contain { } < or >.", "target_company")
    return company


def started_with(session: Session, candidate: User, start_key: str | None) -> Interview | None:
    """The candidate's interview started by the form carrying ``start_key``, if any."""
    if not start_key:
        return None
    return session.scalar(select(Interview).where(Interview.candidate_id == candidate.id,
                                                  Interview.start_key == start_key))


def questions_for_duration(session: Session, role: str, type: str, minutes: int) -> int:
    """How many questions fit in ``minutes``, from the mean time limit of the questions such
    an interview draws from (questions are chosen one at a time, so this is an estimate)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= MAX_DURATION:
        raise InterviewError(f"Choose a duration from 5 to {MAX_DURATION} minutes.", "duration_minutes")
    kinds = {_kind_at(type, position) for position in range(2)} if type in INTERVIEW_TYPES else set()
    limits = [time_limit(session, q) for kind in kinds for q in session.scalars(_pool(role, kind))]
    if not limits:
        raise InterviewError("Your college's question banks hold no questions for this choice yet.", "role")
    return max(1, min(MAX_QUESTIONS, int(minutes * 60 // (sum(limits) / len(limits)))))


def owned(session: Session, interview_id: int, user: User) -> Interview:
    """The user's own interview, or ``InterviewNotFound`` (also for other users' ids)."""
    interview = session.get(Interview, interview_id)
    if interview is None or interview.candidate_id != user.id:
        raise InterviewNotFound(interview_id)
    return interview


def answer_at(interview: Interview, position: int) -> InterviewAnswer | None:
    return next((a for a in interview.answers if a.position == position), None)


# -- Presenting questions ----------------------------------------------------------------


def present(session: Session, interview: Interview) -> InterviewAnswer | None:
    """The question the candidate is on, chosen and timed now if it was not shown before;
    None once every answer is submitted."""
    if interview.status != "in_progress":
        return None
    if interview.id is None:
        session.flush()  # the id seeds the draw and tells this interview from the recent ones
    current = answer_at(interview, interview.current_position)
    if current is not None:
        return current
    version = _pick(session, interview, interview.current_position, next_difficulty(interview))
    answer = InterviewAnswer(position=interview.current_position, question_version_id=version.id,
                             question=version, difficulty=version.difficulty, text="",
                             presented_at=utcnow(), time_limit_seconds=time_limit(session, version))
    interview.answers.append(answer)
    return answer


def time_limit(session: Session, version: QuestionVersion) -> int:
    """A question's limit (set for saying the answer) plus the college's allowance for typing
    it, which on a phone takes far longer; the answer box is always there, so every question
    gets it."""
    allowance = tenant_settings.load(session).typing_allowance_percent
    return version.time_limit_seconds + round(version.time_limit_seconds * allowance / 100)


def next_difficulty(interview: Interview) -> str:
    """Fixed modes keep their difficulty. Adaptive starts easy, then steps from the latest
    scored answer's difficulty, by the running score at that difficulty (the mean of the
    scored answers since the last step): up at ``STEP_UP_AT`` or more, down below
    ``STEP_DOWN_BELOW``. Answers not scored yet do not move it (the last known stands)."""
    if interview.difficulty_mode != ADAPTIVE:
        return interview.difficulty_mode
    shown = sorted((a for a in interview.answers if a.position < interview.current_position),
                   key=lambda a: a.position)
    scored = [a for a in shown if a.overall is not None]
    if not scored:
        return shown[-1].difficulty if shown else "easy"
    level = DIFFICULTIES.index(scored[-1].difficulty)
    score = running_score(scored)
    if score >= STEP_UP_AT:
        level = min(level + 1, len(DIFFICULTIES) - 1)
    elif score < STEP_DOWN_BELOW:
        level = max(level - 1, 0)
    return DIFFICULTIES[level]


def running_score(scored: list[InterviewAnswer]) -> float:
    """The mean of the latest scored answers at the latest one's difficulty: after a step,
    the candidate is judged on the new level alone (a staircase)."""
    level = scored[-1].difficulty
    run = []
    for answer in reversed(scored):
        if answer.difficulty != level:
            break
        run.append(answer.overall)
    return mean(run)


def _kind_at(interview_type: str, position: int) -> str:
    if interview_type == "mixed":
        return "technical" if position % 2 == 0 else "hr"
    return interview_type


def _pool(role: str, kind: str, company: str | None = ""):
    """Current versions of the tenant's non-retired questions of one kind for a role; company
    questions only when the interview names a company."""
    stmt = (select(QuestionVersion)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.retired_at.is_(None), QuestionVersion.version == Question.current_version))
    if not company:
        stmt = stmt.where(~QuestionVersion.text.contains(COMPANY_PLACEHOLDER, autoescape=True))
    if kind == "hr":
        stmt = stmt.where(QuestionVersion.role.in_((role, "general")), QuestionVersion.type.in_(HR_TYPES))
    else:
        stmt = stmt.where(QuestionVersion.role == role, QuestionVersion.type == "technical")
    return stmt.order_by(QuestionVersion.id)


def _pick(session: Session, interview: Interview, position: int, difficulty: str) -> QuestionVersion:
    """A question not asked in this interview at the wanted difficulty (the nearest one when
    none is left), preferring one not seen in the candidate's last interviews: a candidate who
    chose Medium gets Medium, even a question seen before. Ties are drawn at random (seeded
    by interview and position, so a retry draws the same)."""
    pool = list(session.scalars(_pool(interview.role, _kind_at(interview.type, position),
                                      interview.target_company)))
    if not pool:
        raise InterviewError("This interview's questions were retired from the question banks; "
                             "start a new interview.")
    asked = {a.question.question_id for a in interview.answers}
    fresh = [q for q in pool if q.question_id not in asked] or pool
    recent = _recently_seen(session, interview)
    random.Random(f"{interview.id}:{position}").shuffle(fresh)
    target = DIFFICULTIES.index(difficulty)
    return min(fresh, key=lambda q: (abs(DIFFICULTIES.index(q.difficulty) - target),
                                     q.question_id in recent))


def difficulty_shortfall(session: Session, interview: Interview) -> str | None:
    """What the set-up confirmation says when the banks hold fewer questions at the chosen
    difficulty than the interview asks for (the rest come from the nearest difficulty);
    None when they hold enough, or for adaptive interviews."""
    chosen = interview.difficulty_mode
    if chosen not in DIFFICULTIES:
        return None
    kinds = Counter(_kind_at(interview.type, position) for position in range(interview.num_questions))
    short = []
    for kind, needed in kinds.items():
        pool = _pool(interview.role, kind, interview.target_company)
        held = len({q.question_id for q in session.scalars(pool.where(QuestionVersion.difficulty == chosen))})
        if held < needed:
            short.append((kind, held, needed - held))
    if not short:
        return None
    level = DIFFICULTIES.index(chosen)
    nearest = " or ".join(d.capitalize() for d in DIFFICULTIES if abs(DIFFICULTIES.index(d) - level) == 1)
    held_text = " and ".join(plural(held, f"{chosen.capitalize()} {kind_label(kind)} question")
                             for kind, held, _ in short)
    missing = sum(gap for _, _, gap in short)
    return (f"Your college's question banks hold {held_text} for {ROLES[interview.role]}, so "
            f"{plural(missing, 'question')} of {interview.num_questions} will be {nearest}, the nearest "
            f"difficulty. The report says which.")


def difficulty_note(interview: Interview) -> str | None:
    """What the report says when questions were not at the chosen difficulty (the banks held
    too few): which ones, and at what level. None when every question matched or adaptive."""
    chosen = interview.difficulty_mode
    if chosen not in DIFFICULTIES:
        return None
    off = sorted((a.position + 1, a.difficulty) for a in interview.answers if a.difficulty != chosen)
    if not off:
        return None
    which = ", ".join(f"question {position} was {level.capitalize()}" for position, level in off)
    return (f"You chose {chosen.capitalize()}, but your college's question banks held too few "
            f"{chosen.capitalize()} questions: {which}.")


def _recently_seen(session: Session, interview: Interview) -> set[int]:
    ids = list(session.scalars(
        select(Interview.id)
        .where(Interview.candidate_id == interview.candidate_id, Interview.id != interview.id)
        .order_by(Interview.id.desc()).limit(RECENT_INTERVIEWS)))
    if not ids:
        return set()
    return set(session.scalars(
        select(QuestionVersion.question_id)
        .join(InterviewAnswer, InterviewAnswer.question_version_id == QuestionVersion.id)
        .where(InterviewAnswer.interview_id.in_(ids))))


# -- Time --------------------------------------------------------------------------------


def deadline(answer: InterviewAnswer) -> datetime:
    return answer.presented_at + timedelta(seconds=answer.time_limit_seconds)


def seconds_left(answer: InterviewAnswer, now: datetime | None = None) -> int:
    """Seconds until the time limit (negative once it passed)."""
    return int((deadline(answer) - (now or utcnow())).total_seconds())


def is_open(answer: InterviewAnswer, now: datetime | None = None) -> bool:
    """The answer still takes text: not submitted, and within the limit plus the grace."""
    return answer.submitted_at is None and seconds_left(answer, now) > -GRACE_SECONDS


def is_late(answer: InterviewAnswer) -> bool:
    """Submitted after the limit and the grace: only the text saved in time was scored."""
    return answer.submitted_at is not None and \
        answer.submitted_at > deadline(answer) + timedelta(seconds=GRACE_SECONDS)


# -- Drafts and submission ---------------------------------------------------------------


def _check_editable(answer: InterviewAnswer, user: User) -> None:
    if answer.interview.candidate_id != user.id:
        raise InterviewNotFound(answer.interview_id)
    if answer.submitted_at is not None:
        raise InterviewError("This answer was already submitted; it can no longer change.")


def _checked_text(text: Any) -> str:
    if not isinstance(text, str):
        raise InterviewError("Send the answer as text.", "text")
    if len(text) > MAX_ANSWER_CHARS:
        raise InterviewError(f"Your answer is {len(text):,} characters long; the limit is "
                             f"{MAX_ANSWER_CHARS:,}. Shorten it and try again.", "text")
    return text


def save_draft(answer: InterviewAnswer, text: Any, user: User, now: datetime | None = None) -> None:
    """Keep the text exactly as typed (empty too: the candidate may clear it)."""
    _check_editable(answer, user)
    text = _checked_text(text)
    now = now or utcnow()
    if not is_open(answer, now):
        raise InterviewError("Time is up for this question: the text saved before the limit is kept. "
                             "Submit it to go on.")
    answer.text, answer.draft_saved_at = text, now


def submit_answer(session: Session, answer: InterviewAnswer, text: Any, user: User,
                  now: datetime | None = None) -> Submission:
    """Submit once: a second call (a double click, a retried request) changes nothing and
    queues nothing. After the time limit the text saved in time is taken instead."""
    if answer.interview.candidate_id != user.id:
        raise InterviewNotFound(answer.interview_id)
    if answer.submitted_at is not None:
        return Submission(None, False)
    now = now or utcnow()
    if is_open(answer, now):
        text = _checked_text(text)
        if not text.strip():
            raise InterviewError("Write an answer before submitting it.", "text")
    else:
        text = answer.text
    lock(session, answer.interview_id)  # before the answer's row: see finish_if_scored
    # One conditional UPDATE: of two racing submissions only one wins.
    won = session.execute(
        update(InterviewAnswer).where(InterviewAnswer.id == answer.id, InterviewAnswer.submitted_at.is_(None))
        .values(text=text, submitted_at=now).execution_options(synchronize_session=False)).rowcount
    if won != 1:
        session.refresh(answer)
        return Submission(None, False)
    answer.text, answer.submitted_at = text, now
    job = None
    if text.strip():
        job, _created = jobs.stage(session, SCORE_KIND, {"answer_id": answer.id},
                                   idempotency_key=f"{SCORE_KIND}:answer{answer.id}", created_by=user.id)
        answer.job_id = job.id
    else:
        answer.report, answer.overall = _unanswered_report(), 0.0
    interview = answer.interview
    interview.current_position = answer.position + 1
    if interview.current_position >= interview.num_questions:
        interview.status, interview.submitted_at = "submitted", now
        finish_if_scored(interview)
    return Submission(job, True)


def _unanswered_report() -> dict[str, Any]:
    return {"overall": 0.0, "dimensions": {}, "summary": "No answer was saved before the time ran out.",
            "strengths": [], "areas_to_improve": ["Write as you think: a short answer saved in time "
                                                  "scores better than none."]}


# -- Scores and the interview's report ---------------------------------------------------


def store_score(answer: InterviewAnswer, report: dict[str, Any]) -> None:
    """Record one answer's report (from its scoring job) and close the interview when it
    was the last one outstanding."""
    answer.report, answer.overall = report, report.get("overall")
    finish_if_scored(answer.interview)


def lock(session: Session, interview_id: int) -> None:
    """Hold the interview's row lock until the transaction ends. Whatever may close the
    interview (each answer's scoring job, the final submission) takes it before writing
    an answer, so they run one after another and the last one sees every other report.
    (A no-op on SQLite, whose writers are serialised anyway.)"""
    session.execute(select(Interview.id).where(Interview.id == interview_id).with_for_update())


def finish_if_scored(interview: Interview) -> bool:
    """Once every answer of a submitted interview has its report, store the interview's
    own report and mark it scored. Callers hold ``lock``; the interview and its answers are
    read again with locking reads, which see what the jobs before this one committed (a
    plain read would see this transaction's older snapshot and miss the last report)."""
    session = object_session(interview)
    assert session is not None
    lock(session, interview.id)
    fresh = {"populate_existing": True}
    session.execute(select(Interview).where(Interview.id == interview.id).with_for_update()
                    .execution_options(**fresh))
    if interview.status != "submitted":
        return False
    answers = list(session.scalars(
        select(InterviewAnswer).where(InterviewAnswer.interview_id == interview.id)
        .order_by(InterviewAnswer.position).with_for_update().execution_options(**fresh)))
    if len(answers) < interview.num_questions or any(a.report is None for a in answers):
        return False
    interview.report = aggregate(answers)
    interview.overall = interview.report["overall"]
    interview.status, interview.scored_at = "scored", utcnow()
    notices.report_ready(session, interview)
    return True


def dimension_numbers(dimensions: Mapping[str, Any] | None) -> dict[str, float]:
    """Scores per dimension, from ``{name: score}`` (an interview's report) or
    ``{name: {"score": ...}}`` (an answer's); unscored dimensions are left out."""
    found = {}
    for name, value in (dimensions or {}).items():
        score = value.get("score") if isinstance(value, Mapping) else value
        if isinstance(score, int | float) and not isinstance(score, bool):
            found[name] = float(score)
    return found


def aggregate(answers: list[InterviewAnswer], scores: Mapping[int, Any] | None = None) -> dict[str, Any]:
    """The interview's report: the mean overall and per-dimension means, strengths, areas
    to improve and the topics to review (the questions whose rubric points were missed).
    ``scores`` (answer id -> an object with ``overall`` and ``dimensions``, such as an
    official score) replaces the AI's figures of each answer; the advice stays the AI's."""
    def figures(a: InterviewAnswer) -> tuple[float | None, dict[str, float]]:
        if scores is not None:
            return scores[a.id].overall, scores[a.id].dimensions
        return a.overall, dimension_numbers((a.report or {}).get("dimensions"))

    overalls: list[float] = []
    by_dimension: dict[str, list[tuple[float, InterviewAnswer]]] = {}
    for a in answers:
        overall, dims = figures(a)
        if overall is not None:
            overalls.append(overall)
        for name, score in dims.items():
            by_dimension.setdefault(name, []).append((score, a))
    dimensions = {name: round(mean(s for s, _ in found), 1) for name, found in sorted(by_dimension.items())}
    ranked = sorted(dimensions.items(), key=lambda item: (-item[1], item[0]))
    overall = round(mean(overalls), 1) if overalls else None
    summary = "No answer could be scored." if overall is None else \
        f"Overall {overall:.0f}/100 over {plural(len(answers), 'question')}.{ranked_summary(dimensions)}"
    return {
        "overall": overall,
        "dimensions": dimensions,
        "summary": summary,
        "strengths": [f"{n.capitalize()} ({s:.0f}/100)" for n, s in ranked if s >= STRENGTH_AT],
        "areas_to_improve": _areas(by_dimension, dimensions),
        "topics_to_review": [
            {"position": a.position, "question": a.question_text, "tags": list(a.question.tags or []),
             "missed": missed}
            for a in answers if (missed := missed_labels(a.report))],
        "late": [a.position for a in answers if is_late(a)],
    }


def _suggestions_of(answer: InterviewAnswer, name: str) -> list[str]:
    return ((answer.report or {}).get("dimensions", {}).get(name) or {}).get("suggestions") or []


def ranked_summary(dimensions: Mapping[str, float]) -> str:
    """ " Strongest on X (n), weakest on Y (m)." for two dimensions or more, else ""."""
    ranked = sorted(dimensions.items(), key=lambda item: (-item[1], item[0]))
    if len(ranked) < 2:
        return ""
    (best, high), (worst, low) = ranked[0], ranked[-1]
    return f" Strongest on {best} ({high:.0f}), weakest on {worst} ({low:.0f})."


def _areas(by_dimension: dict[str, list[tuple[float, InterviewAnswer]]],
           dimensions: dict[str, float]) -> list[str]:
    """Per weak dimension (or else the weakest), the advice given on its lowest answer. A
    dimension below ADVISE_BELOW is never left out for want of advice in its reports (a
    report scored before its evaluator advised on every low score has none): it gets the
    dimension's general advice."""
    ranked = sorted(dimensions.items(), key=lambda item: (item[1], item[0]))
    weak = [n for n, s in ranked if s < WEAK_BELOW] or [n for n, _ in ranked[:1]]
    areas = []
    for name in weak:
        advice = [tip for _score, answer in sorted(by_dimension[name], key=lambda item: item[0])
                  for tip in _suggestions_of(answer, name)]
        if advice:
            areas.append(f"{name.capitalize()}: {advice[0]}")
        elif dimensions[name] < ADVISE_BELOW:
            general = GENERAL_ADVICE.get(name, "read its evidence on each question below.")
            areas.append(f"{name.capitalize()} ({dimensions[name]:.0f}/100): {general}")
    return areas


def content_evidence(report: dict[str, Any] | None) -> dict[str, Any]:
    return ((report or {}).get("dimensions", {}).get("content") or {}).get("evidence") or {}


def missed_points(report: dict[str, Any] | None) -> list[str]:
    return [p.get("point", "") for p in content_evidence(report).get("points_missed", [])]


def missed_labels(report: dict[str, Any] | None) -> list[str]:
    """The missed points as the candidate reads them: one whose technical terms the answer
    does name says so, since it was missed for want of an explanation, not of the term."""
    labels = []
    for point in content_evidence(report).get("points_missed", []):
        named = ", ".join(f'"{n}"' for n in point.get("named", []))
        labels.append(f"{point.get('point', '')} (you named {named} but did not explain it)" if named
                      else point.get("point", ""))
    return labels


def covered_points(report: dict[str, Any] | None) -> list[str]:
    return [p.get("point", "") for p in content_evidence(report).get("points_covered", [])]


def status_of(session: Session, interview: Interview) -> dict[str, Any]:
    """Where scoring stands, per answer, as the progress page polls it."""
    ids = [a.job_id for a in interview.answers if a.job_id]
    found = {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(ids)))} if ids else {}
    answers = []
    for a in interview.answers:
        job = found.get(a.job_id) if a.job_id else None
        answers.append({
            "position": a.position + 1,
            "submitted": a.submitted_at is not None,
            "scored": a.report is not None,
            "overall": a.overall,
            "job": {"status": job.status, "attempts": job.attempts} if job else None,
        })
    return {
        "id": interview.id,
        "status": interview.status,
        "overall": interview.overall,
        "failed": any(a["job"] and a["job"]["status"] == "failed" for a in answers),
        "answers": answers,
    }

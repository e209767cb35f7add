"""Voice answers in the portal: consent, the recorder's upload API, playback, deletion.

The recorder (static/js/recorder.js) talks JSON to the answer-scoped routes: start a take,
send numbered chunks as it records, finish, then poll until the transcript is in the
answer box. Candidates list and delete their recordings at ``/recordings/``; the audio
plays for the candidate and for staff who may read the candidate's reports. Someone
else's recording answers 404, never 403.
"""

from __future__ import annotations

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

from aimi.platform.db import tenant_session
from aimi.plugins import jobs
from aimi.tenants import recordings, reviews
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.interviews import InterviewNotFound
from aimi.tenants.models import Job
from aimi.tenants.recording_models import Recording
from aimi.tenants.recordings import RecordingError
from aimi.web.flaskbase import error_response, json_object
from aimi.web.pagination import paginate
from aimi.web.portal.candidate_access import candidate_view, own_answer, report_view
from aimi.web.redirects import safe_next

bp = Blueprint("recordings", __name__)


def _take(interview_id: int, position: int, recording_id: int) -> Recording:
    answer = own_answer(interview_id, position)
    recording = tenant_session().get(Recording, recording_id)
    if recording is None or recording.answer_id != answer.id or recording.status == "discarded":
        abort(404, "This answer has no recording with this number.")
    return recording


def _own_recording(recording_id: int) -> Recording:
    recording = tenant_session().get(Recording, recording_id)
    if recording is None or recording.candidate_id != current_user.id:
        abort(404, "There is no recording with this number among yours.")
    return recording


def _refused(exc: RecordingError | InterviewNotFound) -> Response:
    tenant_session().rollback()
    if isinstance(exc, InterviewNotFound):
        return error_response(404, "There is no interview with this number among yours.")
    return error_response(exc.status, str(exc))


def describe(recording: Recording) -> dict:
    """What the recorder shows: where the take stands, its transcript, its error."""
    session = tenant_session()
    job = session.get(Job, recording.job_id) if recording.job_id else None
    failed = recording.status == "failed" or (job is not None and job.status == "failed")
    return {
        "id": recording.id,
        "status": "failed" if failed else recording.status,
        "error": recording.error or (
            "Transcription failed on our side; your recording is kept and your college's admin can "
            "run it again. You can also type your answer." if failed else ""),
        "duration": recording.duration,
        "chunks": len(recording.chunks),
        "transcript": (recording.transcript or {}).get("text"),
        # The words recognised so far while the take is recorded (the live captions).
        "partial": ((recording.transcript or {}).get("partial") or {}).get("text", ""),
        "job": {"status": job.status, "attempts": job.attempts} if job else None,
        "audio_url": url_for("recordings.audio", recording_id=recording.id) if recording.audio_key else None,
    }


def take_state(recording: Recording) -> dict:
    """``describe`` plus the addresses the recorder needs for this take."""
    base = {"interview_id": recording.answer.interview_id, "position": recording.answer.position + 1,
            "recording_id": recording.id}
    return describe(recording) | {
        # The chunk route without its last part: the recorder appends each chunk's number.
        "chunk_base": url_for("recordings.chunk", seq=0, **base)[:-1],
        "finish_url": url_for("recordings.finish", **base),
        "status_url": url_for("recordings.status", **base),
        "discard_url": url_for("recordings.discard", **base),
        "content_type": recording.content_type,
    }


def recorder_context(answer: InterviewAnswer) -> dict:
    """What the question page needs to offer a voice answer (consent first)."""
    session = tenant_session()
    take = recordings.current(session, answer)
    return {
        "consented": recordings.has_consent(session, current_user, g.tenant_settings),
        "policy": g.tenant_settings.recording_policy,
        "max_seconds": g.tenant_settings.max_recording_seconds,
        "start_url": url_for("recordings.start", interview_id=answer.interview_id,
                             position=answer.position + 1),
        "take": take_state(take) if take else None,
    }


@bp.post("/recordings/consent")
@candidate_view
def consent() -> ResponseReturnValue:
    session = tenant_session()
    recordings.give_consent(session, current_user, g.tenant_settings)
    session.commit()
    if request.is_json:
        return jsonify(consented=True)
    flash("Thank you. You can now answer by voice.", "success")
    return redirect(safe_next(request.form.get("next"), url_for(".mine")))


@bp.post("/interviews/<int:interview_id>/answers/<int:position>/recordings")
@candidate_view
def start(interview_id: int, position: int) -> ResponseReturnValue:
    session = tenant_session()
    answer = own_answer(interview_id, position)
    content_type = json_object().get("content_type", "")
    try:
        recording = recordings.start(session, answer, current_user, content_type, g.tenant_settings)
    except RecordingError as exc:
        return _refused(exc)
    session.commit()
    return jsonify(take_state(recording)), 201


@bp.post("/interviews/<int:interview_id>/answers/<int:position>/recordings/<int:recording_id>/chunks/<int:seq>")
@candidate_view
def chunk(interview_id: int, position: int, recording_id: int, seq: int) -> ResponseReturnValue:
    """One piece of the recording as the request body (sent again on a retry: idempotent)."""
    session = tenant_session()
    recording = _take(interview_id, position, recording_id)
    try:
        recordings.check_chunk_size(request.content_length or 0)  # before reading the body
        recordings.add_chunk(session, recording, seq, request.get_data(cache=False))
        window = recordings.stage_window(session, recording, seq, current_user)
    except RecordingError as exc:
        return _refused(exc)
    session.commit()
    if window is not None:
        jobs.dispatch(g.tenant, window)
        session.commit()  # end the snapshot read before an in-process job committed (MySQL)
    return jsonify(received=seq, size=recording.size, partial=describe(recording)["partial"])


@bp.post("/interviews/<int:interview_id>/answers/<int:position>/recordings/<int:recording_id>/finish")
@candidate_view
def finish(interview_id: int, position: int, recording_id: int) -> ResponseReturnValue:
    """Close the upload and queue the transcription; ``chunks`` (the browser's count) makes
    sure nothing is missing, and without it what arrived is used (a take left by a closed tab)."""
    session = tenant_session()
    recording = _take(interview_id, position, recording_id)
    expected = json_object().get("chunks")
    try:
        job = recordings.finish(session, recording, current_user, expected)
    except (RecordingError, InterviewNotFound) as exc:
        return _refused(exc)
    session.commit()
    jobs.dispatch(g.tenant, job)
    session.commit()  # end the snapshot read before an in-process job committed (MySQL's repeatable read)
    return jsonify(describe(session.get(Recording, recording_id))), 202


@bp.get("/interviews/<int:interview_id>/answers/<int:position>/recordings/<int:recording_id>")
@candidate_view
def status(interview_id: int, position: int, recording_id: int) -> ResponseReturnValue:
    return jsonify(describe(_take(interview_id, position, recording_id)))


@bp.post("/interviews/<int:interview_id>/answers/<int:position>/recordings/<int:recording_id>/discard")
@candidate_view
def discard(interview_id: int, position: int, recording_id: int) -> ResponseReturnValue:
    session = tenant_session()
    recording = _take(interview_id, position, recording_id)
    try:
        recordings.discard(session, recording, current_user)
    except (RecordingError, InterviewNotFound) as exc:
        return _refused(exc)
    session.commit()
    return jsonify(discarded=recording_id)


@bp.get("/recordings/")
@candidate_view
def mine() -> ResponseReturnValue:
    """The candidate's recordings, newest first, with the policy they accepted."""
    session = tenant_session()
    return render_template(
        "recordings/index.html", page=paginate(session, recordings.of_candidate(current_user)),
        consented=recordings.has_consent(session, current_user, g.tenant_settings),
        policy=g.tenant_settings.recording_policy, retention_days=g.tenant_settings.audio_retention_days)


@bp.post("/recordings/<int:recording_id>/delete")
@candidate_view
def delete(recording_id: int) -> ResponseReturnValue:
    session = tenant_session()
    recording = _own_recording(recording_id)
    if recordings.delete_audio(session, recording):
        session.commit()
        flash("The audio of that recording is deleted. Its transcript and scores stay.", "success")
    else:
        flash("That recording's audio was already deleted.", "info")
    return redirect(url_for(".mine"))


@bp.get("/recordings/<int:recording_id>/audio")
@report_view
def audio(recording_id: int) -> ResponseReturnValue:
    """The normalised WAV, for the candidate and for staff who may read their reports."""
    session = tenant_session()
    recording = session.get(Recording, recording_id)
    if recording is None or not reviews.may_see_candidate(session, current_user, recording.candidate_id):
        abort(404, "There is no recording with this number.")
    if not recording.audio_key:
        abort(404, "This recording's audio was deleted; its transcript and scores are kept.")
    data = recordings.read_file(session, recording.audio_key)
    response = Response(data, mimetype="audio/wav")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response.make_conditional(request, accept_ranges=True, complete_length=len(data))


def takes_for(answers: list[InterviewAnswer]) -> dict[int, Recording]:
    """The transcribed take of each answer that has one, by answer id (for the report)."""
    return recordings.transcribed_takes(tenant_session(), [a.id for a in answers])


def heard_words(take: Recording | None) -> list[dict]:
    """The recogniser's words with their times, fillers marked, for the report's transcript."""
    if take is None:
        return []
    fillers = {item["index"] for item in (take.speech or {}).get("fillers", []) if "index" in item}
    words = (take.transcript or {}).get("words", [])
    return [word | {"filler": index in fillers} for index, word in enumerate(words)]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""`aimi demo-data`: the demo tenant shows the product on first login (scored history,
mentor reviews, an assignment due) and a second run adds nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import demo, registry
from aimi.tenants.interview_models import Assignment, Interview, MentorReview
from aimi.tenants.models import User
from aimi.tenants.notification_models import Notification

BASE = "http://127.0.0.1:5123"


def _history(session) -> dict[str, list[Interview]]:
    found: dict[str, list[Interview]] = {}
    for interview, email in session.execute(select(Interview, User.email).join(
            User, User.id == Interview.candidate_id).order_by(Interview.started_at)):
        found.setdefault(email, []).append(interview)
    return found


def _login(world, email: str):
    client = world.client()
    resp = client.post("/t/demo/login", json={"email": email, "password": demo.PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return client


def test_demo_data_seeds_a_scored_history_once(world):
    with world.app.app_context():
        printed = list(demo.seed_demo(world.hasher(), BASE))
        again = list(demo.seed_demo(world.hasher(), BASE))
    assert f"candidate: {demo.CANDIDATE} / {demo.PASSWORD} at {BASE}/t/demo/login" in printed
    assert f"super-admin: {demo.SUPERADMIN} / {demo.PASSWORD} at {BASE}/admin/" in again
    assert not [line for line in again if "scored interviews" in line or "assignment" in line]
    with tenant_scope(registry.by_slug("demo")):
        session = tenant_session()
        history = _history(session)
        assert set(history) >= {plan.email for plan in demo.PLANS}
        now = utcnow()
        for plan in demo.PLANS:
            taken = history[plan.email]
            assert 5 <= len(taken) <= 10 and len(taken) == plan.sessions
            assert all(i.status == "scored" and i.overall is not None for i in taken)
            assert (taken[-1].started_at - taken[0].started_at) >= timedelta(days=14)  # over some weeks
            assert all(a.report and a.submitted_at <= now for i in taken for a in i.answers)
        means = {plan.email: sum(i.overall for i in history[plan.email]) / plan.sessions
                 for plan in demo.PLANS}
        # The answers' quality differs, so the scorer's figures do: strong above weak by a margin.
        assert means["priya@demo.example.com"] - means["rahul@demo.example.com"] > 10
        improving = history[demo.CANDIDATE]
        assert improving[-1].overall > improving[0].overall
        reviewed = session.scalar(select(func.count(func.distinct(MentorReview.answer_id)))
                                  .where(MentorReview.status == "reviewed"))
        answers = sum(len(i.answers) for taken in history.values() for i in taken)
        assert 0 < reviewed < answers  # some reviewed, some left for the queue
        due = session.scalars(select(Assignment)).all()
        assert len(due) == 1 and due[0].due_at > now
        # The history's mail was not sent by the dozen: only the newest notice is unread.
        unread = session.scalar(select(func.count()).select_from(Notification).join(
            User, User.id == Notification.user_id).where(
            User.email == demo.CANDIDATE, Notification.read_at.is_(None),
            Notification.kind.in_(("report_ready", "review_finished"))))
        assert unread == 1


def test_demo_pages_are_not_empty_on_first_login(world):
    with world.app.app_context():
        list(demo.seed_demo(world.hasher(), BASE))
    candidate = _login(world, demo.CANDIDATE).get("/t/demo/dashboard").get_data(as_text=True)
    assert "No scored interview yet" not in candidate
    assert demo.ASSIGNMENT in candidate
    assert len(re.findall(r'interviews/\d+/report', candidate)) >= 5
    queue = _login(world, demo.MENTOR).get("/t/demo/review/").get_data(as_text=True)
    assert "Nothing to review" not in queue and re.search(r'/review/answers/\d+', queue)
    done = _login(world, demo.MENTOR).get("/t/demo/review/?tab=reviewed").get_data(as_text=True)
    assert "No reviews finished yet" not in done
    admin = _login(world, demo.ADMIN)
    analytics = admin.get("/t/demo/analytics/").get_data(as_text=True)
    assert "No candidate of this cohort has a scored interview yet" not in analytics
    assert "CSE 2027" in analytics
    dashboard = admin.get("/t/demo/dashboard").get_data(as_text=True)
    assert "No interview is scored yet" not in dashboard

"""Interview templates and assignments through HTTP: create, validate, edit, publish,
assign to a cohort with a due date (college time zone in, UTC stored) and an attempt
limit, completion, delete; mentors only to their own cohorts; candidates and other
tenants get nothing; the candidate-side views (``assignments_for``, ``can_attempt``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from score_helpers import new_user, tag
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import assignments
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Assignment, Interview, InterviewTemplate
from aimi.tenants.models import AuditLog, Cohort, User
from conftest import PASSWORD, csrf_token


def post_form(client, page_url: str, action_url: str, data: dict):
    page = client.get(page_url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(action_url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def template_fields(**changes) -> dict:
    return {"name": f"Template {tag()}", "role": "software-engineer", "type": "technical",
            "difficulty": "adaptive", "num_questions": "5", "duration_minutes": "", **changes}


def create_template(client, slug: str = "alpha", **changes):
    url = f"/t/{slug}/templates/"
    return post_form(client, url, url, template_fields(**changes))


def template_named(world, slug: str, name: str) -> InterviewTemplate | None:
    with tenant_scope(world.tenants[slug]):
        found = tenant_session.scalar(select(InterviewTemplate).where(InterviewTemplate.name == name))
        tenant_session.expunge_all()
        return found


def make_template(world, slug: str, published: bool = True, **fields) -> int:
    with tenant_scope(world.tenants[slug]):
        row = InterviewTemplate(**{"name": f"T {tag()}", "role": "software-engineer", "type": "technical",
                                   "difficulty": "easy", "num_questions": 3, **fields}, published=published)
        tenant_session.add(row)
        tenant_session.commit()
        return row.id


def make_cohort(world, slug: str, mentors=(), candidates=()) -> int:
    """A cohort with the given members (e-mail addresses)."""
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        people = lambda emails: list(session.scalars(select(User).where(User.email.in_(emails))))  # noqa: E731
        cohort = Cohort(name=f"Cohort {tag()}", mentors=people(mentors), candidates=people(candidates))
        session.add(cohort)
        session.commit()
        return cohort.id


def login_as(world, slug: str, email: str):
    client = world.client()
    resp = client.post(f"/t/{slug}/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return client


def local_input(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def assign(client, slug: str, template_id: int, cohort_id: int, due: str, attempts: str = "2"):
    url = f"/t/{slug}/templates/assignments"
    return post_form(client, url, url, {"template_id": str(template_id), "cohort_id": str(cohort_id),
                                        "due_at": due, "attempt_limit": attempts})


def audit(world, slug: str, target_type: str, target_id: int) -> list[tuple[str, dict]]:
    with tenant_scope(world.tenants[slug]):
        return [(e.action, e.details) for e in tenant_session.scalars(
            select(AuditLog).where(AuditLog.target_type == target_type, AuditLog.target_id == str(target_id))
            .order_by(AuditLog.id))]


def count(world, slug: str, model) -> int:
    with tenant_scope(world.tenants[slug]):
        return tenant_session.scalar(select(func.count()).select_from(model))


# -- Templates ---------------------------------------------------------------------------


def test_create_edit_publish_and_unpublish_a_template(world):
    mentor = world.login("alpha", "mentor")
    name = f"SWE screen {tag()}"
    resp = create_template(mentor, name=f"  {name} ", duration_minutes="30")
    assert resp.status_code == 302
    created = template_named(world, "alpha", name)
    assert created is not None and not created.published
    assert (created.role, created.type, created.difficulty) == ("software-engineer", "technical", "adaptive")
    assert (created.num_questions, created.duration_minutes) == (5, 30)
    listing = mentor.get("/t/alpha/templates/").get_data(as_text=True)
    assert name in listing and "Draft" in listing

    edit_url = f"/t/alpha/templates/{created.id}"
    resp = post_form(mentor, edit_url, edit_url, template_fields(name=name, type="hr", role="general",
                                                                  difficulty="hard", num_questions="8"))
    assert resp.status_code == 302
    edited = template_named(world, "alpha", name)
    assert (edited.type, edited.role, edited.difficulty, edited.num_questions, edited.duration_minutes) == \
        ("hr", "general", "hard", 8, None)

    assert post_form(mentor, edit_url, f"{edit_url}/publish", {}).status_code == 302
    assert template_named(world, "alpha", name).published
    assert post_form(mentor, edit_url, f"{edit_url}/unpublish", {}).status_code == 302
    assert not template_named(world, "alpha", name).published

    actions = audit(world, "alpha", "interview_template", created.id)
    assert [a for a, _ in actions] == ["template.created", "template.updated", "template.published",
                                       "template.unpublished"]
    assert actions[1][1]["changes"]["num_questions"] == [5, 8]
    assert actions[1][1]["changes"]["duration_minutes"] == [30, None]


@pytest.mark.parametrize("changes, message", [
    ({"name": "  "}, "Give the template a name."),
    ({"name": "x" * 121}, "Keep the name to 120 characters or fewer."),
    ({"role": "astronaut"}, "Not a valid choice"),
    ({"type": "oral"}, "Not a valid choice"),
    ({"difficulty": "brutal"}, "Not a valid choice"),
    ({"num_questions": "0"}, "Choose between 1 and 15 questions."),
    ({"num_questions": "16"}, "Choose between 1 and 15 questions."),
    ({"num_questions": "five"}, "Not a valid integer value."),
    ({"duration_minutes": "0"}, "Choose between 1 and 180 minutes."),
    ({"role": "general", "type": "technical"}, "Technical questions belong to a job role"),
])
def test_template_validation_writes_nothing(world, changes, message):
    admin = world.login("alpha", "admin")
    before = count(world, "alpha", InterviewTemplate)
    resp = create_template(admin, **changes)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert count(world, "alpha", InterviewTemplate) == before


def test_editing_with_bad_input_keeps_the_template(world):
    admin = world.login("alpha", "admin")
    template_id = make_template(world, "alpha", name=f"Keep {tag()}")
    url = f"/t/alpha/templates/{template_id}"
    resp = post_form(admin, url, url, template_fields(num_questions="99"))
    assert resp.status_code == 422 and "Choose between 1 and 15 questions." in resp.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(InterviewTemplate, template_id).num_questions == 3


# -- Assignments -------------------------------------------------------------------------


def test_mentor_assigns_to_own_cohort_with_due_date_in_college_time_zone(world, kolkata):
    slug, mentor_email = kolkata
    candidate_id, candidate_email = new_user(world, slug)
    cohort_id = make_cohort(world, slug, mentors=[mentor_email], candidates=[candidate_email])
    _, other = new_user(world, slug)
    make_cohort(world, slug, candidates=[other])  # not this assignment's cohort
    template_id = make_template(world, slug)
    mentor = login_as(world, slug, mentor_email)

    local_due = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=30, second=0, microsecond=0)
    resp = assign(mentor, slug, template_id, cohort_id, local_input(local_due), attempts="2")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with tenant_scope(world.tenants[slug]):
        row = tenant_session.scalar(select(Assignment).where(Assignment.cohort_id == cohort_id))
        assert row.template_id == template_id and row.attempt_limit == 2
        assert row.due_at == local_due - timedelta(hours=5, minutes=30)  # Asia/Kolkata is UTC+5:30
        assignment_id = row.id
    listing = mentor.get(f"/t/{slug}/templates/assignments").get_data(as_text=True)
    assert local_due.strftime("%d %b %Y, 18:30 IST") in listing
    assert "0 of 1 candidates (0%)" in listing
    (action, details), = audit(world, slug, "assignment", assignment_id)
    assert action == "assignment.created" and details["attempt_limit"] == 2

    # One attempt in progress, then submitted: completion counts the submitted one only.
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        candidate = session.get(User, candidate_id)
        (view,) = assignments.assignments_for(candidate)
        assert (view.id, view.attempts_used, view.attempts_left) == (assignment_id, 0, 2)
        assert view.can_attempt and view.name.startswith("T ")
        interview = Interview(candidate_id=candidate_id, assignment_id=assignment_id, template_id=template_id,
                              role="software-engineer", type="technical", difficulty_mode="easy",
                              num_questions=3, status="in_progress")
        session.add(interview)
        session.commit()
        allowed, reason = assignments.can_attempt(candidate, session.get(Assignment, assignment_id))
        assert not allowed and "resume" in reason
        interview.status = "submitted"
        session.commit()
        (view,) = assignments.assignments_for(candidate)
        assert view.completed and view.can_attempt and view.attempts_left == 1
    listing = mentor.get(f"/t/{slug}/templates/assignments").get_data(as_text=True)
    assert "1 of 1 candidates (100%)" in listing


def test_can_attempt_refuses_past_due_used_up_and_other_cohorts(world):
    candidate_id, candidate_email = new_user(world, "alpha")
    mine = make_cohort(world, "alpha", candidates=[candidate_email])
    theirs = make_cohort(world, "alpha")
    template_id = make_template(world, "alpha")
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        past = Assignment(template_id=template_id, cohort_id=mine, due_at=utcnow() - timedelta(hours=1))
        once = Assignment(template_id=template_id, cohort_id=mine, due_at=utcnow() + timedelta(days=1),
                          attempt_limit=1)
        other = Assignment(template_id=template_id, cohort_id=theirs, due_at=utcnow() + timedelta(days=1))
        session.add_all([past, once, other])
        session.flush()
        session.add(Interview(candidate_id=candidate_id, assignment_id=once.id, role="software-engineer",
                              type="technical", difficulty_mode="easy", num_questions=3, status="scored"))
        session.commit()
        candidate = session.get(User, candidate_id)
        assert assignments.can_attempt(candidate, past) == (False, "The due date has passed.")
        assert assignments.can_attempt(candidate, once) == (False, "You have used your 1 attempt.")
        assert assignments.can_attempt(candidate, other) == (False, "This assignment is for another cohort.")
        views = assignments.assignments_for(candidate)
        assert [v.id for v in views] == [past.id, once.id]  # soonest due first, own cohorts only
        assert [v.can_attempt for v in views] == [False, False]


@pytest.mark.parametrize("changes, message", [
    ({"due_at": ""}, "Enter the due date and time."),
    ({"due_at": "tomorrow"}, "Enter the due date and time as a date and a time"),
    ({"due_at": "2001-01-01T10:00"}, "Choose a due date in the future."),
    ({"attempt_limit": "0"}, "Allow between 1 and 10 attempts."),
    ({"attempt_limit": "11"}, "Allow between 1 and 10 attempts."),
    ({"cohort_id": "999999"}, "Choose one of your cohorts."),
    ({"template_id": "999999"}, "Choose one of the published templates."),
    ({"template_id": "draft"}, "Publish the template before assigning it."),
])
def test_assignment_validation_writes_nothing(world, changes, message):
    admin = world.login("alpha", "admin")
    cohort_id = make_cohort(world, "alpha")
    fields = {"template_id": str(make_template(world, "alpha")), "cohort_id": str(cohort_id),
              "due_at": local_input(datetime.now() + timedelta(days=2)), "attempt_limit": "1", **changes}
    if changes.get("template_id") == "draft":
        fields["template_id"] = str(make_template(world, "alpha", published=False))
    before = count(world, "alpha", Assignment)
    resp = post_form(admin, "/t/alpha/templates/assignments", "/t/alpha/templates/assignments", fields)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert count(world, "alpha", Assignment) == before


def test_mentor_cannot_assign_to_or_see_or_delete_other_cohorts(world):
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    mine = make_cohort(world, "alpha", mentors=[mentor_email])
    foreign = make_cohort(world, "alpha", mentors=[world.email("alpha", "mentor")])
    template_id = make_template(world, "alpha")
    mentor = login_as(world, "alpha", mentor_email)
    due = local_input(datetime.now() + timedelta(days=2))

    page = mentor.get("/t/alpha/templates/assignments").get_data(as_text=True)
    choices = re.search(r'<select[^>]*name="cohort_id".*?</select>', page, re.S).group(0)
    assert f'value="{mine}"' in choices and f'value="{foreign}"' not in choices
    before = count(world, "alpha", Assignment)
    assert assign(mentor, "alpha", template_id, foreign, due).status_code == 403
    assert count(world, "alpha", Assignment) == before

    admin = world.login("alpha", "admin")
    assert assign(admin, "alpha", template_id, foreign, due).status_code == 302  # admins: any cohort
    with tenant_scope(world.tenants["alpha"]):
        foreign_assignment = tenant_session.scalar(
            select(Assignment.id).where(Assignment.cohort_id == foreign))
    listing = mentor.get("/t/alpha/templates/assignments").get_data(as_text=True)
    assert f"/assignments/{foreign_assignment}/delete" not in listing
    resp = post_form(mentor, "/t/alpha/templates/assignments",
                     f"/t/alpha/templates/assignments/{foreign_assignment}/delete", {})
    assert resp.status_code == 404
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Assignment, foreign_assignment) is not None


def test_delete_assignment_keeps_interviews_and_is_audited(world):
    candidate_id, candidate_email = new_user(world, "alpha")
    cohort_id = make_cohort(world, "alpha", mentors=[world.email("alpha", "mentor")],
                            candidates=[candidate_email])
    template_id = make_template(world, "alpha")
    mentor = world.login("alpha", "mentor")
    assert assign(mentor, "alpha", template_id, cohort_id, local_input(datetime.now() + timedelta(days=1))
                  ).status_code == 302
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        assignment_id = session.scalar(select(Assignment.id).where(Assignment.cohort_id == cohort_id))
        interview = Interview(candidate_id=candidate_id, assignment_id=assignment_id,
                              role="software-engineer", type="technical", difficulty_mode="easy",
                              num_questions=3, status="scored")
        session.add(interview)
        session.commit()
        interview_id = interview.id
    listing = mentor.get("/t/alpha/templates/assignments").get_data(as_text=True)
    assert "data-confirm=" in listing and "Interviews already taken are kept." in listing
    resp = post_form(mentor, "/t/alpha/templates/assignments",
                     f"/t/alpha/templates/assignments/{assignment_id}/delete", {})
    assert resp.status_code == 302
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session.get(Assignment, assignment_id) is None
        assert tenant_session.get(Interview, interview_id).assignment_id is None
    assert [a for a, _ in audit(world, "alpha", "assignment", assignment_id)] == \
        ["assignment.created", "assignment.deleted"]


# -- Who may come in ---------------------------------------------------------------------


PAGES = ("/templates/", "/templates/{t}", "/templates/assignments")
POSTS = ("/templates/", "/templates/{t}", "/templates/{t}/publish", "/templates/{t}/unpublish",
         "/templates/assignments", "/templates/assignments/{a}/delete")


def test_candidates_are_refused_and_anonymous_sent_to_login(world):
    template_id = make_template(world, "alpha")
    candidate = world.login("alpha", "candidate")
    token = csrf_token(candidate.get("/t/alpha/change").get_data(as_text=True))
    anonymous = world.client()
    for path in PAGES:
        url = "/t/alpha" + path.format(t=template_id)
        assert candidate.get(url).status_code == 403, url
        resp = anonymous.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    for path in POSTS:
        url = "/t/alpha" + path.format(t=template_id, a=1)
        assert candidate.post(url, data={"csrf_token": token, **template_fields()}).status_code == 403, url
    assert "Templates" not in candidate.get("/t/alpha/").get_data(as_text=True).split("</nav>")[0]


def catch_up(world, slug: str, target_id: int) -> None:
    """Add templates in ``slug`` until its ids reach ``target_id`` (ids then overlap)."""
    while make_template(world, slug, name=f"Alpha own {tag()}") < target_id:
        pass


def test_other_tenants_templates_and_assignments_are_out_of_reach(world):
    beta_name = f"Beta secret {tag()}"
    beta_template = make_template(world, "beta", name=beta_name)
    beta_cohort = make_cohort(world, "beta")
    with tenant_scope(world.tenants["beta"]):
        row = Assignment(template_id=beta_template, cohort_id=beta_cohort,
                         due_at=utcnow() + timedelta(days=1))
        tenant_session.add(row)
        tenant_session.commit()
        beta_assignment = row.id
    catch_up(world, "alpha", beta_template)
    admin = world.login("alpha", "admin")

    with tenant_scope(world.tenants["alpha"]):
        alpha_name = tenant_session.get(InterviewTemplate, beta_template).name
    page = admin.get(f"/t/alpha/templates/{beta_template}")
    assert page.status_code == 200  # alpha's own template with the same number
    assert beta_name not in page.get_data(as_text=True) and alpha_name in page.get_data(as_text=True)
    renamed = f"Renamed by alpha {tag()}"
    resp = post_form(admin, f"/t/alpha/templates/{beta_template}", f"/t/alpha/templates/{beta_template}",
                     template_fields(name=renamed))
    assert resp.status_code == 302
    assert post_form(admin, "/t/alpha/templates/", f"/t/alpha/templates/{beta_template}/unpublish",
                     {}).status_code == 302
    assert beta_name not in admin.get("/t/alpha/templates/assignments").get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        alpha_has = tenant_session.get(Assignment, beta_assignment) is not None
    resp = post_form(admin, "/t/alpha/templates/assignments",
                     f"/t/alpha/templates/assignments/{beta_assignment}/delete", {})
    assert resp.status_code == (302 if alpha_has else 404)
    with tenant_scope(world.tenants["beta"]):
        kept = tenant_session.get(InterviewTemplate, beta_template)
        assert (kept.name, kept.published) == (beta_name, True)
        assert tenant_session.get(Assignment, beta_assignment) is not None
    assert template_named(world, "alpha", renamed).id == beta_template


@pytest.fixture(scope="module")
def kolkata(world) -> tuple[str, str]:
    """A fresh tenant in Asia/Kolkata with one mentor (slug, mentor e-mail)."""
    slug = f"kol{tag()}"
    ref = world.new_tenant(slug)
    world.tenants[slug] = ref
    with tenant_scope(ref):
        session = tenant_session()
        tenant_settings.save(session, {"timezone": "Asia/Kolkata"})
        session.commit()
    _, email = new_user(world, slug, "mentor")
    return slug, email

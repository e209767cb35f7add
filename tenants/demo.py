"""Demo data for ``make demo``: tenant ``demo`` with one user per role, more candidates
with weeks of scored practice (``aimi.tenants.demo_history``), an assignment due, plus a
super-admin. These logins exist only in demo data; re-running changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

from sqlalchemy import select

from aimi.platform import superadmins
from aimi.platform.db import platform_session, tenant_scope, tenant_session
from aimi.platform.models import Tenant
from aimi.platform.timeutil import utcnow
from aimi.tenants import accounts, assignments, notices, provisioning, registry, settings
from aimi.tenants.demo_history import Plan, seed_history
from aimi.tenants.interview_models import InterviewTemplate, QuestionBank
from aimi.tenants.models import Cohort
from aimi.tenants.starter_bank import seed_starter_bank

PASSWORD = "demo-pass-123"
SUPERADMIN = "root@aimi.example.com"
ADMIN = "admin@demo.example.com"
MENTOR = "mentor@demo.example.com"
CANDIDATE = "candidate@demo.example.com"
TIMEZONE = "Asia/Kolkata"
# The cohort's candidates and their practice: one improving, one strong, one who stopped
# practising three weeks ago, one steady, one on HR only.
PLANS = [
    Plan(CANDIDATE, "software-engineer", ("technical", "hr", "mixed"), 7, 35, 1, (0.3, 0.85)),
    Plan("priya@demo.example.com", "data-scientist", ("technical", "mixed"), 8, 40, 2, (0.75, 0.95)),
    Plan("rahul@demo.example.com", "product-manager", ("technical", "hr"), 5, 20, 21, (0.35, 0.3)),
    Plan("ananya@demo.example.com", "software-engineer", ("technical", "mixed"), 6, 30, 4, (0.55, 0.7)),
    Plan("vikram@demo.example.com", "general", ("hr",), 5, 28, 3, (0.2, 0.6)),
]
NAMES = {CANDIDATE: "Chetan Candidate", "priya@demo.example.com": "Priya Sharma",
         "rahul@demo.example.com": "Rahul Verma", "ananya@demo.example.com": "Ananya Iyer",
         "vikram@demo.example.com": "Vikram Rao"}
ASSIGNMENT = "Placement drill: technical round"
ROLL_NUMBERS = {email: f"21CS10{n}" for n, email in enumerate(NAMES, start=1)}
JOIN_CODE = "CSE2027"  # self-registering candidates who give it join CSE 2027


def seed_demo(hasher: Callable[[str], str], base_url: str = "") -> Iterator[str]:
    """Seed what is missing, saying what was done; the logins are printed last, at
    ``base_url`` (where the demo is served, e.g. ``http://127.0.0.1:5000``)."""
    superadmins.ensure(SUPERADMIN, PASSWORD, "Demo super-admin", hasher)
    exists = platform_session.scalar(select(Tenant).where(Tenant.slug == "demo"))
    platform_session.remove()
    if exists is None:
        provisioning.create_tenant(
            provisioning.NewTenant("demo", "Demo College", ADMIN, PASSWORD, "Asha Admin"),
            hasher, actor="demo",
        )
        yield "tenant demo (Demo College) created"
    tenant = registry.by_slug("demo")
    with tenant_scope(tenant):
        session = tenant_session()
        people = [(MENTOR, "Meera Mentor", "mentor")] + [(e, n, "candidate") for e, n in NAMES.items()]
        password_hash = None
        for email, name, role in people:
            if accounts.find_by_email(session, email) is None:
                password_hash = password_hash or hasher(PASSWORD)
                accounts.create_user(session, email=email, full_name=name, roles=[role],
                                     password_hash=password_hash, confirmed=True,
                                     roll_number=ROLL_NUMBERS.get(email))
        cohort = session.scalar(select(Cohort).where(Cohort.name == "CSE 2027"))
        if cohort is None:
            cohort = Cohort(name="CSE 2027", batch="2023-2027", description="Computer science final years",
                            mentors=[accounts.find_by_email(session, MENTOR)], join_code=JOIN_CODE)
            session.add(cohort)
        for email in NAMES:
            if (candidate := accounts.find_by_email(session, email)) not in cohort.candidates:
                cohort.candidates.append(candidate)
        # A demo tenant made before starter banks existed gets one; one with any bank is left alone.
        added_bank = session.scalar(select(QuestionBank.id).limit(1)) is None
        if added_bank:
            seed_starter_bank(session)
        settings.save(session, {"registration_policy": "open", "timezone": TIMEZONE,
                                "locale": "en-IN",
                                "welcome_text": "Practise interviews before placement season."})
        session.commit()
        if added_bank:
            yield "starter question bank added to tenant demo"
        yield from seed_history(session, PLANS, accounts.find_by_email(session, MENTOR))
        if _assign(session, cohort):
            yield f"assignment {ASSIGNMENT!r} due in 3 days for CSE 2027"
    yield f"super-admin: {SUPERADMIN} / {PASSWORD} at {base_url}/admin/"
    for email, role in ((ADMIN, "tenant admin"), (MENTOR, "mentor"), (CANDIDATE, "candidate")):
        yield f"{role}: {email} / {PASSWORD} at {base_url}/t/demo/login"


def _assign(session, cohort: Cohort) -> bool:
    """The cohort's assignment due in three days (once): candidates see it on their dashboard."""
    if session.scalar(select(InterviewTemplate.id).where(InterviewTemplate.name == ASSIGNMENT)) is not None:
        return False
    mentor = accounts.find_by_email(session, MENTOR)
    template = InterviewTemplate(name=ASSIGNMENT, role="software-engineer", type="technical",
                                 difficulty="medium", num_questions=3, published=True, created_by=mentor.id)
    session.add(template)
    session.flush()
    due = (utcnow() + timedelta(days=3)).replace(hour=12, minute=30, second=0, microsecond=0)
    assignment = assignments.assign(session, mentor, template, cohort, due_at=due, attempt_limit=2)
    session.flush()
    notices.assignment_published(session, assignment, timezone=TIMEZONE)
    session.commit()
    return True

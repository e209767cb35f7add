"""Demo data for ``make demo``: tenant ``demo`` with one user per role (``aimi demo-data``
adds the super-admin). These logins exist only in demo data; re-running changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select

from aimi.platform.db import platform_session, tenant_scope, tenant_session
from aimi.platform.models import Tenant
from aimi.tenants import accounts, provisioning, registry, settings
from aimi.tenants.interview_models import QuestionBank
from aimi.tenants.models import Cohort
from aimi.tenants.starter_bank import seed_starter_bank

PASSWORD = "demo-pass-123"
SUPERADMIN = "root@aimi.example.com"
ADMIN = "admin@demo.example.com"
MENTOR = "mentor@demo.example.com"
CANDIDATE = "candidate@demo.example.com"


def seed_demo(hasher: Callable[[str], str]) -> Iterator[str]:
    """Create or complete tenant ``demo``; yield one line per thing done."""
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
        for email, name, role in ((MENTOR, "Meera Mentor", "mentor"),
                                  (CANDIDATE, "Chetan Candidate", "candidate")):
            if accounts.find_by_email(session, email) is None:
                accounts.create_user(session, email=email, full_name=name, roles=[role],
                                     password_hash=hasher(PASSWORD), confirmed=True)
        if session.scalar(select(Cohort).where(Cohort.name == "CSE 2027")) is None:
            session.add(Cohort(
                name="CSE 2027", batch="2023-2027", description="Computer science final years",
                mentors=[accounts.find_by_email(session, MENTOR)],
                candidates=[accounts.find_by_email(session, CANDIDATE)],
            ))
        # A demo tenant made before starter banks existed gets one; one with any bank is left alone.
        added_bank = session.scalar(select(QuestionBank.id).limit(1)) is None
        if added_bank:
            seed_starter_bank(session)
        settings.save(session, {"registration_policy": "open", "timezone": "Asia/Kolkata",
                                "locale": "en-IN",
                                "welcome_text": "Practise interviews before placement season."})
        session.commit()
    if added_bank:
        yield "starter question bank added to tenant demo"
    for email, role in ((ADMIN, "admin"), (MENTOR, "mentor"), (CANDIDATE, "candidate")):
        yield f"{role}: {email} / {PASSWORD} at /t/demo/login"

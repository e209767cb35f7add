"""Roll numbers through the real pages: an admin sets one on the user page (unique in the
college whatever its case, audited), the users list finds people by it, and the users CSV
import reads it (a clash is a row error, the other rows are kept)."""

from __future__ import annotations

import io
import re

from helpers import csrf_token, post_form, tag
from score_helpers import new_user
from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants.models import AuditLog, User


def roll_of(world, slug: str, user_id: int) -> str | None:
    with tenant_scope(world.tenants[slug]):
        return tenant_session.get(User, user_id).roll_number


def test_admin_sets_a_unique_roll_number(world):
    admin = world.login("alpha", "admin")
    first, _ = new_user(world, "alpha", name=f"Roll {tag()}")
    second, _ = new_user(world, "alpha", name=f"Roll {tag()}")
    roll = f"21CS{tag()}"
    page, action = f"/t/alpha/manage/users/{first}", f"/t/alpha/manage/users/{first}/roll-number"
    resp = post_form(admin, page, action, {"roll_number": f"  {roll} "})
    assert resp.status_code == 302 and roll_of(world, "alpha", first) == roll
    html = admin.get(page).get_data(as_text=True)
    assert f'id="roll-number">{roll}<' in html
    with tenant_scope(world.tenants["alpha"]):
        entry = tenant_session.scalar(select(AuditLog).where(AuditLog.action == "user.roll_number_changed",
                                                             AuditLog.target_id == str(first)))
        assert entry.details["changes"]["roll_number"] == ["", roll]

    # The same number in another case is taken: a clear error, nothing changed.
    other_page = f"/t/alpha/manage/users/{second}"
    clash = post_form(admin, other_page, f"{other_page}/roll-number", {"roll_number": roll.lower()})
    assert clash.status_code == 422
    assert "already belongs to" in clash.get_data(as_text=True)
    assert roll_of(world, "alpha", second) is None
    too_long = post_form(admin, other_page, f"{other_page}/roll-number", {"roll_number": "9" * 41})
    assert too_long.status_code == 422 and "40 characters or fewer" in too_long.get_data(as_text=True)

    found = admin.get(f"/t/alpha/manage/users?q={roll.lower()}").get_data(as_text=True)
    assert f"/manage/users/{first}\"" in found and f"/manage/users/{second}\"" not in found
    # Blank clears it.
    assert post_form(admin, page, action, {"roll_number": ""}).status_code == 302
    assert roll_of(world, "alpha", first) is None


def test_only_admins_set_roll_numbers(world):
    target, _ = new_user(world, "alpha")
    mentor = world.login("alpha", "mentor")
    token = csrf_token(mentor.get("/t/alpha/dashboard").get_data(as_text=True))
    resp = mentor.post(f"/t/alpha/manage/users/{target}/roll-number", data={"csrf_token": token,
                                                                         "roll_number": "X1"})
    assert resp.status_code == 403 and roll_of(world, "alpha", target) is None
    # Another college's admin reaches only their own users with this number.
    beta = world.login("beta", "admin")
    page = beta.get(f"/t/beta/manage/users/{target}")
    if page.status_code == 200:
        assert roll_of(world, "alpha", target) is None
    else:
        assert page.status_code == 404


def test_csv_import_reads_roll_numbers(world):
    admin = world.login("alpha", "admin")
    t = tag()
    taken = f"R{t}0"
    holder, holder_email = new_user(world, "alpha")
    with tenant_scope(world.tenants["alpha"]):
        tenant_session.get(User, holder).roll_number = taken
        tenant_session.commit()
    data = (f"email,full_name,role,cohort,roll_number\n"
            f"asha-{t}@example.com,Asha,candidate,,R{t}1\n"
            f"ravi-{t}@example.com,Ravi,candidate,,{taken.lower()}\n"
            f"meena-{t}@example.com,Meena,candidate,,\n")
    resp = post_form(admin, "/t/alpha/manage/users/import", "/t/alpha/manage/users/import",
                     {"file": (io.BytesIO(data.encode()), "users.csv")}, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    errors = re.search(r'id="import-errors".*?</table>', html, re.S).group(0)
    assert ">3<" in errors and "already belongs to" in errors
    created = re.search(r'id="import-created".*?</table>', html, re.S).group(0)
    assert f"R{t}1" in created
    with tenant_scope(world.tenants["alpha"]):
        rolls = dict(tenant_session.execute(select(User.email, User.roll_number)
                                            .where(User.email.like(f"%-{t}@example.com"))).all())
    assert rolls == {f"asha-{t}@example.com": f"R{t}1", f"meena-{t}@example.com": None}
    assert f"ravi-{t}@example.com" not in rolls and holder_email not in rolls
    sample = admin.get("/t/alpha/manage/users/import/sample.csv").get_data(as_text=True)
    assert sample.splitlines()[0] == "email,full_name,role,cohort,roll_number"

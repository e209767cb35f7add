"""/api/v1/cohorts: groups of candidates with their mentors. Admins manage them; a mentor
sees only the cohorts they mentor (others answer 404, as if they did not exist)."""

from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_security import current_user
from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters
from sqlalchemy.orm import Session

from aimi.platform.db import tenant_session
from aimi.tenants import audit, cohorts
from aimi.tenants.models import Cohort
from aimi.web.api.access import actor, allowed
from aimi.web.api.errors import blueprint
from aimi.web.api.paging import page_of
from aimi.web.api.schemas import CohortCreateSchema, CohortSchema, CohortUpdateSchema

blp = blueprint("api_cohorts", __name__, description="Cohorts of candidates and their mentors.")

# Member list field -> the cohort's group (its relationship; the role is the domain's rule)
MEMBER_FIELDS = {"candidate_ids": "candidates", "mentor_ids": "mentors"}
TEXT_FIELDS = ("name", "batch", "description")


def get_cohort(session: Session, cohort_id: int) -> Cohort:
    cohort = cohorts.visible_one(session, current_user, cohort_id)
    if cohort is None:
        abort(404, message=f"No cohort with id {cohort_id} in this college.")
    assert cohort is not None  # abort raised; flask-smorest does not type it NoReturn
    return cohort


def check(session: Session, data: dict, cohort: Cohort | None = None) -> dict[str, list]:
    """Resolve member ids to users and check the name; abort with every problem at once
    (so nothing is written) or return the members by relationship name."""
    errors: dict[str, list[str]] = {}
    if "name" in data and cohorts.name_taken(session, data["name"], cohort.id if cohort else None):
        errors["name"] = [f"A cohort named {data['name']!r} already exists."]
    members: dict[str, list] = {}
    for field, group in MEMBER_FIELDS.items():
        if field not in data:
            continue
        members[group], bad = cohorts.members(session, group, data[field])
        if bad:
            role = cohorts.GROUP_ROLES[group]
            errors[field] = [f"Not {role}s of this college: {', '.join(map(str, bad))}."]
    if errors:
        abort(422, message="Some fields are not valid; see errors.", errors=errors)
    return members


def snapshot(cohort: Cohort) -> dict:
    """The audited view of a cohort: its text fields and member ids."""
    state = {field: getattr(cohort, field) for field in TEXT_FIELDS}
    for field, group in MEMBER_FIELDS.items():
        state[field] = sorted(u.id for u in getattr(cohort, group))
    return state


def record(session: Session, action: str, cohort: Cohort, details: dict) -> None:
    audit.record(session, action, actor=actor(), target_type="cohort", target_id=cohort.id,
                 details=details, ip=request.remote_addr)


@blp.route("")
class Cohorts(MethodView):
    @allowed("admin", "mentor")
    @blp.response(200, CohortSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, pagination_parameters: PaginationParameters):
        """Cohorts, oldest first: all of them for admins, their own for mentors."""
        return page_of(tenant_session(), cohorts.visible_to(current_user), pagination_parameters)

    @allowed("admin")
    @blp.arguments(CohortCreateSchema)
    @blp.response(201, CohortSchema)
    def post(self, data: dict):
        """Create a cohort, optionally with its members."""
        session = tenant_session()
        members = check(session, data)
        cohort = Cohort(**{f: data.get(f, "") for f in TEXT_FIELDS}, **members)
        session.add(cohort)
        session.flush()
        record(session, "cohort.created", cohort, snapshot(cohort))
        session.commit()
        return cohort, 201, {"Location": url_for(".CohortItem", cohort_id=cohort.id)}


@blp.route("/<int:cohort_id>")
class CohortItem(MethodView):
    @allowed("admin", "mentor")
    @blp.response(200, CohortSchema)
    def get(self, cohort_id: int):
        """One cohort with its member ids."""
        return get_cohort(tenant_session(), cohort_id)

    @allowed("admin")
    @blp.arguments(CohortUpdateSchema)
    @blp.response(200, CohortSchema)
    def patch(self, data: dict, cohort_id: int):
        """Change fields; a member list replaces the current one."""
        session = tenant_session()
        cohort = get_cohort(session, cohort_id)
        members = check(session, data, cohort)
        before = snapshot(cohort)
        for field in TEXT_FIELDS:
            if field in data:
                setattr(cohort, field, data[field])
        for relation, users in members.items():
            setattr(cohort, relation, users)
        after = snapshot(cohort)
        changes = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
        if changes:
            record(session, "cohort.updated", cohort, changes)
            session.commit()
        return cohort

    @allowed("admin")
    @blp.response(204)
    def delete(self, cohort_id: int):
        """Delete a cohort; its members keep their accounts."""
        session = tenant_session()
        cohort = get_cohort(session, cohort_id)
        record(session, "cohort.deleted", cohort, snapshot(cohort))
        session.delete(cohort)
        session.commit()

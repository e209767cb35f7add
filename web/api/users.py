"""/api/v1/users: the college's accounts. Admins list, invite and change them; mentors
may list and read (to find their candidates), never change."""

from __future__ import annotations

from typing import NoReturn

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters
from sqlalchemy.orm import Session

from aimi.platform.db import tenant_session
from aimi.tenants import accounts, audit
from aimi.tenants.models import User
from aimi.web.api.access import actor, allowed
from aimi.web.api.errors import blueprint
from aimi.web.api.paging import page_of
from aimi.web.api.schemas import UserCreateSchema, UserQuerySchema, UserSchema, UserUpdateSchema
from aimi.web.portal.public import send_invitation

blp = blueprint("api_users", __name__, description="The college's accounts.")


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        abort(404, message=f"No user with id {user_id} in this college.")
    return user


def refuse(field: str, exc: accounts.AccountError) -> NoReturn:
    abort(422, message=str(exc), errors={field: [str(exc)]})


@blp.route("")
class Users(MethodView):
    @allowed("admin", "mentor")
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, query: dict, pagination_parameters: PaginationParameters):
        """Users, oldest first, filtered by ``q`` (part of the e-mail or name) and ``role``."""
        stmt = accounts.listing(query["q"] or "", query["role"] or "")
        return page_of(tenant_session(), stmt, pagination_parameters)

    @allowed("admin")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict):
        """Invite a user: the account is created without a password and an e-mail
        carries the link to choose one."""
        session = tenant_session()
        try:
            user, token = accounts.invite(session, email=data["email"], full_name=data["full_name"],
                                          roles=data["roles"], actor=actor())
        except accounts.AccountError as exc:
            refuse("email", exc)
        send_invitation(user, token)  # staged: mailed by a job once this commits
        session.commit()
        return user, 201, {"Location": url_for(".UserItem", user_id=user.id)}


@blp.route("/<int:user_id>")
class UserItem(MethodView):
    @allowed("admin", "mentor")
    @blp.response(200, UserSchema)
    def get(self, user_id: int):
        """One user."""
        return get_user(tenant_session(), user_id)

    @allowed("admin")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict, user_id: int):
        """Change roles, the active flag or the name; each change is audited."""
        session = tenant_session()
        user = get_user(session, user_id)
        try:
            if "roles" in data:
                accounts.set_roles(session, user, data["roles"], actor=actor())
        except accounts.AccountError as exc:
            refuse("roles", exc)
        try:
            if "active" in data and data["active"] != user.active:
                accounts.set_active(session, user, data["active"], actor=actor())
        except accounts.AccountError as exc:
            refuse("active", exc)
        if "full_name" in data and data["full_name"] != user.full_name:
            audit.record(session, "user.renamed", actor=actor(), target_type="user", target_id=user.id,
                         details={"before": user.full_name, "after": data["full_name"]},
                         ip=request.remote_addr)
            user.full_name = data["full_name"]
        session.commit()
        return user

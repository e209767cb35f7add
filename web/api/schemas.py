"""What the API reads and writes, as marshmallow schemas (they also make the OpenAPI document).

Input schemas reject unknown fields, so a typo in a field name is a 422 naming it rather
than a change silently ignored.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from aimi.platform.tenancy import current_tenant
from aimi.tenants.models import ROLE_NAMES
from aimi.web.flaskbase import MAX_ID

MEMBERS = "Ids of users of this college; the list replaces the current members."


class Text(fields.String):
    """A string with surrounding spaces removed before validation, so "  " is empty."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _ids() -> fields.List:
    """Ids of rows; beyond the databases' integers a lookup would be a 500, not a 422."""
    return fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
                       metadata={"description": MEMBERS})


def _role() -> fields.String:
    return fields.String(validate=validate.OneOf(ROLE_NAMES))


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(dump_only=True)
    full_name = fields.String(dump_only=True)
    roles = fields.List(fields.String(), attribute="role_names", dump_only=True)
    active = fields.Boolean(dump_only=True)
    confirmed = fields.Function(lambda user: user.confirmed_at is not None,
                                metadata={"type": "boolean"})
    two_factor = fields.Function(lambda user: bool(user.tf_primary_method),
                                 metadata={"type": "boolean",
                                           "description": "Two-factor sign-in is set up."})
    created_at = fields.DateTime(dump_only=True)
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)


class MeSchema(UserSchema):
    tenant = fields.Function(lambda _user: current_tenant().slug,
                             metadata={"type": "string", "description": "The college's slug."})


class UserQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "Part of an e-mail address or name."})
    role = fields.String(load_default=None, validate=validate.OneOf(ROLE_NAMES))


class UserCreateSchema(Schema):
    email = fields.Email(required=True)
    full_name = Text(load_default="", validate=validate.Length(max=120))
    roles = fields.List(_role(), load_default=lambda: ["candidate"],
                        validate=validate.Length(min=1))


class UserUpdateSchema(Schema):
    full_name = Text(validate=validate.Length(max=120))
    roles = fields.List(_role(), validate=validate.Length(min=1))
    active = fields.Boolean()


class UserIdSchema(Schema):
    id = fields.Integer()


class CohortSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    batch = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    candidate_ids = fields.Pluck(UserIdSchema, "id", many=True, attribute="candidates", dump_only=True)
    mentor_ids = fields.Pluck(UserIdSchema, "id", many=True, attribute="mentors", dump_only=True)


class CohortUpdateSchema(Schema):
    name = Text(validate=validate.Length(min=1, max=120))
    batch = Text(validate=validate.Length(max=40))
    description = Text(validate=validate.Length(max=2000))
    candidate_ids = _ids()
    mentor_ids = _ids()


class CohortCreateSchema(CohortUpdateSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=120))

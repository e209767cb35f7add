"""Candidates' data rights through the API: a candidate asks for and downloads their own
export (``tenants.data_export``); an admin erases a candidate (``tenants.erasure``), the
candidate's e-mail given again as confirmation, as on the page."""

from __future__ import annotations

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields

from aimi.platform.db import tenant_session
from aimi.tenants import data_export, erasure
from aimi.web.api.access import actor, allowed
from aimi.web.api.errors import blueprint
from aimi.web.api.schemas import Text
from aimi.web.api.users import get_user

blp = blueprint("api_data_rights", __name__,
                description="A candidate's copy of their data; an admin's erasure of a candidate.")


class ExportSchema(Schema):
    id = fields.String(attribute="job_id", dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "queued, running, done or failed"})
    requested_at = fields.DateTime(dump_only=True)
    expires_at = fields.DateTime(dump_only=True, allow_none=True)
    size = fields.Integer(dump_only=True, allow_none=True)


class ErasureRequestSchema(Schema):
    confirm_email = Text(required=True, metadata={"description": "The candidate's e-mail address."})


class ErasureSchema(Schema):
    recordings = fields.Integer()
    answers = fields.Integer()
    exports = fields.Integer()
    notifications = fields.Integer()


def _export(job_id: str) -> data_export.Export:
    found = next((export for export in data_export.exports_of(tenant_session(), actor())
                  if export.job_id == job_id), None)
    if found is None:
        abort(404, message="There is no such export of your data, or it expired.")
    assert found is not None  # abort raised; flask-smorest does not type it NoReturn
    return found


@blp.route("/me/exports")
class Exports(MethodView):
    @allowed("candidate")
    @blp.response(200, ExportSchema(many=True))
    def get(self):
        """Your exports that have not expired, newest first."""
        return data_export.exports_of(tenant_session(), actor())

    @allowed("candidate")
    @blp.response(202, ExportSchema)
    def post(self):
        """Ask for a zip of all your data; poll the returned item, then download it."""
        session = tenant_session()
        job = data_export.request_export(session, actor())
        session.commit()
        return _export(job.id), 202, {"Location": url_for(".ExportItem", job_id=job.id)}


@blp.route("/me/exports/<string:job_id>")
class ExportItem(MethodView):
    @allowed("candidate")
    @blp.response(200, ExportSchema)
    def get(self, job_id: str):
        """One export's state; when done, ``/download`` has the zip."""
        return _export(job_id)


@blp.route("/me/exports/<string:job_id>/download")
class ExportDownload(MethodView):
    @allowed("candidate")
    @blp.doc(responses={"200": {"description": "The zip.", "content": {"application/zip": {}}}})
    def get(self, job_id: str):
        """The zip of a finished export, for its owner only, for a week."""
        try:
            data = data_export.download(tenant_session(), actor(), job_id)
        except data_export.ExportNotFound:
            abort(404, message="There is no such finished export of your data, or it expired.")
        return Response(data, mimetype="application/zip", headers={
            "Content-Disposition": "attachment; filename=my-aimi-data.zip",
            "Cache-Control": "private, no-store"})


@blp.route("/users/<int:user_id>/erasure")
class Erasure(MethodView):
    @allowed("admin")
    @blp.arguments(ErasureRequestSchema)
    @blp.response(200, ErasureSchema)
    def post(self, data: dict, user_id: int):
        """Erase a candidate: audio, transcripts and texts go, scores stay anonymous."""
        session = tenant_session()
        user = get_user(session, user_id)
        try:
            erasure.check(user, actor())
        except erasure.ErasureError as exc:
            abort(409, message=str(exc))
        if data["confirm_email"].lower() != user.email.lower():
            abort(422, message="Give the candidate's e-mail address to confirm.",
                  errors={"confirm_email": ["Does not match the candidate's e-mail address."]})
        counts = erasure.erase(session, user, actor(), ip=request.remote_addr)
        session.commit()
        return counts

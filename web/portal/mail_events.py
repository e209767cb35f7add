"""SendGrid's Event Webhook for one college (``/t/<slug>/webhooks/sendgrid``): signed
events (ECDSA, checked with the key the college saved in the SendGrid plugin) add bounced,
spam-reporting and unsubscribed addresses to the college's suppression list. A request
signed too long ago, or received already, is refused (400): a replay must not undo an
admin's "Mail again"."""

from __future__ import annotations

import json

from flask import Blueprint, Flask, abort, request
from flask.typing import ResponseReturnValue

from aimi.integrations import sendgrid_mail
from aimi.platform.db import tenant_session
from aimi.platform.tenancy import current_tenant
from aimi.plugins import settings as plugin_settings
from aimi.tenants import suppressions
from aimi.web import webhook_replay

bp = Blueprint("mail_events", __name__, url_prefix="/webhooks")
PLUGIN = "sendgrid_mail"


@bp.post("/sendgrid")
def sendgrid_events() -> ResponseReturnValue:
    session = tenant_session()
    state = plugin_settings.load(session).get(PLUGIN)
    key = state.options.get("webhook_key", "") if state and state.enabled else ""
    payload, headers = request.get_data(), request.headers
    signature = headers.get(sendgrid_mail.SIGNATURE_HEADER, "")
    timestamp = headers.get(sendgrid_mail.TIMESTAMP_HEADER, "")
    if not sendgrid_mail.verify_event_webhook(key, payload, signature, timestamp):
        abort(403, "The event signature does not match this college's SendGrid verification key.")
    try:
        webhook_replay.accept_once(current_tenant().slug, timestamp, signature)
    except webhook_replay.StaleRequest as exc:
        abort(400, str(exc))
    try:
        events = json.loads(payload)
    except ValueError:
        abort(400, "The events are not JSON.")
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        abort(400, "The events must be a JSON list of objects.")
    added = suppressions.record_events(session, events, current_tenant().slug)
    session.commit()
    return {"suppressed": added}, 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

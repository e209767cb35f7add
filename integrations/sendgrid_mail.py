"""SendGrid delivery (v3 mail send, the official ``sendgrid`` client), when the college
sets its API key; otherwise it passes the message on (returns None) to SMTP or the outbox.

429 and 5xx answers may work later (retried with back-off); any other 4xx is a refusal,
reported with SendGrid's own error messages.
"""

from __future__ import annotations

import json
import os

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.mail import CustomArg, Header, Mail

from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import DeliveryError, Message, OptionSpec, PluginContext

API_HOST = "https://api.sendgrid.com"
TENANT_ARG = "aimi_tenant"
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
# Where the client connects is platform configuration (a test endpoint, a regional host),
# never a college's option: a tenant must not aim server-side requests anywhere.
API_HOST_ENV = "AIMI_SENDGRID_API_HOST"


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    return {
        "api_key": OptionSpec(str, "", "The college's SendGrid API key (empty: SMTP or the outbox).",
                              secret=True),
        "sender": OptionSpec(str, "", "A sender verified in SendGrid (empty: the platform's sender)."),
        "webhook_key": OptionSpec(str, "", "The Event Webhook's verification key (Mail Settings, "
                                           "Signed Event Webhook); empty: events are refused."),
    }


@hookimpl
def aimi_send_message(message: Message, context: PluginContext) -> str | None:
    options = context.options
    if not options.get("api_key"):
        return None
    sender = message.sender or options.get("sender") or context.platform.mail_sender
    mail = Mail(from_email=sender, to_emails=message.to, subject=message.subject,
                plain_text_content=message.body or " ", html_content=message.html)
    for name, value in message.headers:
        mail.add_header(Header(name, value))
    if context.tenant:  # echoed in the message's webhook events
        mail.add_custom_arg(CustomArg(TENANT_ARG, context.tenant))
    client = SendGridAPIClient(api_key=options["api_key"], host=os.environ.get(API_HOST_ENV) or API_HOST)
    try:
        response = client.send(mail)
    except HTTPError as exc:
        status = exc.status_code
        raise DeliveryError(f"SendGrid {status}: {_errors(exc.body)}",
                            retry=status == 429 or status >= 500) from exc
    except OSError as exc:
        raise DeliveryError(f"SendGrid unreachable: {exc}", retry=True) from exc
    return response.headers.get("X-Message-Id") or f"sendgrid-{response.status_code}"


def _errors(body: bytes | str) -> str:
    """SendGrid's error messages (``{"errors": [{"message": ...}]}``), else the raw body."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else str(body)
    try:
        return "; ".join(error.get("message", "") for error in json.loads(text)["errors"]) or text
    except (ValueError, KeyError, TypeError, AttributeError):
        return text[:500]


def verify_event_webhook(public_key: str, payload: bytes, signature: str, timestamp: str) -> bool:
    """Whether an Event Webhook request was signed by the holder of ``public_key`` (the
    base64 key SendGrid shows), checked by the ``sendgrid`` package's own helper."""
    if not (public_key and signature and timestamp):
        return False
    try:
        webhook = EventWebhook(public_key)
        return webhook.verify_signature(payload.decode(), signature, timestamp)
    except (ValueError, TypeError, UnicodeDecodeError):  # a malformed key, signature or body
        return False

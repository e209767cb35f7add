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
    return _send(options["api_key"], mail)


# v3 mail send: at most 1000 personalizations a request, and under 10,000 bytes of
# substitutions in each.
BATCH = 1000
SUBSTITUTIONS_LIMIT = 10_000
TEXT, HTML = "-aimi-text-", "-aimi-html-"


@hookimpl
def aimi_send_messages(messages: list[Message], context: PluginContext) -> list[str] | None:
    """A cohort's mails in requests of up to 1000 personalizations: each recipient's own
    subject, headers (their unsubscribe link) and text, the latter as substitutions of the
    request's one content. None (each sent alone) for mails too large to substitute."""
    options = context.options
    if not options.get("api_key") or not all(_fits(message) for message in messages):
        return None
    sender = options.get("sender") or context.platform.mail_sender
    ids: list[str] = []
    for start in range(0, len(messages), BATCH):
        chunk = messages[start:start + BATCH]
        body = {"from": {"email": sender},
                "content": [{"type": "text/plain", "value": TEXT}, {"type": "text/html", "value": HTML}],
                "personalizations": [_personalization(message) for message in chunk]}
        if context.tenant:
            body["custom_args"] = {TENANT_ARG: context.tenant}
        response = _send(options["api_key"], body)
        ids += [f"{response}.{n}" for n in range(len(chunk))]
    return ids


def _fits(message: Message) -> bool:
    return (not message.sender and message.html is not None
            and len((message.body + message.html).encode()) < SUBSTITUTIONS_LIMIT - 100)


def _personalization(message: Message) -> dict:
    found = {"to": [{"email": message.to}], "subject": message.subject,
             "substitutions": {TEXT: message.body, HTML: message.html}}
    if message.headers:
        found["headers"] = dict(message.headers)
    return found


def _send(api_key: str, mail: Mail | dict) -> str:
    """One v3 mail send; returns SendGrid's message id. 429 and 5xx may work later."""
    client = SendGridAPIClient(api_key=api_key, host=os.environ.get(API_HOST_ENV) or API_HOST)
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

"""A notification's e-mail as its college sends it: an HTML part in the college's colours,
with its name and logo, and a plain-text part saying the same, for every kind.

Everything a mail shows of a college comes from that college's own settings (read in
the job, in the tenant's schema), so one college's name, logo or colour never reaches
another's mail. Non-essential mail ends with the one-click unsubscribe link and a link
to the notification settings; essential mail (account, invitation) cannot be stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from aimi.tenants import settings as tenant_settings

URL_RE = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Branding:
    name: str
    logo_url: str  # absolute, or empty
    accent_color: str
    primary_color: str
    portal_url: str


@dataclass(frozen=True)
class Footer:
    """The links that end a non-essential mail; empty for essential mail."""

    stop_url: str = ""
    settings_url: str = ""


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def branding(session: Session, portal_url: str, public_url: str) -> Branding:
    """The college's branding from its settings; a logo given as a path is made absolute."""
    chosen = tenant_settings.load(session)
    logo = chosen.logo_url
    if logo.startswith("/"):
        logo = f"{public_url}{logo}"
    return Branding(chosen.display_name, logo, chosen.accent_color, chosen.primary_color, portal_url)


def render(brand: Branding, *, title: str, body: str, link: str = "", html: str | None = None,
           footer: Footer = Footer()) -> Mail:
    """The mail of one notification. ``body`` is its plain text (links written out);
    ``html``, when the sender wrote its own (Flask-Security's mails), is used as the
    HTML part's content instead of ``body``; ``link`` is a portal path for the button."""
    button = f"{brand.portal_url}{link}" if link else ""
    content = Markup(html) if html else _paragraphs(body)  # noqa: S704 (our own senders' HTML)
    text = body.rstrip() + "\n"
    if link and link not in body:  # the cause wrote no address (made outside a request)
        text += f"\n{button}\n"
    text += f"\n-- \n{brand.name}\n"
    if footer.stop_url:
        text += (f"Stop e-mails like this one: {footer.stop_url}\n"
                 f"Choose how {brand.name} notifies you: {footer.settings_url}\n")
    page = render_template("mail/notification.html", brand=brand, title=title, content=content,
                           button=button, footer=footer)
    return Mail(title, text, page)


def _paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs, each address a link (everything else escaped)."""
    parts = []
    for block in re.split(r"\n\s*\n", text.strip()):
        pieces, last = [], 0
        for found in URL_RE.finditer(block):
            pieces += [escape(block[last:found.start()]),
                       Markup('<a href="{0}">{0}</a>').format(found.group(0))]
            last = found.end()
        pieces.append(escape(block[last:]))
        parts.append(Markup("<p>{}</p>").format(Markup("").join(pieces).replace("\n", Markup("<br>"))))
    return Markup("\n").join(parts)

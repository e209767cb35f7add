"""Tenant admin: each kind of notification e-mail as the college's members receive it
(HTML and plain text), rendered with the college's current branding.

The HTML part is served from a route of its own into a sandboxed frame: mail needs inline
styles (mail clients ignore style sheets), which the portal's policy forbids, so that one
response carries a policy allowing inline styles and nothing that runs."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_security import current_user

from aimi.platform.db import tenant_session
from aimi.platform.tenancy import current_tenant
from aimi.tenants import branded_mail, mail_samples
from aimi.tenants.notifications import KINDS
from aimi.web.portal.manage import admin_view, bp

# Inline styles and images only: no script, plugin, form, font or connection; the frame's
# sandbox is repeated here so the mail is inert even when opened outside the frame.
MAIL_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' http: https: data:; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox")


def _sample_mail(kind: str) -> branded_mail.Mail:
    """The example mail of ``kind`` in this college's branding; 404 for an unknown kind."""
    if kind not in KINDS:
        abort(404, f"There is no kind of notification called {kind!r}.")
    settings = current_app.extensions["aimi_settings"]
    portal = f"{settings.public_url}/t/{current_tenant().slug}"
    brand = branded_mail.branding(tenant_session(), portal, settings.public_url)
    example = mail_samples.sample(kind, name=current_user.display_name, college=brand.name)
    footer = (branded_mail.Footer() if KINDS[kind].essential else
              branded_mail.Footer(f"{portal}/notifications/unsubscribe/example",
                                  f"{portal}/notifications/settings"))
    return branded_mail.render(brand, title=example.title, body=example.body, link=example.link,
                               footer=footer)


@bp.get("/mail-preview", endpoint="mail_preview")
@bp.get("/mail-preview/<kind>", endpoint="mail_preview")
@admin_view
def mail_preview(kind: str = "assignment_published") -> ResponseReturnValue:
    mail = _sample_mail(kind)
    return render_template("manage/mail_preview.html", kinds=KINDS, kind=kind, mail=mail)


@bp.get("/mail-preview/<kind>/mail", endpoint="mail_preview_html")
@admin_view
def mail_preview_html(kind: str) -> ResponseReturnValue:
    """The HTML part alone, for the preview page's sandboxed frame."""
    response = make_response(_sample_mail(kind).html)
    response.headers["Content-Security-Policy"] = MAIL_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response

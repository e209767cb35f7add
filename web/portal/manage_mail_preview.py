"""Tenant admin: each kind of notification e-mail as the college's members receive it
(HTML and plain text), rendered with the college's current branding."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_security import current_user

from aimi.platform.db import tenant_session
from aimi.platform.tenancy import current_tenant
from aimi.tenants import branded_mail, mail_samples
from aimi.tenants.notifications import KINDS
from aimi.web.portal.manage import admin_view, bp


@bp.get("/mail-preview", endpoint="mail_preview")
@bp.get("/mail-preview/<kind>", endpoint="mail_preview")
@admin_view
def mail_preview(kind: str = "assignment_published") -> ResponseReturnValue:
    if kind not in KINDS:
        abort(404, f"There is no kind of notification called {kind!r}.")
    settings = current_app.extensions["aimi_settings"]
    portal = f"{settings.public_url}/t/{current_tenant().slug}"
    brand = branded_mail.branding(tenant_session(), portal, settings.public_url)
    example = mail_samples.sample(kind, name=current_user.display_name, college=brand.name)
    footer = (branded_mail.Footer() if KINDS[kind].essential else
              branded_mail.Footer(f"{portal}/notifications/unsubscribe/example",
                                  f"{portal}/notifications/settings"))
    mail = branded_mail.render(brand, title=example.title, body=example.body, link=example.link,
                               footer=footer)
    return render_template("manage/mail_preview.html", kinds=KINDS, kind=kind, mail=mail)

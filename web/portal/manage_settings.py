"""Tenant admin: branding, time zone, locale, the self-registration policy and voice answers.

``aimi.tenants.settings`` owns every rule; the form only carries values to it and shows
each field's error beside the field.
"""

from __future__ import annotations

from dataclasses import asdict
from zoneinfo import available_timezones

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import (
    ColorField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from aimi.platform.db import tenant_session
from aimi.plugins.manager import get_manager
from aimi.tenants import retention
from aimi.tenants import settings as tenant_settings
from aimi.web.portal.manage import admin_view, bp, record, strip

POLICY_LABELS = {
    "closed": "Closed: people join only when an admin invites them",
    "invite_code": "Invite code: anyone with the code can create an account",
    "email_domain": "E-mail domain: anyone with an address at an allowed domain",
    "open": "Open: anyone can create an account",
}
SECRET_FIELDS = ("invite_code",)


class SettingsForm(FlaskForm):
    """Field names are the setting keys, so values pass straight to ``settings.save``."""

    display_name = StringField("Display name", filters=[strip],
                               description="Your college's name as candidates see it.")
    logo_url = StringField("Logo URL", filters=[strip],
                           description="An https:// address or a path starting with /; empty for none.")
    primary_color = ColorField("Primary colour")
    accent_color = ColorField("Accent colour")
    timezone = SelectField("Time zone", choices=sorted(available_timezones()), validate_choice=False,
                           description="Every date and time in your portal is shown in this zone.")
    locale = StringField("Locale", filters=[strip], description="For example en, en-IN or en-US.")
    registration_policy = RadioField("Who can create an account", validate_choice=False,
                                     choices=[SelectChoice(*item) for item in POLICY_LABELS.items()])
    invite_code = StringField("Invite code", filters=[strip],
                              description="Used with the invite-code policy; at least 6 characters.")
    allowed_email_domains = StringField(
        "Allowed e-mail domains", filters=[strip],
        description="Used with the e-mail-domain policy; separate domains with commas, "
                    "e.g. college.edu, students.college.edu.")
    welcome_text = TextAreaField("Welcome text", filters=[strip],
                                 description="Shown on your portal's front page (up to 2000 characters).")
    speech_provider = SelectField(
        "Speech-to-text provider", validate_choice=False,
        description="whisper (the default, most accurate) and pocketsphinx (lighter, less accurate) run "
                    "on our servers; google needs its key on the Plugins page.")
    speech_language = StringField("Speech language", filters=[strip],
                                  description="The accent candidates speak, e.g. en-IN, en-US or en-GB.")
    max_recording_seconds = IntegerField("Longest voice answer (seconds)",
                                         description="From 30 to 600; the recorder stops at this length.")
    recording_policy = TextAreaField("Recording policy", filters=[strip],
                                     description="Candidates read and accept this before their first "
                                                 "recording; changing it asks them again.")
    audio_retention_days = IntegerField(
        "Keep audio for (days)",
        description="From 1 to 3650. Older audio is deleted; transcripts and scores stay.")
    typing_allowance_percent = IntegerField(
        "Extra time for typing an answer (%)",
        description=f"From 0 to {tenant_settings.MAX_TYPING_ALLOWANCE}: added to every question's time "
                    "limit, which is set for saying the answer. Typing on a phone takes far longer; 100 "
                    "doubles the time.")
    inactive_account_years = SelectField(
        "Erase unused candidate accounts after", coerce=int, validate_choice=False,
        choices=[(0, "Never")] + [(n, f"{n} year{'s' if n > 1 else ''} without activity")
                                  for n in tenant_settings.INACTIVE_YEARS if n],
        description="A candidate who has not used their account for this long is mailed the day it "
                    f"will be erased, {retention.WARN_DAYS} days ahead (signing in keeps it), then "
                    "erased as if an admin had done it (scores stay, anonymous); the audit log records it.")


def _audit_diff(diff: dict) -> dict:
    """The diff for the audit log, without secrets the log's readers need not see."""
    return {key: "changed" if key in SECRET_FIELDS else values for key, values in diff.items()}


@bp.route("/settings", methods=["GET", "POST"])
@admin_view
def settings() -> ResponseReturnValue:
    current = asdict(g.tenant_settings)
    current["allowed_email_domains"] = ", ".join(current["allowed_email_domains"])
    form = SettingsForm(data=current)
    form.speech_provider.choices = list(get_manager().providers("aimi_transcribe_audio"))
    if form.validate_on_submit():
        session = tenant_session()
        try:
            _saved, diff = tenant_settings.save(
                session, {key: form[key].data for key in tenant_settings.FIELD_NAMES if key in form})
        except tenant_settings.SettingsError as exc:
            for key, message in exc.errors.items():
                (form[key].errors if key in form else form.form_errors).append(message)
        else:
            if diff:
                record(session, "settings.changed", target_type="settings",
                       details={"changes": _audit_diff(diff)})
                session.commit()
                flash("Settings saved.", "success")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for("manage.settings"))
    return render_template("manage/settings.html", form=form), 422 if form.errors else 200

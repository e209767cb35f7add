"""The subjects of the account e-mails Flask-Security writes (confirmation, password
reset, notices), each naming the college: "Confirm your account at Demo College" says who
writes where "Please confirm your email" did not."""

from __future__ import annotations

# Flask-Security's template names; the portal always asks new accounts to confirm, so
# its welcome mail is the confirmation.
SUBJECTS = {
    "welcome": "Confirm your account at {college}",
    "confirmation_instructions": "Confirm your account at {college}",
    "welcome_existing": "Your account at {college}",
    "welcome_existing_username": "Your account at {college}",
    "reset_instructions": "Reset your password at {college}",
    "reset_notice": "Your password at {college} was reset",
    "change_notice": "Your password at {college} was changed",
    "change_email_instructions": "Confirm your new e-mail address at {college}",
    "two_factor_instructions": "Your sign-in code for {college}",
    "two_factor_rescue": "Two-factor sign-in help for {college}",
    "us_instructions": "Your sign-in code for {college}",
    "login_instructions": "Sign in to {college}",
}


def subject(template: str, college: str, default: str) -> str:
    """The subject of Flask-Security's ``template`` mail for ``college``; a mail this
    list does not know keeps Flask-Security's words, after the college's name. The
    template is named with or without its folder (``security/email/welcome``)."""
    name = template.rsplit("/", 1)[-1]
    return SUBJECTS.get(name, "{college}: {default}").format(college=college, default=default)

"""The one password policy: at least 10 characters and hard to guess by zxcvbn's estimate.

Flask-Security applies it to sign-up, reset and change (``aimi.web.security``); provisioning
applies it to the first admin's password, which is set without a Flask request.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn's 0-4: "safely unguessable" against an online attack and more
ADVICE = ("Choose at least 10 characters that are hard to guess: three or four uncommon "
          "words joined together (e.g. river-lantern-copper-42) work well. Avoid common "
          "passwords, names, dates and repeated or sequential characters.")


def weakness(password: str, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is refused, ending with what to choose instead; None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"The password is shorter than {MIN_LENGTH} characters. {ADVICE}"
    estimate = zxcvbn(password[:100], user_inputs=[i for i in user_inputs if i])
    if estimate["score"] >= MIN_SCORE:
        return None
    warning = estimate["feedback"].get("warning") or "This password is easy to guess."
    return f"{warning.rstrip('.')}. {ADVICE}"

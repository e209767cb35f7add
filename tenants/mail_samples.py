"""What each kind of notification looks like, for the admins' preview of their college's
mail: a made-up example per kind, in the words the real notices use."""

from __future__ import annotations

from dataclasses import dataclass

from aimi.tenants import account_mail, digests


@dataclass(frozen=True)
class Sample:
    title: str
    body: str
    link: str = ""


def sample(kind: str, *, name: str, college: str) -> Sample:
    """The example of ``kind`` addressed to ``name``; KeyError for an unknown kind."""
    hello = f"Hello {name},\n\n"
    mentor = digests.mentor_text(name, digests.MentorDigest(7, [
        digests.Progress("Software engineer mock", "CSE 2026", 41, 58),
        digests.Progress("HR round practice", "MBA 2026", 12, 30)]))
    admin = digests.admin_text(name, "the week of 23 Nov 2026", digests.Usage(184, 152, 96, 61))
    samples = {
        "account": Sample(account_mail.subject("confirmation_instructions", college, ""),
                          f"{hello}Confirm your e-mail address to finish your account at {college}."),
        "invitation": Sample(f"Your invitation to {college}",
                             f"{hello}Your placement cell invited you to {college} on aimi. Choose your "
                             f"password with the link in this e-mail; it works once."),
        "retention_warning": Sample(f"Your account at {college} will be erased on 16 January 2027",
                                    f"{hello}You have not used your account at {college} since 16 December "
                                    f"2024. {college} keeps unused candidate accounts for 2 years, so on 16 "
                                    f"January 2027 your account will be erased. To keep your account, sign "
                                    f"in before 16 January 2027: signing in is all it takes.", "/login"),
        "assignment_published": Sample("New assignment: Software engineer mock",
                                       f"{hello}Software engineer mock was assigned to your cohort CSE 2026; "
                                       f"it is due in three days. Start it from your dashboard.",
                                       "/dashboard"),
        "assignment_due": Sample("Due soon: Software engineer mock",
                                 f"{hello}Software engineer mock is due tomorrow and you have not "
                                 f"finished it yet.", "/dashboard"),
        "assignment_overdue": Sample("Overdue: Software engineer mock",
                                     f"{hello}Software engineer mock was due yesterday and you have not "
                                     f"finished it.", "/dashboard"),
        "review_finished": Sample("Your answer was reviewed",
                                  f"{hello}Your mentor finished reviewing your answer to question 2. Their "
                                  f"scores and comment are in your report.", "/interviews"),
        "report_ready": Sample("Your interview report is ready",
                               f"{hello}Every answer of your interview is scored.", "/interviews"),
        "announcement": Sample("Placement drive on Friday",
                               f"{hello}Infosys visits on Friday morning in the main hall. Bring two "
                               f"copies of your CV.\n\n-- Placement cell"),
        "data_export": Sample("Your data export is ready",
                              f"{hello}The copy of your data you asked for is ready to download.",
                              "/account/data"),
        "digest_mentor": Sample(*mentor, "/review/"),
        "digest_admin": Sample(*admin, "/analytics/"),
    }
    return samples[kind]

"""End to end in Debian's Chromium (Playwright, no downloaded browser): a candidate
registers and takes an adaptive interview through to its report, a mentor overrides a
score, an admin imports a question CSV with a bad row.

The pages are driven by their labels and roles, so a control without an accessible name
fails these tests too. SQLite world only: the browser adds nothing a second backend would
check. A missing Chromium skips loudly, or fails under AIMI_TEST_REQUIRE_SERVICES=1."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from e2e_helpers import in_tenant, live_server, mailed_link, new_page, open_nav, sign_in
from helpers import PASSWORD, tag
from playwright.sync_api import Page, expect
from score_helpers import answer_report, new_cohort, new_user, scored_interview
from sqlalchemy import select

from aimi.platform.timeutil import utcnow
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Interview, InterviewAnswer, MentorReview, Question, QuestionBank
from aimi.tenants.interviews import GRACE_SECONDS

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
QUESTIONS = 3


@pytest.fixture(scope="module")
def base_url(world) -> Iterator[str]:
    with live_server(world.app) as url:
        yield url


@pytest.fixture
def page(browser, base_url, request, tmp_path) -> Iterator[Page]:
    """A fresh browser context per test; a failed test leaves a screenshot in tmp_path."""
    failed_before = request.session.testsfailed
    page = new_page(browser, base_url)
    yield page
    if request.session.testsfailed > failed_before:
        page.screenshot(path=tmp_path / "failure.png", full_page=True)
        print(f"screenshot of the failure: {tmp_path / 'failure.png'}")
    page.context.close()


# -- 1. A candidate, from registration to the report -----------------------------------------


def _answer_at(session, interview_id: int, position: int) -> InterviewAnswer:
    return session.scalar(select(InterviewAnswer).where(InterviewAnswer.interview_id == interview_id,
                                                        InterviewAnswer.position == position))


def _reference(session, interview_id: int, position: int) -> tuple[str, str]:
    """The shown question's reference answer (the starter bank's), and its difficulty."""
    answer = _answer_at(session, interview_id, position)
    return answer.question.reference_answers[0], answer.difficulty


def test_candidate_registers_takes_an_adaptive_interview_and_reads_the_report(world, page, tmp_path):
    slug = f"e2e-{tag()}"
    ref = world.new_tenant(slug, "E2E College")
    in_tenant(ref, lambda session: tenant_settings.save(session, {"registration_policy": "open"}))
    address = f"student-{tag()}@example.com"

    page.goto(f"/t/{slug}/register")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Full name").fill("Asha Student")
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_label("Retype password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("click on the link in the email")
    expect(page.get_by_role("banner").get_by_role("link", name="E2E College")).to_have_attribute(
        "href", f"/t/{slug}/")
    page.goto(mailed_link(world.settings.instance_path / "outbox" / slug, address, "/confirm/"))
    page.get_by_role("button", name="Confirm my account").click()  # opening the link alone confirms nothing
    expect(page.get_by_text("Your email has been confirmed")).to_be_visible()
    sign_in(page, slug, address)

    open_nav(page, "Practice")
    page.get_by_label("Job role").select_option("software-engineer")
    page.get_by_label("Technical", exact=True).check()
    page.get_by_label("Adaptive").check()
    page.get_by_label("Number of questions").fill(str(QUESTIONS))
    page.get_by_role("button", name="Start the interview").click()

    box = page.get_by_label("Your answer")
    difficulties = []
    for number in range(1, QUESTIONS + 1):
        expect(page.get_by_role("heading", name=f"Question {number} of {QUESTIONS}")).to_be_visible()
        interview_id = int(re.search(r"/interviews/(\d+)$", page.url).group(1))
        reference, difficulty = in_tenant(ref, lambda s, i=interview_id, n=number: _reference(s, i, n - 1))
        difficulties.append(difficulty)
        if number == 1:
            half = reference[: len(reference) // 2]
            box.press_sequentially(half)
            expect(page.locator("#iv-save")).to_have_text(re.compile(r"^Saved \d{1,2}:\d{2}$"))
            assert in_tenant(ref, lambda s, i=interview_id: _answer_at(s, i, 0).text) == half
            page.evaluate("window.localStorage.clear()")  # the server's copy alone must bring it back
            page.reload()
            expect(box).to_have_value(half)
            box.press("Control+End")
            box.press_sequentially(reference[len(half):])
            expect(box).to_have_value(reference)
        else:
            box.fill(reference)
        page.get_by_role("button", name="Submit answer").click()

    # Adaptive: starts easy, and reference answers score well above the step-up mark.
    assert difficulties == ["easy", "medium", "hard"]
    expect(page.get_by_role("heading", name="Interview report")).to_be_visible()
    status, report = in_tenant(ref, lambda s: (s.get(Interview, interview_id).status,
                                               s.get(Interview, interview_id).report))
    assert status == "scored"
    expect(page.locator(".iv-overall")).to_have_text(f"{report['overall']:.0f}/100")
    dimensions = page.get_by_role("table", name="Mean score per dimension, out of 100")
    for name, value in report["dimensions"].items():
        row = dimensions.get_by_role("row", name=re.compile(rf"^{name.capitalize()}\b"))
        expect(row.get_by_role("cell").first).to_have_text(f"{value:.0f}")
    assert {"content", "structure", "language"} <= set(report["dimensions"])
    marks = page.locator(".iv-text mark.ev--covered")
    expect(marks.first).to_be_visible()
    assert marks.count() >= QUESTIONS
    page.screenshot(path=tmp_path / "report.png", full_page=True)

    open_nav(page, "Dashboard")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)


# -- 2. A mentor overrides the AI's score ----------------------------------------------------


def test_mentor_overrides_a_score_beside_the_ai_report(world, page):
    mentor_id, mentor_email = new_user(world, "alpha", "mentor", role="mentor")
    name = f"Ravi {tag()}"
    candidate_id, _ = new_user(world, "alpha", "candidate", name=name)
    new_cohort(world, "alpha", [candidate_id], [mentor_id])
    ai_report = answer_report({"content": 62.0, "structure": 48.0, "language": 80.0},
                              covered=["names a trade-off"])
    interview_id = scored_interview(world, "alpha", candidate_id, utcnow(), [ai_report])

    sign_in(page, "alpha", mentor_email)
    open_nav(page, "Review queue")
    page.get_by_role("link", name=re.compile(rf"^Review answer \d+ of {re.escape(name)}$")).click()
    expect(page.get_by_role("heading", name=f"Review: {name}, question 1")).to_be_visible()
    page.get_by_label("Structure").fill("75")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("alert")).to_contain_text("Explain your score in a comment")  # 27 points off
    page.get_by_label("Comment", exact=True).fill("The STAR structure is all there; the AI missed it.")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Review marked as reviewed.")).to_be_visible()

    page.get_by_role("link", name="Reviewed", exact=True).click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name=re.compile("^Open"))).to_be_visible()

    def stored(session):
        answer = session.scalar(select(InterviewAnswer).where(InterviewAnswer.interview_id == interview_id))
        review = session.scalar(select(MentorReview).where(MentorReview.answer_id == answer.id))
        return answer.report, answer.overall, review.mentor_id, review.status, review.scores, review.comment

    report, overall, reviewer, status, scores, comment = in_tenant(world.tenants["alpha"], stored)
    assert (reviewer, status, scores) == (mentor_id, "reviewed", {"structure": 75.0})
    assert comment.startswith("The STAR structure")
    assert report == ai_report and overall == ai_report["overall"]  # beside the AI's, never instead


# -- 3. An admin imports questions -----------------------------------------------------------


def test_admin_imports_a_question_csv_with_one_bad_row(world, page, tmp_path):
    good = [f"How does a hash map grow {tag()}?", f"When would you pick a queue {tag()}?"]
    upload = tmp_path / "questions.csv"
    upload.write_text(
        "text,role,type,difficulty,reference_answers,rubric,keywords,tags,time_limit_seconds\n"
        f'"{good[0]}",software-engineer,technical,medium,It rehashes into a bigger table,'
        "names rehashing,rehash,data-structures,120\n"
        "Sort this list,software-engineer,technical,brutal,Use a sort,,,,\n"
        f'"{good[1]}",Software Engineer,technical,easy,"First in, first out work",,queue,,\n')

    sign_in(page, "alpha", world.email("alpha", "admin"))
    open_nav(page, "Question banks")
    bank_name = f"E2E import {tag()}"
    page.get_by_label(re.compile(r"^Name")).fill(bank_name)
    page.get_by_role("button", name="Create bank").click()
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("CSV or JSON file").set_input_files(upload)
    page.get_by_role("button", name="Import questions").click()

    expect(page.get_by_role("status").filter(has_text="Created")).to_contain_text(
        "Created 2 questions. 1 line could not be imported")
    bad = page.get_by_role("table", name="Not imported").get_by_role("row").filter(has_text="brutal")
    expect(bad.get_by_role("cell").first).to_have_text("3")
    expect(bad).to_contain_text("Unknown difficulty 'brutal'")

    def texts(session):
        found = session.scalars(select(Question).join(QuestionBank).where(QuestionBank.name == bank_name))
        return sorted(question.latest.text for question in found)

    assert in_tenant(world.tenants["alpha"], texts) == sorted(good)


def test_candidate_sees_the_bell_rise_when_an_assignment_is_published(world, page):
    from test_notifications import assign

    candidate_id, address = new_user(world, "alpha")
    cohort_id = new_cohort(world, "alpha", [candidate_id])
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, "alpha", address)
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
    name = assign(world, "alpha", cohort_id)  # an admin publishes it to the cohort
    page.reload()
    page.get_by_role("link", name="Notifications, 1 unread").click()
    expect(page.get_by_role("heading", name=f"New assignment: {name}")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
    expect(page.get_by_text("0 unread of 1")).to_be_visible()


# -- 5. A candidate on a phone -------------------------------------------------------------


def test_on_a_phone_the_answer_box_follows_the_question_and_time_up_keeps_what_was_typed(
        world, browser, base_url):
    """The walk-through on a 390 px phone: the recording consent sat between the question and
    the answer box. The box follows the question; consent sits with the voice controls. Text
    typed as the time runs out is on the server when the page closes the box."""
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        _id, address = new_user(world, "alpha", "phone")
        sign_in(page, "alpha", address)
        page.goto("/t/alpha/interviews/")
        page.get_by_label("Number of questions").fill("1")
        page.get_by_role("button", name="Start the interview").click()
        expect(page.get_by_label("Your answer")).to_be_visible()
        question, box, consent = (page.locator(s).bounding_box()
                                  for s in ("#q-text", "#iv-text", "#iv-consent"))
        assert question["y"] < box["y"] < consent["y"], (question, box, consent)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        interview_id = int(re.search(r"/interviews/(\d+)", page.url).group(1))

        def almost_closed(session):  # 8 s of the server's grace left: the page closes the box in 3
            answer = session.scalar(select(InterviewAnswer)
                                    .where(InterviewAnswer.interview_id == interview_id))
            answer.presented_at = utcnow() - timedelta(seconds=answer.time_limit_seconds + GRACE_SECONDS - 8)
        in_tenant(world.tenants["alpha"], almost_closed)
        page.reload()
        # still typing when the box closes: the last words were never sent before
        page.get_by_label("Your answer").press_sequentially(
            "A hash map turns each key into a bucket index, so lookups take constant time", delay=60)
        expect(page.locator("#iv-save")).to_contain_text("Time is up", timeout=15_000)
        expect(page.get_by_label("Your answer")).to_have_attribute("readonly", "")
        typed = page.get_by_label("Your answer").input_value()
        assert len(typed) > 10

        def saved(session):
            return session.scalar(select(InterviewAnswer.text)
                                  .where(InterviewAnswer.interview_id == interview_id))
        deadline = time.monotonic() + 10
        while in_tenant(world.tenants["alpha"], saved) != typed and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert in_tenant(world.tenants["alpha"], saved) == typed
    finally:
        context.close()

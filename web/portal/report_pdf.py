"""The interview report as a PDF, drawn with fpdf2 (pure Python: no browser, no system
fonts, nothing to install beyond the package).

fpdf2's built-in Helvetica covers Latin-1 only; text outside it is transliterated where
common (quotes, dashes, ellipses) and otherwise shown as "?", so no answer can make the
download fail.
"""

from __future__ import annotations

from collections.abc import Mapping

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from aimi.platform.timeutil import format_local
from aimi.platform.wording import kind_label, plural
from aimi.tenants import interviews, official
from aimi.tenants.interview_models import Interview
from aimi.web.portal import evidence

_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u2026": "...", "\u2022": "-", "\u00a0": " ", "\u2212": "-"})
INK = (27, 29, 35)
MUTED = (84, 90, 102)
BAR = (79, 70, 229)
BAR_BG = (230, 232, 238)
# Highlight colours by kind: rubric points covered green, fillers orange, structure parts blue.
KIND_COLOURS = {"covered": (22, 101, 52), "filler": (180, 83, 9)}
PART_COLOUR = (29, 78, 216)
LINE = 5.5


def latin1(text: str) -> str:
    return str(text).translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("aimi")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, latin1(f"{self.report_title} - page {self.page_no()}"), align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", size)
        self.set_text_color(*INK)
        self.multi_cell(0, size * 0.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, size: int = 10, colour: tuple[int, int, int] = INK) -> None:
        self.set_font("Helvetica", size=size)
        self.set_text_color(*colour)
        self.multi_cell(0, LINE, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullets(self, items: list[str]) -> None:
        for item in items:
            self.para(f"- {item}")

    def score_bar(self, label: str, score: float | None) -> None:
        self.set_font("Helvetica", size=10)
        self.set_text_color(*INK)
        self.cell(40, 7, latin1(label))
        x, y = self.get_x(), self.get_y() + 1.5
        self.set_fill_color(*BAR_BG)
        self.rect(x, y, 100, 4, style="F")
        if score is not None:
            self.set_fill_color(*BAR)
            self.rect(x, y, max(0.0, min(100.0, score)), 4, style="F")
        self.set_x(x + 104)
        self.cell(0, 7, "-" if score is None else f"{score:.0f}/100", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def highlighted(self, text: str, report: dict | None) -> None:
        """The answer with its evidence in colour (covered bold green, fillers orange,
        structure parts blue), flowing like the page's text."""
        for piece in evidence.segments(text, report):
            kinds = piece.kinds
            colour = next((KIND_COLOURS[k] for k in ("filler", "covered") if k in kinds), None)
            if colour is None and any(k.startswith("part-") for k in kinds):
                colour = PART_COLOUR
            self.set_font("Helvetica", "B" if "covered" in kinds else "", 10)
            self.set_text_color(*(colour or INK))
            self.write(LINE, latin1(piece.text))
        self.ln(LINE + 1)


def render(interview: Interview, scores: Mapping[int, official.Score], *, candidate_name: str, college: str,
           role_label: str, timezone: str = "UTC") -> bytes:
    """The whole report: the official overall and dimensions (``scores``: each answer's
    official score), then each question with its evidence and the AI's score beside."""
    report = interviews.aggregate(interview.answers, scores)
    total = official.interview_score(interview.answers, scores)
    pdf = _Report(f"Interview report #{interview.id}")
    pdf.add_page()
    pdf.heading(f"{college}: interview report", 16)
    when = format_local(interview.started_at, timezone)
    pdf.para(f"{candidate_name} - {role_label}, {kind_label(interview.type)} interview, "
             f"{interview.difficulty_mode} difficulty, {when}", colour=MUTED)
    if (note := interviews.difficulty_note(interview)) is not None:
        pdf.para(note, 9)
    pdf.heading("Scores")
    if total.source != "ai":
        pdf.para(f"Official scores: {total.label}"
                 + (f" ({plural(total.reviewed, 'answer')} reviewed)" if total.reviewed else "")
                 + f". The AI's overall: {_points(total.ai_overall)}.", 9, MUTED)
    pdf.score_bar("Overall", report.get("overall"))
    for name, score in (report.get("dimensions") or {}).items():
        pdf.score_bar(name.capitalize(), score)
    pdf.para(report.get("summary", ""), colour=MUTED)
    for title, items in (("Strengths", report.get("strengths")),
                         ("Areas to improve", report.get("areas_to_improve"))):
        if items:
            pdf.heading(title)
            pdf.bullets(items)
    topics = report.get("topics_to_review") or []
    if topics:
        pdf.heading("Topics to review")
        pdf.bullets([f"Q{t['position'] + 1}: {t['question']} (missed: {'; '.join(t['missed'])})"
                     for t in topics])
    pdf.para("In the answers: bold green = rubric point covered or criterion met, orange = filler word, "
             "blue = a part of the answer's structure.", 8, MUTED)
    for answer in interview.answers:
        pdf.heading(f"Question {answer.position + 1} ({answer.difficulty}): {answer.question_text}", 11)
        answer_report = answer.report or {}
        late = " Submitted late: the text saved within the time limit was scored." \
            if interviews.is_late(answer) else ""
        score = scores[answer.id]
        beside = f" ({score.label}; AI {_points(score.ai_overall)})" if score.source != "ai" else ""
        summary = official.answer_summary(answer, score)
        pdf.para(f"Score {_points(score.overall)}/100{beside}. {summary}{late}", 9, MUTED)
        pdf.highlighted(answer.text or "(no answer)", answer_report)
        covered, missed = interviews.covered_points(answer_report), interviews.missed_labels(answer_report)
        if covered:
            pdf.para("Covered: " + "; ".join(covered), 9)
        if missed:
            pdf.para("Missed: " + "; ".join(missed), 9)
    return bytes(pdf.output())


def _points(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"

"""Question banks, interviews and reviews: the tenant tables of the interview product.

Questions are versioned: an edit adds a ``QuestionVersion`` and past interviews keep
pointing at the version they were asked. Mentor reviews are stored beside the AI's
report, never instead of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aimi.evaluators.criteria import COMPANY_PLACEHOLDER
from aimi.platform.db import TenantBase
from aimi.platform.timeutil import utcnow

ROLES = {
    "software-engineer": "Software Engineer",
    "product-manager": "Product Manager",
    "data-scientist": "Data Scientist",
    "ux-designer": "UX/UI Designer",
    "marketing-specialist": "Marketing Specialist",
    "sales-executive": "Sales Executive",
    "general": "General HR / behavioural",
}
QUESTION_TYPES = ("hr", "technical", "behavioural", "aptitude")
INTERVIEW_TYPES = ("hr", "technical", "mixed")
DIFFICULTIES = ("easy", "medium", "hard")
INTERVIEW_STATUSES = ("in_progress", "submitted", "scored")
REVIEW_STATUSES = ("in_progress", "reviewed")


class QuestionBank(TenantBase):
    __tablename__ = "question_banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Question(TenantBase):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    bank: Mapped[QuestionBank] = relationship()
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.version", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> QuestionVersion:
        return next(v for v in self.versions if v.version == self.current_version)


class QuestionVersion(TenantBase):
    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(40), index=True)
    type: Mapped[str] = mapped_column(String(20), index=True)
    difficulty: Mapped[str] = mapped_column(String(10), index=True)
    reference_answers: Mapped[list] = mapped_column(JSON, default=list)
    rubric: Mapped[list] = mapped_column(JSON, default=list)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    time_limit_seconds: Mapped[int] = mapped_column(Integer, default=180)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions")


class InterviewTemplate(TenantBase):
    """An interview set up by a mentor or admin, assignable to cohorts."""

    __tablename__ = "interview_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(20))
    difficulty: Mapped[str] = mapped_column(String(10))  # easy, medium, hard or adaptive
    num_questions: Mapped[int] = mapped_column(Integer, default=5)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Assignment(TenantBase):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("interview_templates.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempt_limit: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    template: Mapped[InterviewTemplate] = relationship()


class Interview(TenantBase):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("interview_templates.id", ondelete="SET NULL"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(20))
    difficulty_mode: Mapped[str] = mapped_column(String(10))  # easy, medium, hard or adaptive
    num_questions: Mapped[int] = mapped_column(Integer, default=5)
    # The company the candidate prepares for: company questions name it; none, none are asked.
    target_company: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="in_progress", index=True)
    current_position: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    scored_at: Mapped[datetime | None] = mapped_column(DateTime)
    overall: Mapped[float | None] = mapped_column(Float)
    report: Mapped[dict | None] = mapped_column(JSON)
    # The start form's one-time key: a double click or two tabs posting it start one interview.
    start_key: Mapped[str | None] = mapped_column(String(32), unique=True)

    answers: Mapped[list[InterviewAnswer]] = relationship(
        back_populates="interview", order_by="InterviewAnswer.position", cascade="all, delete-orphan"
    )


class InterviewAnswer(TenantBase):
    """One question of an interview and the candidate's answer, saved as it is typed."""

    __tablename__ = "interview_answers"
    __table_args__ = (UniqueConstraint("interview_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    difficulty: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    presented_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    draft_saved_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    time_limit_seconds: Mapped[int] = mapped_column(Integer, default=180)
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id"))
    report: Mapped[dict | None] = mapped_column(JSON)
    overall: Mapped[float | None] = mapped_column(Float)

    interview: Mapped[Interview] = relationship(back_populates="answers")
    question: Mapped[QuestionVersion] = relationship(lazy="joined")

    @property
    def question_text(self) -> str:
        """The question as asked: a company question names the interview's target company."""
        return self.question.text.replace(COMPANY_PLACEHOLDER, self.interview.target_company or "")


class MentorReview(TenantBase):
    """A mentor's rubric scores and overrides for one answer, beside the AI's report."""

    __tablename__ = "mentor_reviews"
    __table_args__ = (UniqueConstraint("answer_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("interview_answers.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # dimension -> 0-100
    rubric_checked: Mapped[list | None] = mapped_column(JSON, default=list)  # rubric point indexes
    overall: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    answer: Mapped[InterviewAnswer] = relationship()

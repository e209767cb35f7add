"""The tenant table of calibrations: one row per interview type and dimension of each fit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from aimi.platform.db import TenantBase
from aimi.platform.timeutil import utcnow


class Calibration(TenantBase):
    """How one fit maps the AI's scores of one dimension and interview type to the
    college's mentors' scale, with its figures on reviews held out of the fit. Rows of the
    latest ``fit_number`` are the ones in force; ``kept`` is false when the mapping did not lower
    the held-out error (the AI's score is then left as it is)."""

    __tablename__ = "calibrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fit_number: Mapped[int] = mapped_column(Integer, index=True)
    interview_type: Mapped[str] = mapped_column(String(20))
    dimension: Mapped[str] = mapped_column(String(40))
    n: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))  # isotonic or linear
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    figures_before: Mapped[dict] = mapped_column(JSON, default=dict)  # agreement.Figures, raw AI
    figures_after: Mapped[dict] = mapped_column(JSON, default=dict)  # ... calibrated AI
    kept: Mapped[bool] = mapped_column(Boolean, default=False)
    fitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

"""The ``fit_calibration`` job: fit the college's calibration from its mentors' reviews
(``aimi.tenants.calibration``), queued when enough reviews are finished or by an admin.

Each run adds a new fit from all reviews so far, so a re-run after a lost worker stores
the same maps again and changes nothing that is shown."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from aimi.plugins import jobs
from aimi.tenants import calibration
from aimi.tenants.models import Job


@jobs.register(calibration.KIND, queue="default")
def fit(session: Session, job: Job) -> dict[str, Any]:
    number = calibration.fit(session)
    if number is None:
        return {"fit": None, "message": f"No interview type has {calibration.MIN_REVIEWS} finished "
                                        "reviews yet."}
    session.flush()
    rows = calibration.latest(session)
    return {"fit": number, "kept": [f"{r.interview_type}/{r.dimension}" for r in rows if r.kept],
            "dropped": [f"{r.interview_type}/{r.dimension}" for r in rows if not r.kept]}

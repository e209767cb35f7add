"""Running jobs for real in tests: an app wired to the test Redis, and a burst worker."""

from __future__ import annotations

from contextlib import AbstractContextManager

from rq import SimpleWorker

from aimi.plugins import background
from aimi.plugins import queue as rq_wiring

SAMPLE = {
    "question": "Tell me about a time you resolved a conflict in your team.",
    "answer": ("Last year our project team disagreed about the database design. I was the team lead, "
               "so my task was to get a decision before the deadline. I arranged a meeting, listened "
               "to both sides and we tested the two designs with real data. As a result we chose the "
               "faster design, shipped on time and the team felt heard. Um, I think it went well."),
    "reference_answers": ["I listened to both sides, set up a fair test, and we agreed on the result."],
    "rubric": ["listened to both sides", "took action", "positive result"],
    "keywords": ["conflict", "team", "result"],
    "type": "behavioural",
}


def redis_app(world, redis_url: str) -> AbstractContextManager:
    """An app like the world's with Redis configured (jobs go to RQ); the world's own app
    keeps running its jobs in-process."""
    return world.app_with(redis_url=redis_url)


def drain(redis_url: str) -> None:
    """Run every queued job on a real RQ worker (in this process), then return."""
    queues = [rq_wiring.queue(name, redis_url) for name in rq_wiring.QUEUES]
    SimpleWorker(queues, connection=rq_wiring.connection(redis_url)).work(burst=True)


def queued_ids(redis_url: str, name: str) -> list[str]:
    return rq_wiring.queue(name, redis_url).job_ids


def settle(timeout: float = 60.0) -> None:
    """Wait for the in-process background jobs (mail fan-out and delivery without Redis)."""
    assert background.wait_idle(timeout), f"background jobs still running after {timeout} s"

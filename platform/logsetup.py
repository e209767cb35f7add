"""Structured logs: one JSON object per line, carrying the tenant and the request id."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar

from aimi.platform.tenancy import maybe_current_tenant

request_id: ContextVar[str] = ContextVar("aimi_request_id", default="-")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        tenant = maybe_current_tenant()
        record.tenant = tenant.slug if tenant else "-"
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "tenant": getattr(record, "tenant", "-"),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure(json_lines: bool = True, level: int = logging.INFO) -> None:
    """Install one handler on the ``aimi`` logger (idempotent)."""
    logger = logging.getLogger("aimi")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_aimi", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._aimi = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(levelname)s [%(tenant)s %(request_id)s] %(name)s: %(message)s")
    )
    logger.addHandler(handler)
    logger.propagate = False

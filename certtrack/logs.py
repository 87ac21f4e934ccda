"""What certtrack logs, and how: unhandled errors with their traceback, refusals in one line.

Django logs every response of 400 and more to `django.request`, but prints it only with
DEBUG on. Here 5xx (with the traceback) and 403 (one line) go to stderr and, when
CERTTRACK_LOG_FILE is set, to that file; other 4xx are the client's business.
"""

import logging
from pathlib import Path

security = logging.getLogger("certtrack.security")


class ErrorsAndRefusals(logging.Filter):
    """Keep 5xx and 403 responses of `django.request`; a 403 in a single line."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or status >= 500:
            return True
        if status == 403:
            record.exc_info = record.exc_text = None  # a refusal, not a fault: no traceback
            return True
        return False


def config(log_file: str | None, data_dir: Path) -> dict:
    """The LOGGING setting; `log_file` relative to the data dir, or None for stderr only."""
    handlers: dict = {"console": {"class": "logging.StreamHandler", "formatter": "plain"}}
    if log_file:
        handlers["file"] = {
            # Watched: reopened when logrotate moves it.
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(data_dir / log_file),
            "formatter": "plain",
        }
    names = list(handlers)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "filters": {"errors_and_refusals": {"()": "certtrack.logs.ErrorsAndRefusals"}},
        "handlers": handlers,
        "loggers": {
            "certtrack": {"handlers": names, "level": "INFO"},
            "axes": {"handlers": names, "level": "WARNING"},  # each failure and lockout
            "django.request": {
                "handlers": names,
                "level": "WARNING",
                "filters": ["errors_and_refusals"],
            },
            "django.security": {"handlers": names, "level": "WARNING"},
        },
    }


def staff_sign_in_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """One line per failed staff sign-in (back-office and admin), with the client's address."""
    address = request.META.get("REMOTE_ADDR", "?") if request is not None else "?"
    security.warning(
        "staff sign-in failed for %r from %s", credentials.get("username", ""), address
    )

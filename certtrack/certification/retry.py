"""One transaction per service call, run again once when the database gives up on it.

PostgreSQL aborts one of two transactions that wait on each other (deadlock, 40P01) or
that it cannot serialise (40001); nothing was written, so running the whole call again
is safe. A second failure is a refusal (HTTP 409 "try again"), never a 500.
"""

import functools
import logging

from django.db import OperationalError, connection, transaction

from .errors import Refused

log = logging.getLogger("certtrack.retry")
RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def is_conflict(error: OperationalError) -> bool:
    """Did the database abort this transaction only because of a concurrent one?"""
    return getattr(error.__cause__, "sqlstate", None) in RETRYABLE


def atomic_retry(func):
    """`transaction.atomic`, plus one retry of the whole call after a deadlock.

    Inside an outer transaction there is nothing to retry alone: the outer one decides.
    """

    @functools.wraps(func)
    def run(*args, **kwargs):
        if connection.in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except OperationalError as error:
            if not is_conflict(error):
                raise
            log.warning("%s: %s; retrying once", func.__name__, str(error).splitlines()[0])
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except OperationalError as error:
            if not is_conflict(error):
                raise
            log.warning("%s: %s again; refused", func.__name__, str(error).splitlines()[0])
            raise Refused(
                "Another request was changing the same records at the same moment; "
                "nothing was changed, try again."
            ) from None

    return run

"""Worker steps that need what operations records (CERTTRACK_WORKER_STEPS names them).

The domain reads nothing of operations: a step that catches up "since the last pass"
is given that pass here.
"""

from datetime import datetime

from certtrack.certification import worker

from . import passes


def grant_renewals(now: datetime) -> int:
    """Grant the renewals whose window opened since the last pass in which this step
    succeeded (`certification.worker.grant_renewals`)."""
    return worker.grant_renewals(now, passes.last_done("grant_renewals"))

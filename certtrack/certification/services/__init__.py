"""Every way the certification state changes. Faces (back-office, portal, API, worker,
importers) call these and nothing else.

One module per subject, each reading like its section of PRODUCT.md:

- `enrollments`: apply, add, record an existing certification, staff actions (`perform`)
- `completions`: record, approve, reject, remove; re-evaluates the enrollments touched
- `periods`: certification when requirements are met, the expiry set by hand
- `contacts`, `setup`: contacts; components, programs and General Settings
- `common`: History, the conditional move, locks, `settle` (shared by all of them)

Each service runs in one transaction, writes History, and is safe when two processes
call it at once (see `common`). Every public name is importable from here.
"""

from ..actors import Actor
from ..errors import Refused
from ..models import Enrollment, GeneralSettings
from .common import _changes, _log, settle
from .completions import (
    EARLIEST_COMPLETION,
    approve_all_completions,
    approve_completion,
    record_completion,
    reject_completion,
    remove_completion,
    state_counts,
)
from .contacts import CONTACT_FIELDS, archive_contact, create_contact, update_contact
from .enrollments import _enroll_attendee, add, apply, perform, record_existing
from .periods import _evaluate, new_certificate_number, set_expires_on
from .setup import (
    BRANDING_IMAGES,
    BRANDING_TEXT,
    COMPONENT_FIELDS,
    PROGRAM_FIELDS,
    SETTINGS_FIELDS,
    create_component,
    create_program,
    update_component,
    update_program,
    update_settings,
)

# The old single module also lent these to the importers, the what-if preview and tests;
# they are kept importable from here (new code imports them from their module).
__all__ = [
    "Actor",
    "Enrollment",
    "GeneralSettings",
    "Refused",
    "_changes",
    "_enroll_attendee",
    "_evaluate",
    "_log",
    "BRANDING_IMAGES",
    "BRANDING_TEXT",
    "COMPONENT_FIELDS",
    "CONTACT_FIELDS",
    "EARLIEST_COMPLETION",
    "PROGRAM_FIELDS",
    "SETTINGS_FIELDS",
    "add",
    "apply",
    "approve_all_completions",
    "approve_completion",
    "archive_contact",
    "create_component",
    "create_contact",
    "create_program",
    "new_certificate_number",
    "perform",
    "record_completion",
    "record_existing",
    "reject_completion",
    "remove_completion",
    "set_expires_on",
    "settle",
    "state_counts",
    "update_component",
    "update_contact",
    "update_program",
    "update_settings",
]

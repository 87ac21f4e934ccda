"""The certification domain's objects — PRODUCT.md §2, one module per subject:

- `setup`: Contact, Component, Program (its components and reminder steps), GeneralSettings
- `completions`: Completion
- `enrollments`: Enrollment (the Tracking row), its Periods and the completions they used
- `history`: History, append-only

Every model (and the Tracking `ORDERINGS`) is importable from here, as Django expects.
"""

from .completions import Completion, CompletionQuerySet, CompletionSource, CompletionState
from .enrollments import (
    ORDERINGS,
    Enrollment,
    EnrollmentQuerySet,
    EnrollmentSource,
    Period,
    PeriodCompletion,
    PeriodSource,
    _current_status_expr,
)
from .history import AuditObject, History, HistoryQuerySet
from .setup import (
    CertificateTemplate,
    Component,
    ComponentKind,
    Contact,
    GeneralSettings,
    Program,
    ProgramComponent,
    ReminderStep,
    RenewalBase,
    RenewalRequirements,
    Scoring,
)

__all__ = [
    "ORDERINGS",
    "AuditObject",
    "CertificateTemplate",
    "Completion",
    "CompletionQuerySet",
    "CompletionSource",
    "CompletionState",
    "Component",
    "ComponentKind",
    "Contact",
    "CountCheck",
    "Enrollment",
    "EnrollmentCount",
    "EnrollmentQuerySet",
    "EnrollmentSource",
    "GeneralSettings",
    "History",
    "HistoryQuerySet",
    "Period",
    "PeriodCompletion",
    "PeriodSource",
    "Program",
    "ProgramComponent",
    "ReminderStep",
    "RenewalBase",
    "RenewalRequirements",
    "Scoring",
    "_current_status_expr",
]

from ..counts import CountCheck, EnrollmentCount  # noqa: E402  (models of this app)

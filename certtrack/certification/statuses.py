"""The ten statuses and the staff transition table — PRODUCT.md §3, in one place.

No other module compares status strings: they ask this one.
"""

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    APPLIED = "applied", "Applied"
    DECLINED = "declined", "Declined"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    EXPIRED = "expired", "Expired"
    NOT_COMPLETED = "not_completed", "Not Completed"
    ADMIN_REVIEW = "admin_review", "Admin Review"
    EXPIRING = "expiring", "Expiring"
    CANCELLED = "cancelled", "Cancelled"


# The seed's own explanation of each status, shown to staff next to the label.
MEANING = {
    Status.IN_PROGRESS: "Working towards the certification.",
    Status.APPLIED: "The application waits for staff approval.",
    Status.DECLINED: "The application was declined by staff.",
    Status.ACTIVE: "Certified: every requirement is met and the certification is current.",
    Status.INACTIVE: "Set inactive by staff (for example, not working towards completion).",
    Status.EXPIRED: "The certification's expiration date has passed.",
    Status.NOT_COMPLETED: "Did not complete the work in the time allotted (set by staff).",
    Status.ADMIN_REVIEW: "The work is complete; an administrator must approve the certification.",
    Status.EXPIRING: "Certified, and within the notice period before the expiration date.",
    Status.CANCELLED: "Cancelled by staff; any certificate is revoked.",
}

# Open enrollments: at most one per contact and program.
OPEN = frozenset(
    {
        Status.APPLIED,
        Status.IN_PROGRESS,
        Status.ADMIN_REVIEW,
        Status.ACTIVE,
        Status.EXPIRING,
        Status.INACTIVE,
    }
)
# Statuses in which the dates decide between Active, Expiring and Expired.
CERTIFIED = frozenset({Status.ACTIVE, Status.EXPIRING, Status.EXPIRED})
# Statuses no staff action leaves (cancel is refused from them too).
FINAL = frozenset({Status.CANCELLED, Status.DECLINED})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[Status]
    target: Status
    evaluates: bool = False  # entering In progress this way re-evaluates requirements


def _action(name: str, label: str, sources, target: Status, evaluates: bool = False) -> Action:
    return Action(name, label, frozenset(sources), target, evaluates)


S = Status
# PRODUCT.md §3 "Transitions by staff", row by row.
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _action("approve", "Approve application", {S.APPLIED}, S.IN_PROGRESS, evaluates=True),
        _action("decline", "Decline application", {S.APPLIED}, S.DECLINED),
        _action("approve_completion", "Approve certification", {S.ADMIN_REVIEW}, S.ACTIVE),
        _action("return_to_in_progress", "Return for more work", {S.ADMIN_REVIEW}, S.IN_PROGRESS),
        _action(
            "set_inactive", "Set inactive", {S.IN_PROGRESS, S.APPLIED, S.ADMIN_REVIEW}, S.INACTIVE
        ),
        _action("reactivate", "Reactivate", {S.INACTIVE}, S.IN_PROGRESS, evaluates=True),
        _action(
            "mark_not_completed",
            "Mark not completed",
            {S.IN_PROGRESS, S.INACTIVE, S.ADMIN_REVIEW},
            S.NOT_COMPLETED,
        ),
        _action("reopen", "Reopen", {S.NOT_COMPLETED}, S.IN_PROGRESS, evaluates=True),
        _action("cancel", "Cancel", set(Status) - FINAL, S.CANCELLED),
    ]
}


def label(status: str) -> str:
    return Status(status).label


def actions_from(status: str) -> list[Action]:
    """The staff actions allowed from `status`, in table order."""
    return [a for a in ACTIONS.values() if status in a.sources]


def refusal(action: Action, status: str) -> str:
    """Why `action` is not allowed from `status`, in words."""
    allowed = ", ".join(label(s) for s in sorted(action.sources, key=list(Status).index))
    return (
        f"Cannot {action.label.lower()}: the enrollment is {label(status)}; "
        f"this action is allowed only from {allowed}."
    )

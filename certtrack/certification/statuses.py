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


# Standings of the transition table beyond the ten statuses (PRODUCT.md §3, new rows).
SUSPENDED = "suspended"  # an Inactive enrollment that holds a current period
AS_DATES = "as_dates"  # a target: Active, Expiring or Expired, as the dates say


def standing(status: str, has_period: bool) -> str:
    """Where a row stands in the transition table: its status, or `suspended`."""
    return SUSPENDED if status == Status.INACTIVE and has_period else status


@dataclass(frozen=True)
class Row:
    """One row of the table: from `sources`, the action leads to `target`."""

    sources: frozenset[str]
    target: str  # a Status, or AS_DATES


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    rows: tuple[Row, ...]
    evaluates: bool = False  # entering In progress this way re-evaluates requirements
    reason_required: bool = False
    # The renewal this action needs (checked by the renewal services): "open" (open or in
    # grace: a waiver), "review" (met and awaiting staff), or "" (none).
    renewal: str = ""

    @property
    def sources(self) -> frozenset[str]:
        return frozenset().union(*(row.sources for row in self.rows))

    @property
    def target(self) -> str:
        """The target of the first row (the one a back-office button names)."""
        return self.rows[0].target

    def target_from(self, where: str) -> str | None:
        """The target from standing `where`, or None when the action is refused there."""
        return next((row.target for row in self.rows if where in row.sources), None)


def _action(name: str, label: str, *rows: tuple, **flags) -> Action:
    return Action(name, label, tuple(Row(frozenset(s), t) for s, t in rows), **flags)


S = Status
# PRODUCT.md §3 "Transitions by staff", row by row: (from, to) pairs per action.
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _action("approve", "Approve application", ({S.APPLIED}, S.IN_PROGRESS), evaluates=True),
        _action("decline", "Decline application", ({S.APPLIED}, S.DECLINED)),
        _action("approve_completion", "Approve certification", ({S.ADMIN_REVIEW}, S.ACTIVE)),
        _action("return_to_in_progress", "Return for more work", ({S.ADMIN_REVIEW}, S.IN_PROGRESS)),
        _action(
            "set_inactive",
            "Set inactive",
            ({S.IN_PROGRESS, S.APPLIED, S.ADMIN_REVIEW}, S.INACTIVE),
        ),
        _action(
            "reactivate",
            "Reactivate",
            ({S.INACTIVE}, S.IN_PROGRESS),
            ({SUSPENDED}, AS_DATES),  # no new period: the period ran on
            evaluates=True,
        ),
        _action(
            "mark_not_completed",
            "Mark not completed",
            ({S.IN_PROGRESS, S.INACTIVE, S.ADMIN_REVIEW}, S.NOT_COMPLETED),
        ),
        _action("reopen", "Reopen", ({S.NOT_COMPLETED}, S.IN_PROGRESS), evaluates=True),
        _action("cancel", "Cancel", ((set(Status) - FINAL) | {SUSPENDED}, S.CANCELLED)),
        _action("suspend", "Suspend", ({S.ACTIVE, S.EXPIRING}, S.INACTIVE), reason_required=True),
        # Expired only within its grace days: the renewal services check the window.
        _action(
            "renew",
            "Renew",
            ({S.ACTIVE, S.EXPIRING, S.EXPIRED}, AS_DATES),
            reason_required=True,
            renewal="open",
        ),
        _action(
            "approve_renewal",
            "Approve renewal",
            ({S.ACTIVE, S.EXPIRING, S.EXPIRED}, AS_DATES),
            renewal="review",
        ),
        _action(
            "reject_renewal",
            "Reject renewal",
            ({S.ACTIVE, S.EXPIRING, S.EXPIRED}, AS_DATES),
            reason_required=True,
            renewal="review",
        ),
    ]
}
# Actions that change a renewal (a new period or none): the renewal services run them.
RENEWAL_ACTIONS = frozenset(name for name, a in ACTIONS.items() if a.renewal)


def label(status: str) -> str:
    if status == SUSPENDED:
        return "Inactive (suspended)"
    return Status(status).label


def actions_from(where: str) -> list[Action]:
    """The staff actions allowed from standing `where` (a status or `suspended`), in table
    order. (Renewal actions also need the renewal's state: the renewal services check it.)"""
    return [a for a in ACTIONS.values() if a.target_from(where) is not None]


def refusal(action: Action, status: str) -> str:  # status: a standing
    """Why `action` is not allowed from `status`, in words."""
    order = [*Status, SUSPENDED]

    def named(source: str) -> str:  # refused while suspended: Inactive means the other kind
        if status == SUSPENDED and source == Status.INACTIVE:
            return "Inactive (not a suspended certification)"
        return label(source)

    allowed = ", ".join(named(s) for s in sorted(action.sources, key=order.index))
    return (
        f"Cannot {action.label.lower()}: the enrollment is {label(status)}; "
        f"this action is allowed only from {allowed}."
    )

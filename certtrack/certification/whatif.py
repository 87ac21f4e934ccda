"""What if — PRODUCT.md §11: a program change's effect on existing holders, before saving.

`change_program` saves a program change and, with `apply_to_existing`, recomputes the
holders in the same transaction: a new `validity_months` moves each holder's current
period to `activated_on + validity_months` (their status follows the dates), and new
requirements move the In progress rows they now satisfy on. One History row per changed
enrollment, the program change as its reason; reminders re-armed for the new dates.

`preview_change` saves the program change and rolls it back (so it refuses what the change
refuses), but it does not move the expiries: it counts, in one grouped query, the holders
whose `expires_on` (and status) the new validity would move, and reads five examples — the
same rule in SQL (`AddMonths`), so at 100,000 holders it writes nothing and reads little.
A requirement change still runs the In progress evaluation in the rolled-back transaction
(those rows are few). Renewal settings move no expiry and no status (they decide the next
renewal), so their preview says 0.

Applying a validity change moves the holders through `holder_moves` (on PostgreSQL one
statement); what moved comes back here for the effect and the reminders.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateField,
    F,
    FilteredRelation,
    Q,
    Value,
)

from certtrack import clock

from . import events, services
from .actors import Actor
from .dates import AsOf
from .errors import Invalid
from .holder_moves import (
    HOLDING,
    AddMonths,
    move_in_python,
    move_in_sql,
    reached,
    shown_status,
)
from .models import Enrollment, GeneralSettings, Program
from .requirements import requirements_met
from .search import by_name
from .statuses import Status, label

EXAMPLES = 5


@dataclass(frozen=True)
class Example:
    enrollment_id: int
    name: str
    activated_on: date | None
    expires_on: date | None  # today's
    new_expires_on: date | None
    status: str  # as true today
    new_status: str

    def as_dict(self) -> dict:
        return {
            "enrollment_id": self.enrollment_id,
            "name": self.name,
            "activated_on": self.activated_on,
            "expires_on": self.expires_on,
            "new_expires_on": self.new_expires_on,
            "status": self.status,
            "new_status": self.new_status,
        }


@dataclass
class Effect:
    """What a program change does (or did) to existing enrollments."""

    enrollments_changed: int = 0
    status_changes: dict[str, int] = field(default_factory=dict)  # "active→expired": n
    examples: list[Example] = field(default_factory=list)
    holders: int = 0  # holders the change could reach (certified or suspended)

    def as_dict(self) -> dict:
        return {
            "enrollments_changed": self.enrollments_changed,
            "status_changes": dict(self.status_changes),
            "examples": [e.as_dict() for e in self.examples],
            "holders": self.holders,
        }

    @property
    def moves(self) -> list[tuple[str, str, int]]:
        """The status changes in words: (from label, to label, how many)."""
        out = []
        for key, n in self.status_changes.items():
            old, new = key.split("→")
            out.append((label(old), label(new), n))
        return out

    @property
    def dates_only(self) -> int:
        """Enrollments that keep their status and get a new expiration date."""
        return self.enrollments_changed - sum(self.status_changes.values())

    @property
    def working_moved(self) -> int:
        """In progress rows the new requirements move on (not holders: working towards it)."""
        prefix = f"{Status.IN_PROGRESS.value}→"
        return sum(n for key, n in self.status_changes.items() if key.startswith(prefix))

    @property
    def holders_changed(self) -> int:
        """Holders given a new expiration date or status."""
        return self.enrollments_changed - self.working_moved

    def _count(self, old: str, new: str) -> None:
        if old != new:
            key = f"{old}→{new}"
            self.status_changes[key] = self.status_changes.get(key, 0) + 1


def _links(program: Program) -> set[tuple[int, bool, bool]]:
    return set(program.links.values_list("component_id", "required", "required_for_renewal"))


def _components_change(program: Program, components) -> bool:
    if components is None:
        return False
    asked = {
        (c["component_id"], bool(c.get("required", True)), bool(c.get("required_for_renewal")))
        for c in components
    }
    return _links(program) != asked


def _describe(before: Program, after: Program, fields: dict, components_changed: bool) -> str:
    parts = [
        f"{name.replace('_', ' ')} {getattr(before, name)} → {getattr(after, name)}"
        for name in sorted(fields)
        if getattr(before, name, None) != getattr(after, name, None)
    ]
    if components_changed:
        parts.append("components changed")
    what = "; ".join(parts) or "no field changed"
    return f"Program {after.code} changed ({what}), applied to existing holders."


def _refuse_archived(program_id) -> Program:
    program = Program.objects.filter(pk=program_id).first()
    if program is not None and not program.is_active:
        raise Invalid(
            "is_active",
            f"Program {program.name} is archived: reactivate it (is_active) before changing "
            "what its holders hold.",
        )
    return program


@transaction.atomic
def change_program(
    program_id: int,
    actor: Actor,
    components=None,
    apply_to_existing: bool = False,
    now: datetime | None = None,
    _preview: bool = False,
    **fields,
) -> tuple[Program, Effect]:
    """Save a program change (`services.update_program`); with `apply_to_existing`, recompute
    its existing holders in the same transaction. Returns the program and the effect.
    (`_preview`: count the expiries the change would move instead of moving them.)"""
    now = now or clock.now()
    before = _refuse_archived(program_id) if apply_to_existing else None
    components_changed = before is not None and _components_change(before, components)
    # The program's History row says whom the change was for (a staff user's trial could
    # not tell "existing holders too" from "new certifications only" in the audit).
    scope = ""
    if not _preview and touches_holders(program_id, components, **fields):
        scope = (
            "Applied to existing holders too."
            if apply_to_existing
            else "For new certifications only: existing holders keep their dates."
        )
    program = services.update_program(
        program_id, actor, components=components, now=now, reason=scope, **fields
    )
    if not apply_to_existing:
        return program, Effect()
    as_of = GeneralSettings.get().as_of(now)
    reason = _describe(before, program, fields, components_changed)
    effect = Effect()
    effect.holders = Enrollment.objects.filter(
        program=program, period_number__gt=0, status__in=HOLDING
    ).count()
    if before.validity_months != program.validity_months:
        if _preview:
            _count_expiries(program, as_of, effect)
        else:
            _move_expiries(program, as_of, now, actor, reason, effect)
    if components_changed or any(
        getattr(before, name) != getattr(program, name) for name in REQUIREMENT_FIELDS
    ):  # (the requirements' SQL is the costliest read: only when they changed)
        _evaluate_in_progress(program, as_of, now, actor, effect)
    return program, effect


# The program fields whose change the preview is for: validity, requirements, renewal.
WHAT_IF_FIELDS = (
    *("validity_months", "credits_required", "hours_required", "completion_recency_months"),
    *("renewal_window_days", "renewal_grace_days", "renewal_base", "renewal_requirements"),
    *("renewal_credits_required", "renewal_hours_required"),
)


REQUIREMENT_FIELDS = ("credits_required", "hours_required", "completion_recency_months")


def touches_holders(program_id: int, components=None, **fields) -> bool:
    """Whether this change alters validity, requirements or renewal settings of a program
    that has enrollments (so staff are shown the preview and asked whom it applies to)."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None or not Enrollment.objects.filter(program=program).exists():
        return False  # (an unknown program: the change itself says NotFound)
    if any(name in fields and fields[name] != getattr(program, name) for name in WHAT_IF_FIELDS):
        return True
    return _components_change(program, components)


class _Rollback(Exception):
    def __init__(self, effect: Effect):
        self.effect = effect


def preview_change(
    program_id: int, actor: Actor, components=None, now: datetime | None = None, **fields
) -> Effect:
    """What `change_program(…, apply_to_existing=True)` would do; nothing is saved.
    Invalid values and an archived program are refused as the change itself refuses them."""
    _refuse_archived(program_id)
    try:
        with transaction.atomic():
            _, effect = change_program(
                program_id,
                actor,
                components=components,
                apply_to_existing=True,
                now=now,
                _preview=True,
                **fields,
            )
            raise _Rollback(effect)
    except _Rollback as done:
        return done.effect


def _count_expiries(program: Program, as_of: AsOf, effect: Effect) -> None:
    """What `_move_expiries` would do, without doing it: the holders whose current period
    would end on another day, grouped by their move today, and the first five by name."""
    validity = program.validity_months
    new = (
        AddMonths(F("current__activated_on"), validity)
        if validity is not None
        else Value(None, output_field=DateField())
    )
    changed = Q(expires_on__isnull=False)
    if validity is not None:  # (a NULL new date is never "different" in SQL: say it)
        changed = (
            Q(expires_on__isnull=True)
            | Q(expires_on__lt=F("new_expires"))
            | Q(expires_on__gt=F("new_expires"))
        )
    rows = (
        reached(program)
        .annotate(
            current=FilteredRelation("periods", condition=Q(periods__number=F("period_number")))
        )
        .filter(current__activated_on__isnull=False)
        .annotate(new_expires=new)
        .filter(changed)
        .annotate(
            old_shown=shown_status("expires_on", as_of),
            new_shown=shown_status("new_expires", as_of),
        )
    )
    moves = rows.values("old_shown", "new_shown").annotate(n=Count("pk")).order_by("-n")
    for move in moves:
        effect.enrollments_changed += move["n"]
        if move["old_shown"] != move["new_shown"]:
            key = f"{move['old_shown']}→{move['new_shown']}"
            effect.status_changes[key] = move["n"]
    first = rows.order_by(*by_name("contact__"), "id")[:EXAMPLES]
    for pk, given, family, start, old, new_day, shown_old, shown_new in first.values_list(
        *("pk", "contact__first_name", "contact__last_name", "current__activated_on"),
        *("expires_on", "new_expires", "old_shown", "new_shown"),
    ):
        name = f"{given} {family}".strip()
        effect.examples.append(Example(pk, name, start, old, new_day, shown_old, shown_new))


def _move_expiries(
    program: Program, as_of: AsOf, now: datetime, actor: Actor, reason: str, effect: Effect
) -> None:
    """Move each holder's current period (and the row's `expires_on`) to `activated_on +
    validity_months` and its stored status to what the dates say; one History row each,
    reminders re-armed. PostgreSQL: one statement, no holder's values through Python on
    the way in (at 100,000 holders, building and sending them was most of the time)."""
    if connection.vendor == "postgresql":
        moved = move_in_sql(program, as_of, now, actor, reason)
    else:
        moved = move_in_python(program, as_of, now, actor, reason)
    rearm = []
    for pk, _, old, new, cycle, new_stored, number, shown_old, shown_new, _, _ in moved:
        effect.enrollments_changed += 1
        effect._count(shown_old, shown_new)
        rearm.append(events.ExpiryChange(pk, old, new, cycle, new_stored, number))
    for row in moved[:EXAMPLES]:  # (both return them by name, as the preview's examples)
        pk, start, old, new, _, _, _, shown_old, shown_new, last, first = row
        name = f"{first} {last}".strip()
        effect.examples.append(Example(pk, name, start, old, new, shown_old, shown_new))
    if rearm:
        events.expiries_changed.send(sender=Enrollment, changes=rearm, at=now)


def _evaluate_in_progress(
    program: Program, as_of: AsOf, now: datetime, actor: Actor, effect: Effect
) -> None:
    """New requirements an In progress row now meets move it on (as a completion would)."""
    met = Enrollment.objects.filter(program=program, status=Status.IN_PROGRESS).filter(
        requirements_met(as_of.today)
    )
    for enrollment in met.select_related("program", "contact").order_by("id"):
        services._evaluate(enrollment, actor, now, as_of)
        enrollment.refresh_from_db()
        shown = as_of.status_of(enrollment.status, enrollment.expires_on).value
        if shown == Status.IN_PROGRESS:
            continue
        effect.enrollments_changed += 1
        effect._count(Status.IN_PROGRESS.value, shown)
        if len(effect.examples) < EXAMPLES:
            name = enrollment.contact.full_name
            effect.examples.append(
                Example(
                    enrollment.pk,
                    name,
                    enrollment.activated_on,
                    None,
                    enrollment.expires_on,
                    Status.IN_PROGRESS.value,
                    shown,
                )
            )

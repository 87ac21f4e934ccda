"""The contact's reports and completions of one program, grouped by the period that used
them — PRODUCT.md §3 "Each completion counts toward at most one period".

A completion belongs to the period that recorded using it (`PeriodCompletion`), never to
the period whose dates it falls between: work dated after a period began but not used
by it is shown apart, as the renewal counts it.
"""

from dataclasses import dataclass, field

from certtrack.certification.dates import day_text
from certtrack.certification.models import Completion, Period, PeriodCompletion

from .progress import Summary


@dataclass
class Item:
    completion: Completion
    counts_for_renewal: bool = False


@dataclass
class Group:
    """One period's completions (or, with `period` None, those no period used yet)."""

    title: str
    note: str = ""
    period: Period | None = None
    items: list[Item] = field(default_factory=list)


def grouped(summary: Summary) -> list[Group]:
    """The contact's completions of the program's components: the unused ones first, then
    each period of this enrollment (newest first), then those an earlier enrollment used."""
    enrollment = summary.enrollment
    completions = list(
        Completion.objects.live()
        .filter(contact_id=enrollment.contact_id, component__links__program=enrollment.program_id)
        .select_related("component")
        .distinct()
        .order_by("-completed_on", "-id")
    )
    used = {
        use.completion_id: use.period
        for use in PeriodCompletion.objects.filter(
            contact_id=enrollment.contact_id, program_id=enrollment.program_id
        ).select_related("period")
    }
    renewal = summary.renewal
    counting = renewal.counted_ids if renewal is not None else set()
    unused = Group("Not used by a period yet" if summary.periods else "")
    if renewal is not None:
        unused.note = (
            f"Approved work dated on or after {day_text(renewal.since)} counts toward your renewal."
        )
    own = {p.pk: Group(_period_title(p), period=p) for p in reversed(summary.periods)}
    earlier = Group(
        "Used by an earlier certification",
        note="This work counted toward a certification of this program you held before.",
    )
    for completion in completions:
        period = used.get(completion.pk)
        if period is None:
            unused.items.append(Item(completion, completion.pk in counting))
        elif period.pk in own:
            own[period.pk].items.append(Item(completion))
        else:
            earlier.items.append(Item(completion))
    groups = [unused, *own.values(), earlier]
    return [g for g in groups if g.items]


def _period_title(period: Period) -> str:
    start = day_text(period.activated_on)
    end = day_text(period.expires_on) if period.expires_on else "no expiry"
    return f"Period {period.number} · {start} – {end}"

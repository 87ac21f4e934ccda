"""A contact's continuing-education transcript — PRODUCT.md §11 "Transcript".

Every completion with its credits and hours, grouped by program and period (the periods'
own record of the completions they used), with totals against each period's requirement;
the completions no period used are listed apart. Read in a fixed number of queries.

A period's totals count as requirements do (`requirements._progress`): each of the
program's components once, however often it was completed in the period. Every
completion stays listed; a repeat is marked, and its credits and hours are not added again.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .models import (
    Completion,
    Contact,
    Period,
    PeriodCompletion,
    Program,
    ProgramComponent,
    RenewalRequirements,
)
from .services.completions import state_counts

REPEAT = "repeat, counted once"
NOT_COUNTED = "not counted"


def _number(amount: Decimal | None) -> float | None:
    """An amount in JSON as a number, as the enrollment's progress has it (not "54.00")."""
    return None if amount is None else float(amount)


@dataclass(frozen=True)
class Line:
    """One completion as the transcript shows it."""

    id: int
    component: str
    code: str
    kind: str
    completed_on: date
    credits: Decimal
    hours: Decimal
    state: str  # approved, pending, rejected — and "failed" for a failed exam attempt
    # Whether its credits and hours are in its period's totals; if not, `note` says why.
    counted: bool = False
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "component": self.component,
            "code": self.code,
            "kind": self.kind,
            "completed_on": self.completed_on,
            "credits": _number(self.credits),
            "hours": _number(self.hours),
            "state": self.state,
            # In its period's totals or not (a repeat, work that does not count): summing
            # the listed credits of the counted ones gives the period's `credits_earned`.
            "counted": self.counted,
            "note": self.note,
        }


@dataclass
class PeriodBlock:
    number: int
    activated_on: date
    expires_on: date | None
    source: str
    credits_required: Decimal | None
    hours_required: Decimal | None
    completions: list[Line] = field(default_factory=list)

    @property
    def credits_earned(self) -> Decimal:
        return sum((line.credits for line in self.completions if line.counted), Decimal("0"))

    @property
    def hours_earned(self) -> Decimal:
        return sum((line.hours for line in self.completions if line.counted), Decimal("0"))

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "activated_on": self.activated_on,
            "expires_on": self.expires_on,
            "source": self.source,
            "credits_earned": _number(self.credits_earned),
            "hours_earned": _number(self.hours_earned),
            "credits_required": _number(self.credits_required),
            "hours_required": _number(self.hours_required),
            "completions": [line.as_dict() for line in self.completions],
        }


@dataclass
class ProgramBlock:
    program: Program
    periods: list[PeriodBlock] = field(default_factory=list)

    def as_dict(self) -> dict:
        p = self.program
        return {
            "program": {"id": p.pk, "name": p.name, "code": p.code},
            "periods": [period.as_dict() for period in self.periods],
        }


@dataclass
class Transcript:
    contact: Contact
    programs: list[ProgramBlock]
    unused: list[Line]  # completions no period counted (yet): listed apart

    @property
    def credits_total(self) -> Decimal:
        return sum(
            (p.credits_earned for block in self.programs for p in block.periods), Decimal("0")
        )

    @property
    def hours_total(self) -> Decimal:
        return sum((p.hours_earned for block in self.programs for p in block.periods), Decimal("0"))

    def as_dict(self) -> dict:
        c = self.contact
        return {
            "contact": {
                "id": c.pk,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "email": c.email,
                "organization": c.organization,
            },
            "programs": [block.as_dict() for block in self.programs],
            "unused_completions": [line.as_dict() for line in self.unused],
        }

    def rows(self) -> list[list]:
        """One row per completion (CSV): program, period and the completion's facts."""
        out = []
        for block in self.programs:
            for period in block.periods:
                for line in period.completions:
                    out.append(
                        [block.program.code, block.program.name, period.number, *_cells(line)]
                    )
        for line in self.unused:
            out.append(["", "(counted toward no period)", "", *_cells(line)])
        return out


CSV_HEADER = [
    *("program_code", "program", "period", "completed_on", "component_code", "component"),
    *("kind", "credits", "hours", "state", "counted", "note"),
]


def _cells(line: Line) -> list:
    return [
        line.completed_on.isoformat(),
        line.code,
        line.component,
        line.kind,
        line.credits,
        line.hours,
        line.state,
        "yes" if line.counted else "no",
        line.note,
    ]


def _line(completion: Completion, counted: bool = False, note: str = "") -> Line:
    component = completion.component
    return Line(
        id=completion.pk,
        component=component.name,
        code=component.code,
        kind=component.kind,
        completed_on=completion.completed_on,
        credits=component.credits_earned,
        hours=component.hours_earned,
        state=completion.state if completion.passed else "failed",
        counted=counted,
        note=note,
    )


def _period_lines(completions: list[Completion], components: set[int]) -> list[Line]:
    """The completions a period used (in date order), each component counted once as
    requirements count it: its earliest counting completion (approved, passed, not
    removed) of one of the program's components; a later one is a repeat."""
    seen: set[int] = set()
    lines = []
    for completion in completions:
        component_id = completion.component_id
        if component_id in seen:
            lines.append(_line(completion, note=REPEAT))
        elif component_id in components and state_counts(completion):
            seen.add(component_id)
            lines.append(_line(completion, counted=True))
        else:
            lines.append(_line(completion, note=NOT_COUNTED))
    return lines


def _required(program: Program, period: Period) -> tuple[Decimal | None, Decimal | None]:
    """What a period had to reach: the program's thresholds for period 1 and any period
    that repeated the requirements; the renewal thresholds for a renewal by credits."""
    if period.number > 1 and program.renewal_requirements == RenewalRequirements.CREDITS:
        return program.renewal_credits_required, program.renewal_hours_required
    return program.credits_required, program.hours_required


def _components_of(program_ids: set[int]) -> dict[int, set[int]]:
    """Each program's component ids (what its requirements count)."""
    components_of: dict[int, set[int]] = defaultdict(set)
    links = ProgramComponent.objects.filter(program_id__in=program_ids).order_by()
    for program_id, component_id in links.values_list("program_id", "component_id"):
        components_of[program_id].add(component_id)
    return components_of


def transcript_of(contact: Contact) -> Transcript:
    """The contact's transcript: programs (by name), their periods (oldest first), and the
    completions each period used; then every live completion no period used."""
    periods = list(
        Period.objects.filter(enrollment__contact=contact)
        .select_related("enrollment__program")
        .order_by("enrollment__program__name", "enrollment__program_id", "activated_on", "id")
    )
    uses = defaultdict(list)
    used_ids = set()
    for use in (
        PeriodCompletion.objects.filter(contact=contact)
        .select_related("completion__component")
        .order_by("completion__completed_on", "completion_id")
    ):
        uses[use.period_id].append(use.completion)
        used_ids.add(use.completion_id)
    components_of = _components_of({period.enrollment.program_id for period in periods})
    blocks: dict[int, ProgramBlock] = {}
    for period in periods:
        program = period.enrollment.program
        block = blocks.setdefault(program.pk, ProgramBlock(program))
        credits, hours = _required(program, period)
        block.periods.append(
            PeriodBlock(
                number=period.number,
                activated_on=period.activated_on,
                expires_on=period.expires_on,
                source=period.source,
                credits_required=credits,
                hours_required=hours,
                completions=_period_lines(uses[period.pk], components_of[program.pk]),
            )
        )
    unused = [
        _line(c)
        for c in Completion.objects.live()
        .filter(contact=contact)
        .exclude(pk__in=used_ids)
        .select_related("component")
        .order_by("completed_on", "id")
    ]
    return Transcript(contact, list(blocks.values()), unused)

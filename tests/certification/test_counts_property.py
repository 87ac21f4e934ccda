"""Property (issue 18): after any sequence of writes and days, the count aggregate's counts
equal COUNT(*) of the status true now — on SQLite, and on PostgreSQL when
CERTTRACK_DATABASE_URL names it (the same test). The writes: every service that changes a
row (create, transitions and renewals, completions and their removal, expiry set by
hand), a bulk UPDATE past the services, imports of completions and certifications, the
worker's time step and renewals, a program's what-if applied to its holders (on
PostgreSQL one statement that writes the aggregate's deltas itself), and folds."""

import contextlib
import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from certtrack.certification import counts, imports, services, whatif
from certtrack.certification.actors import Actor
from certtrack.certification.errors import DomainError
from certtrack.certification.models import Completion, Contact, Enrollment, GeneralSettings
from certtrack.certification.statuses import ACTIONS, Status
from certtrack.certification.worker import record_time_transitions
from certtrack.operations.steps import grant_renewals

START = date(2026, 3, 1)
ACTOR = Actor.system("property test")

n = st.integers(0, 9)
OPERATION = st.one_of(
    st.tuples(st.just("add"), n, n),
    st.tuples(st.just("record"), n, n, st.integers(0, 500)),
    st.tuples(st.just("act"), n, st.sampled_from(sorted(ACTIONS))),
    st.tuples(st.just("complete"), n, n),
    st.tuples(st.just("uncomplete"), n),
    st.tuples(st.just("expiry"), n, st.integers(-60, 400)),
    st.tuples(st.just("bulk_expiry"), n, st.integers(-60, 60)),  # a write past the services
    st.tuples(st.just("today"), st.integers(0, 120)),
    st.tuples(st.just("notice"), st.integers(0, 45)),
    st.tuples(st.just("worker")),
    st.tuples(st.just("fold")),
    # Writes through other doors: a file import, the worker's renewals, what-if applied.
    st.tuples(st.just("import_completions"), n, n, st.integers(0, 400)),
    st.tuples(st.just("import_certifications"), n, n, st.integers(0, 500)),
    st.tuples(st.just("grant_renewals")),
    st.tuples(st.just("whatif"), st.sampled_from([6, 12, 24])),
)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


class CountsEqualTheRows(TestCase):
    def _world(self):
        programs = [
            services.create_program(
                ACTOR,
                name=f"Program {i}",
                code=f"P{i}",
                validity_months=[12, 6, None][i],
                renewal_window_days=[90, 0, 0][i],
                require_approval=i == 1,
                completion_requires_approval=i == 2,
                components=[
                    {
                        "component_id": services.create_component(
                            ACTOR, kind="course", name=f"C{i}", code=f"C{i}"
                        ).pk,
                        "required": True,
                    }
                ],
            )
            for i in range(3)
        ]
        contacts = [
            services.create_contact(
                ACTOR, first_name=f"A{i}", last_name="B", email=f"a{i}@example.org"
            )
            for i in range(4)
        ]
        return programs, contacts

    def _apply(self, op, state) -> None:
        programs, contacts = state["programs"], state["contacts"]
        now = _moment(state["today"])
        rows = list(Enrollment.objects.order_by("pk").values_list("pk", flat=True))
        kind, *args = op
        if kind == "add":
            contact, program = contacts[args[0] % 4], programs[args[1] % 3]
            call = services.apply if program.require_approval else services.add
            call(contact.pk, program.pk, ACTOR, now=now)
        elif kind == "record":
            contact, program = contacts[args[0] % 4], programs[args[1] % 3]
            day = state["today"] - timedelta(days=args[2])
            services.record_existing(contact.pk, program.pk, day, ACTOR, now=now)
        elif kind == "act" and rows:
            services.perform(rows[args[0] % len(rows)], args[1], ACTOR, reason="test", now=now)
        elif kind == "complete":
            contact, program = contacts[args[0] % 4], programs[args[1] % 3]
            component = program.components.get()
            services.record_completion(contact.pk, component.pk, state["today"], ACTOR, now=now)
        elif kind == "uncomplete":
            live = list(Completion.objects.live().order_by("pk").values_list("pk", flat=True))
            if live:
                services.remove_completion(live[args[0] % len(live)], ACTOR, "test", now=now)
        elif kind == "expiry" and rows:
            day = state["today"] + timedelta(days=args[1])
            services.set_expires_on(rows[args[0] % len(rows)], day, "test", ACTOR, now=now)
        elif kind == "bulk_expiry" and rows:
            day = state["today"] + timedelta(days=args[1])
            Enrollment.objects.filter(pk__gte=rows[args[0] % len(rows)]).update(expires_on=day)
        elif kind == "today":
            state["today"] += timedelta(days=args[0])
        elif kind == "notice":
            services.update_settings(ACTOR, now=now, expiring_notice_days=args[0])
        elif kind == "worker":
            record_time_transitions(now)
        elif kind == "fold":
            counts.fold()
        else:
            self._apply_elsewhere(op, state, now)

    def _apply_elsewhere(self, op, state, now) -> None:
        programs, contacts = state["programs"], state["contacts"]
        kind, *args = op
        if kind == "import_completions":
            contact, program = contacts[args[0] % 4], programs[args[1] % 3]
            day = state["today"] - timedelta(days=args[2])
            rows = [["contact_email", "component_code", "completed_on"]]
            rows.append([contact.email, program.components.get().code, day.isoformat()])
            imports.run("completions", _csv(rows), ACTOR, now=now)
        elif kind == "import_certifications":
            contact, program = contacts[args[0] % 4], programs[args[1] % 3]
            day = state["today"] - timedelta(days=args[2])
            rows = [["contact_email", "program_code", "activated_on"]]
            rows.append([contact.email, program.code, day.isoformat()])
            imports.run("certifications", _csv(rows), ACTOR, now=now)
        elif kind == "grant_renewals":
            grant_renewals(now)
        elif kind == "whatif":
            whatif.change_program(
                programs[0].pk, ACTOR, apply_to_existing=True, now=now, validity_months=args[0]
            )

    def _check(self, state) -> None:
        as_of = GeneralSettings.get().as_of(_moment(state["today"]))
        truth = Counter(e.current_status(as_of).value for e in Enrollment.objects.all())
        expected = {s.value: truth.get(s.value, 0) for s in Status}
        assert counts.status_counts(as_of) == expected
        by_program = Counter(Enrollment.objects.values_list("program_id", flat=True))
        assert counts.program_counts() == dict(by_program)
        for program in state["programs"]:
            rows = Counter(
                e.current_status(as_of).value for e in Enrollment.objects.filter(program=program)
            )
            got = counts.status_counts(as_of, [program.pk])
            assert got == {s.value: rows.get(s.value, 0) for s in Status}

    # No shrinking: on the shared machine it ran for minutes; a failure prints its steps.
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(operations=st.lists(OPERATION, min_size=1, max_size=25))
    def test_every_count_equals_the_rows_after_every_step(self, operations):
        programs, contacts = self._world()
        state = {"programs": programs, "contacts": contacts, "today": START}
        for op in operations:
            # A refused operation changes nothing, and the counts must say so too.
            with contextlib.suppress(DomainError):
                self._apply(op, state)
            self._check(state)
        assert counts.mismatches() == []
        assert Contact.objects.count() == 4

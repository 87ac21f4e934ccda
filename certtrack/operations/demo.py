"""A realistic demo data set, built through the same services users go through."""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core import mail
from django.db import transaction
from django.test import override_settings

from certtrack import clock
from certtrack.accounts.models import User
from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Component, Contact, Enrollment, GeneralSettings, Program
from certtrack.certification.search import fold
from certtrack.certification.worker import record_time_transitions
from certtrack.notifications.delivery import deliver_due
from certtrack.notifications.reminders import queue_reminders

from .steps import grant_renewals

DEMO_PASSWORD = "certtrack-demo"
ADMIN_EMAIL = "admin@example.com"
STAFF_EMAIL = "staff@example.com"

# fmt: off
FIRST = [
    "Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Tim", "Barbara", "Dennis",
    "Frances", "Ken", "Radia", "Edsger", "Hedy", "John", "Shafi", "Donald", "Émilie",
    "Niklaus", "Joan", "Leslie", "Anita", "Brian", "Carol", "Guido", "Lynn", "Yukihiro",
    "Mary", "Bjarne", "Ruth",
]
LAST = [
    "Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Berners-Lee",
    "Liskov", "Ritchie", "Allen", "Thompson", "Perlman", "Dijkstra", "Lamarr", "Backus",
    "Goldwasser", "Knuth", "Wilson", "Wirth", "Clarke", "Lamport", "Borg", "Kernighan",
    "Shaw", "van Rossum", "Conway", "Matsumoto", "Keller", "Stroustrup", "Gödel",
]
ORGS = [
    "Northwind Associates", "Contoso Health", "Fabrikam Builders", "Tailspin Events",
    "Wide World Importers", "Litware Legal", "Adventure Works", "Proseware Partners", "",
]
# fmt: on

COMPONENTS = [
    # kind, code, name, credits, hours, requires_approval, scoring
    ("course", "GOV-101", "Association Governance", 8, 6, False, ""),
    ("course", "FIN-201", "Financial Stewardship", 8, 6, False, ""),
    ("course", "ETH-110", "Professional Ethics", 4, 3, False, ""),
    ("course", "LEAD-301", "Strategic Leadership", 8, 8, False, ""),
    ("course", "MKT-150", "Membership Marketing", 4, 4, False, ""),
    ("course", "RISK-220", "Risk Management Essentials", 6, 5, False, ""),
    ("exam", "CAE-EXAM", "CAE Written Examination", 10, 4, False, "scored"),
    ("exam", "ETH-QUIZ", "Ethics Quiz", 2, 1, False, "pass_fail"),
    ("exam", "SAFE-EXAM", "Event Safety Examination", 6, 2, False, "scored"),
    ("exam", "CE-ASSESS", "Continuing Education Assessment", 2, 1, False, "pass_fail"),
    ("task", "PORTFOLIO", "Professional Portfolio", 6, 10, True, ""),
    ("task", "MENTOR", "Mentoring Log", 4, 12, True, ""),
    ("task", "VOLUNTEER", "Volunteer Service", 2, 8, True, ""),
    ("task", "CASE-STUDY", "Case Study Submission", 4, 6, True, ""),
    ("task", "SAFE-PLAN", "Event Safety Plan", 4, 5, True, ""),
    ("event", "ANNUAL-26", "Annual Conference", 6, 12, False, ""),
    ("event", "WEB-ETH", "Ethics Webinar", 1, 1, False, ""),
    ("event", "REGION-SPR", "Regional Spring Summit", 3, 6, False, ""),
    ("event", "CROWD-WS", "Crowd Safety Workshop", 3, 4, False, ""),
    ("event", "LEAD-FORUM", "Leadership Forum", 2, 3, False, ""),
]

PROGRAMS = [
    dict(
        code="CAE",
        name="Certified Association Executive",
        category="Leadership",
        version="2026",
        description="The profession's mark of excellence for association leaders.",
        require_approval=True,
        completion_requires_approval=True,
        validity_months=36,
        credits_required=Decimal("40"),
        required=["GOV-101", "FIN-201", "LEAD-301", "CAE-EXAM", "PORTFOLIO"],
        electives=["ETH-110", "MKT-150", "ANNUAL-26"],
    ),
    dict(
        code="CEC",
        name="Continuing Education Certificate",
        category="Continuing education",
        version="3",
        description="Annual continuing-education certificate: 20 hours of learning a year.",
        require_approval=False,
        completion_requires_approval=False,
        validity_months=12,
        hours_required=Decimal("20"),
        # An expired member may still renew for 30 days (grace); reminders 60 and 14 days
        # before expiry (the second one cannot be turned off) and the day after.
        renewal_grace_days=30,
        reminder_schedule=[
            {"offset_days": -60},
            {"offset_days": -14, "mandatory": True},
            {"offset_days": 1},
        ],
        required=["ETH-110", "CE-ASSESS"],
        electives=["WEB-ETH", "REGION-SPR", "MKT-150", "RISK-220", "VOLUNTEER"],
    ),
    dict(
        code="ESS",
        name="Event Safety Specialist",
        category="Events",
        version="2",
        description="For event professionals responsible for crowd and venue safety.",
        require_approval=False,
        completion_requires_approval=False,
        validity_months=24,
        # Renewing asks 12 hours from any of the program's components and the exam again.
        renewal_requirements="credits",
        renewal_hours_required=Decimal("12"),
        required=["RISK-220", "SAFE-EXAM", "CROWD-WS", "SAFE-PLAN"],
        electives=[],
        for_renewal=["SAFE-EXAM"],
    ),
    dict(
        code="FELLOW",
        name="Association Fellow",
        category="Leadership",
        version="1",
        description="A lifetime honour for outstanding service; it does not expire.",
        require_approval=True,
        completion_requires_approval=True,
        validity_months=None,
        required=["MENTOR", "CASE-STUDY", "LEAD-FORUM"],
        electives=[],
    ),
]

# How the 200 contacts' enrollments are spread, by the status each should reach.
PLAN = [
    ("CEC", "active", 40),
    ("CEC", "expiring", 14),
    ("CEC", "expired", 12),
    ("CEC", "in_progress", 22),
    ("ESS", "active", 16),
    ("ESS", "expiring", 5),
    ("ESS", "in_progress", 10),
    ("ESS", "not_completed", 6),
    ("CAE", "applied", 12),
    ("CAE", "declined", 5),
    ("CAE", "admin_review", 7),
    ("CAE", "active", 10),
    ("CAE", "in_progress", 12),
    ("CAE", "inactive", 8),
    ("CAE", "cancelled", 5),
    ("FELLOW", "applied", 4),
    ("FELLOW", "active", 4),
    ("CEC", "inactive", 4),
    ("CEC", "cancelled", 4),
]


def _at(day: date) -> datetime:
    """Mid-afternoon on `day`, but never later than now (the demo writes no future history)."""
    return min(datetime.combine(day, time(14, 0), tzinfo=UTC), clock.now())


def ensure_staff() -> None:
    for email, admin in ((ADMIN_EMAIL, True), (STAFF_EMAIL, False)):
        if not User.objects.filter(email__iexact=email).exists():
            User.objects.create_user(
                email,
                password=DEMO_PASSWORD,
                is_staff=True,
                is_superuser=admin,
                first_name="Demo",
                last_name="Administrator" if admin else "Staff",
            )


# Members whose certifications show, between them, every feature of PRODUCT.md §3 and §7
# beyond the plain statuses: several certifications at once, periods 2 and 3 earned by
# renewing, a renewal waived by staff, one waiting in review, one open with work under
# way, one in its grace days, a suspension, a revoked certificate, a certification
# recorded from another system, and a member applying again after a lapse.
SHOWCASE = [
    # first name, last name, organization
    ("Rosa", "Diaz", "Northwind Associates"),
    ("Omar", "Haddad", "Tailspin Events"),
    ("Mei", "Tanaka", "Contoso Health"),
    ("Lars", "Nilsson", "Fabrikam Builders"),
    ("Priya", "Raman", "Litware Legal"),
]

BRANDING = {
    "organization_name": "Association of Certified Professionals",
    "signatory_name": "Dana Whitfield",
    "signatory_title": "Director of Certification",
}


def load(now: datetime) -> bool:
    """Load the demo data once; return False if it was already there.

    The emails the demo's history queued are delivered into the outbox quietly (shown as
    sent on each enrollment's page, printed nowhere), so the console of `make run` shows
    only what happens after it starts — a member's sign-in link, for instance."""
    if not _build(now):
        return False
    _deliver_quietly(now)
    return True


@transaction.atomic
def _build(now: datetime) -> bool:
    ensure_staff()
    if Program.objects.filter(code="CAE").exists():
        return False
    rng = random.Random(2026)
    admin = Actor.staff(User.objects.get(email=ADMIN_EMAIL))
    today = now.date()
    services.update_settings(
        admin,
        now=now - timedelta(days=800),
        expiring_notice_days=30,
        application_recipients=["certifications@example.com"],
        admin_review_recipients=["certifications@example.com"],
        **BRANDING,
    )
    comps = _components(admin)
    programs = _programs(admin, comps)
    contacts = []
    for i in range(200):
        # 200 different names: the last name moves on by one every round of first names
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        contacts.append(
            services.create_contact(
                admin,
                first_name=first,
                last_name=last,
                email=f"{fold(first)}.{fold(last)}.{i}@example.org".replace(" ", ""),
                organization=rng.choice(ORGS),
                phone=f"+1 555 0{i:03d}",
            )
        )

    slots = [(code, status) for code, status, n in PLAN for _ in range(n)]
    for i, (code, status) in enumerate(slots):
        _reach(status, contacts[i % len(contacts)], programs[code], comps, admin, today, rng)
    _showcase(Demo(programs, comps, admin, today, rng))
    record_time_transitions(now)
    grant_renewals(now)
    return True


def _deliver_quietly(now: datetime) -> None:
    """Queue what the worker would (reminders) and deliver every queued email to memory."""
    queue_reminders(now)
    had = hasattr(mail, "outbox")
    kept = len(mail.outbox) if had else 0  # a test's own outbox keeps what it had
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        deliver_due(now, flush=True)
    if had:
        del mail.outbox[kept:]
    else:
        del mail.outbox


def _components(admin: Actor) -> dict[str, Component]:
    comps = {}
    for kind, code, name, credits, hours, approval, scoring in COMPONENTS:
        extra = {}
        if scoring == "scored":
            extra = {
                "scoring": "scored",
                "max_score": Decimal("100"),
                "passing_score": Decimal("70"),
            }
        elif scoring:
            extra = {"scoring": scoring}
        comps[code] = services.create_component(
            admin,
            kind=kind,
            code=code,
            name=name,
            credits_earned=Decimal(credits),
            hours_earned=Decimal(hours),
            requires_approval=approval,
            description=f"{name}: part of the demo catalogue.",
            **extra,
        )
    services.update_component(comps["CAE-EXAM"].pk, admin, prerequisite_ids=[comps["GOV-101"].pk])
    return comps


def _programs(admin: Actor, comps: dict[str, Component]) -> dict[str, Program]:
    programs = {}
    for spec in PROGRAMS:
        spec = dict(spec)
        renewal = set(spec.pop("for_renewal", []))
        links = [
            {"component_id": comps[c].pk, "required": True, "required_for_renewal": c in renewal}
            for c in spec.pop("required")
        ]
        links += [{"component_id": comps[c].pk, "required": False} for c in spec.pop("electives")]
        programs[spec["code"]] = services.create_program(admin, components=links, **spec)
    return programs


def _complete(contact, program, comps, admin, start: date, rng, until: date, everything=True):
    """Record completions of the program's components between `start` and `until`."""
    links = list(program.links.select_related("component").order_by("-required", "component__code"))
    chosen = links if everything else links[: max(1, len(links) // 2)]
    span = max((until - start).days, 1)
    days = sorted(start + timedelta(days=rng.randint(0, span)) for _ in chosen)
    days[-1] = until  # the last piece of work on `until`: a certification dates from it
    # Prerequisites first (governance before the written exam), required work last: the
    # requirements are met on `until`.
    chosen.sort(key=lambda link: (link.component.code != "GOV-101", link.required))
    for link, day in zip(chosen, days, strict=True):
        component = link.component
        score = Decimal(rng.randint(72, 98)) if component.scoring == "scored" else None
        completion = services.record_completion(
            contact.pk, component.pk, day, admin, score=score, now=_at(until)
        )
        if completion.state == "pending":
            services.approve_completion(completion.pk, admin, now=_at(until))


def _certify(contact, program, comps, admin, activated: date, rng) -> Enrollment:
    """An enrollment certified on `activated`: applied, approved, its work done."""
    start = activated - timedelta(days=rng.randint(30, 120))
    enrollment = _open(contact, program, admin, start)
    _complete(contact, program, comps, admin, start, rng, activated)
    enrollment.refresh_from_db()
    if enrollment.status == "admin_review":
        services.perform(enrollment.pk, "approve_completion", admin, now=_at(activated))
        enrollment.refresh_from_db()
    return enrollment


def _open(contact, program, admin, start: date, approved_on: date | None = None) -> Enrollment:
    """Staff enroll the contact on `start` (approving the application where one is needed)."""
    enrollment = (services.apply if program.require_approval else services.add)(
        contact.pk, program.pk, admin, now=_at(start)
    )
    if enrollment.status == "applied":
        enrollment = services.perform(
            enrollment.pk, "approve", admin, now=_at(approved_on or start)
        )
    return enrollment


def _reach(status, contact, program, comps, admin, today, rng):
    """Drive one enrollment, through the services, to `status` as of today."""
    if status in ("active", "expiring", "expired"):
        months = program.validity_months or 24
        if status == "expiring":
            activated = today - timedelta(days=months * 30.44 - rng.randint(2, 25))
        elif status == "expired":
            activated = today - timedelta(days=months * 30.44 + rng.randint(5, 200))
        else:
            activated = today - timedelta(days=rng.randint(20, int(months * 30.44) - 60))
        _certify(contact, program, comps, admin, activated, rng)
        return
    start = today - timedelta(days=rng.randint(5, 200))
    if status in ("applied", "declined"):
        _apply(status, contact, program, admin, start)
        return
    enrollment = _open(contact, program, admin, start, approved_on=start + timedelta(days=2))
    later = start + timedelta(days=4)
    until = min(today, later + timedelta(days=60))
    if status == "admin_review":
        _complete(contact, program, comps, admin, later, rng, until)
        return
    _complete(contact, program, comps, admin, later, rng, until, everything=False)
    action = {
        "inactive": "set_inactive",
        "not_completed": "mark_not_completed",
        "cancelled": "cancel",
    }.get(status)
    if action:
        services.perform(
            enrollment.pk,
            action,
            admin,
            reason="Demo data.",
            now=_at(min(today, later + timedelta(days=61))),
        )
    elif rng.random() < 0.5:
        _self_report(contact, program, rng, min(today, later + timedelta(days=30)))


def _apply(status, contact, program, admin, start: date) -> None:
    """The contact applies from the portal; `declined`: staff decline three days later."""
    enrollment = services.apply(contact.pk, program.pk, Actor.contact(contact), now=_at(start))
    if status == "declined":
        services.perform(
            enrollment.pk,
            "decline",
            admin,
            reason="Eligibility not demonstrated.",
            now=_at(start + timedelta(days=3)),
        )


@dataclass
class Demo:
    programs: dict[str, Program]
    comps: dict[str, Component]
    admin: Actor
    today: date
    rng: random.Random

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def certify(self, contact, code: str, days_ago: int) -> Enrollment:
        program = self.programs[code]
        return _certify(contact, program, self.comps, self.admin, self.ago(days_ago), self.rng)

    def renew_by_work(self, contact, enrollment: Enrollment, days_before_expiry: int) -> None:
        """The renewal's work done in its window, the last of it `days_before_expiry` early."""
        until = enrollment.expires_on - timedelta(days=days_before_expiry)
        start = until - timedelta(days=40)
        program = enrollment.program
        _complete(contact, program, self.comps, self.admin, start, self.rng, until)
        enrollment.refresh_from_db()

    def act(self, enrollment: Enrollment, action: str, reason: str, days_ago: int) -> None:
        services.perform(
            enrollment.pk, action, self.admin, reason=reason, now=_at(self.ago(days_ago))
        )


def _showcase(demo: Demo) -> None:
    rosa, omar, mei, lars, priya = (
        services.create_contact(
            demo.admin,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@example.org".lower(),
            organization=organization,
            now=_at(demo.ago(900)),
        )
        for first, last, organization in SHOWCASE
    )
    # Each member's work in date order (a completion counts where it falls in time).
    # Rosa holds four: CAE in renewal review, CEC in its third period, ESS, FELLOW recorded.
    cae = demo.certify(rosa, "CAE", 1060)
    cec = demo.certify(rosa, "CEC", 760)
    demo.renew_by_work(rosa, cec, 5)
    demo.renew_by_work(rosa, cec, 5)
    demo.certify(rosa, "ESS", 200)
    demo.renew_by_work(rosa, cae, 3 + (cae.expires_on - demo.today).days)
    services.record_existing(
        rosa.pk, demo.programs["FELLOW"].pk, demo.ago(900), demo.admin, now=_at(demo.ago(30))
    )
    # Omar renewed ESS early (period 2 starts at the old expiry); his CEC is suspended.
    ess = demo.certify(omar, "ESS", 700)
    demo.renew_by_work(omar, ess, 3 + (ess.expires_on - demo.today).days)
    cec = demo.certify(omar, "CEC", 100)
    demo.act(cec, "suspend", "Complaint under review by the ethics committee.", 5)
    # Mei's CAE certificate was revoked; her CEC expired ten days ago: still in grace.
    demo.certify(mei, "CEC", 375)
    cae = demo.certify(mei, "CAE", 300)
    demo.act(cae, "cancel", "Certificate revoked: the portfolio evidence was not hers.", 20)
    # Lars: ESS renewal waived by staff; CEC renewal open, one requirement done of two.
    ess = demo.certify(lars, "ESS", 720)
    demo.act(ess, "renew", "Renewal waived: served on the national safety board.", 2)
    demo.certify(lars, "CEC", 330)
    services.record_completion(
        lars.pk, demo.comps["ETH-110"].pk, demo.ago(20), demo.admin, now=_at(demo.ago(20))
    )
    # Priya's CEC lapsed past its grace; she enrolled again and starts from zero.
    demo.certify(priya, "CEC", 500)
    _open(priya, demo.programs["CEC"], demo.admin, demo.ago(30))


def _self_report(contact, program, rng, day: date) -> None:
    """A task the contact reported from the portal: it waits for staff approval."""
    done = contact.completions.values("component_id")
    tasks = list(program.components.filter(kind="task").exclude(pk__in=done))
    if tasks:
        task = rng.choice(tasks)
        services.record_completion(
            contact.pk,
            task.pk,
            day,
            Actor.contact(contact),
            source="self_report",
            note="Reported from the member portal.",
            now=_at(day),
        )


def summary(now: datetime) -> dict[str, int]:
    as_of = GeneralSettings.get().as_of(now)
    return Enrollment.objects.status_counts(as_of) | {
        "contacts": Contact.objects.count(),
        "components": Component.objects.count(),
        "programs": Program.objects.count(),
    }

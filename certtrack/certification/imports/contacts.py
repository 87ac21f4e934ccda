"""Import of contacts — matched by external id, then by email (any case)."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from certtrack.certification.models import Contact, History

from .base import CREATE, ERROR, UNCHANGED, UPDATE, Context, Outcome, chunks
from .cells import Check

NAME = "contacts"
COLUMNS = {"email", "first_name", "last_name", "organization", "phone", "external_id"}
REQUIRED = [("email",), ("first_name",), ("last_name",)]
EXAMPLE = {
    "email": "ada.lovelace@example.org",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "organization": "Analytical Engines Ltd",
    "phone": "+44 20 7946 0000",
    "external_id": "CRM-1001",
}
LENGTHS = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "organization": 200,
    "phone": 50,
    "external_id": 100,
}
FIELDS = ["email", "first_name", "last_name", "organization", "phone", "external_id"]


def existing(emails, external_ids) -> tuple[dict, dict]:
    """Contacts already in the database: by lower-case email and by external id."""
    by_email, by_ext = {}, {}
    for chunk in chunks(sorted(emails)):
        for contact in Contact.objects.annotate(lemail=Lower("email")).filter(lemail__in=chunk):
            by_email[contact.lemail] = contact
    for chunk in chunks(sorted(external_ids)):
        for contact in Contact.objects.filter(external_id__in=chunk):
            by_ext[contact.external_id] = contact
    return by_email, by_ext


def match(
    check: Check,
    line: int,
    email: str,
    external_id: str,
    found,
    email_column="email",
    ext_column="external_id",
) -> Contact | None:
    """The contact a row names: by external id, then by email; two different people is an
    error (the row could mean either)."""
    by_email, by_ext = found
    by_id = by_ext.get(external_id) if external_id else None
    by_mail = by_email.get(email.lower()) if email else None
    if by_id and by_mail and by_id.pk != by_mail.pk:
        check.error(
            line,
            ext_column,
            f"external id {external_id} is {by_id.full_name} <{by_id.email}> but "
            f"{email_column} {email} is {by_mail.full_name}: two different contacts",
        )
        return None
    return by_id or by_mail


class Plan:
    def __init__(self):
        self.new: list[Contact] = []
        self.changed: list[tuple[Contact, dict]] = []


def check(rows, ctx: Context) -> tuple[Check, list[Outcome], Plan]:
    """Read and match every row; nothing is written."""
    check = Check()
    values = []
    seen_email, seen_ext = {}, {}
    for line, row in rows:
        data = {}
        for name in FIELDS:
            if name in row or name in {"email", "first_name", "last_name"}:
                data[name] = check.text(
                    line,
                    row,
                    name,
                    required=name in ("email", "first_name", "last_name"),
                    max_length=LENGTHS[name],
                )
        if data["email"] and len(data["email"]) <= LENGTHS["email"]:
            try:
                validate_email(data["email"])
            except ValidationError:
                check.error(line, "email", f"{data['email']} is not an email address")
        key = data["email"].lower()
        if key and key in seen_email:
            check.error(line, "email", f"{data['email']} is also on line {seen_email[key]}")
        seen_email.setdefault(key, line)
        ext = data.get("external_id", "")
        if ext and ext in seen_ext:
            check.error(line, "external_id", f"{ext} is also on line {seen_ext[ext]}")
        if ext:
            seen_ext.setdefault(ext, line)
        values.append((line, data))
    found = existing(seen_email, seen_ext)
    plan, outcomes = Plan(), []
    for done, (line, data) in enumerate(values, start=1):
        ctx.tick(done, len(values))
        what = f"{data.get('first_name', '')} {data.get('last_name', '')} <{data['email']}>"
        contact = match(check, line, data["email"], data.get("external_id", ""), found)
        if not check.ok(line):
            outcomes.append(Outcome(line, ERROR, what))
            continue
        if contact is None:
            fields = {**data, "external_id": data.get("external_id") or None}
            plan.new.append(Contact(**fields))
            outcomes.append(Outcome(line, CREATE, what))
            continue
        changes = {}
        for name, value in data.items():
            if name == "external_id" and not value:
                continue  # an empty cell does not take an external id away
            old = getattr(contact, name) or ""
            if old != value:
                changes[name] = [old, value]
        if changes:
            plan.changed.append((contact, changes))
            outcomes.append(Outcome(line, UPDATE, what + ": " + ", ".join(sorted(changes))))
        else:
            outcomes.append(Outcome(line, UNCHANGED, what))
    return check, outcomes, plan


def write(plan: Plan, ctx: Context) -> None:
    """Create and update the contacts; History says each was imported."""
    Contact.objects.bulk_create(plan.new, batch_size=500)
    if plan.new and plan.new[0].pk is None:  # SQLite < 3.35 and others: ids read back
        ids = existing({c.email.lower() for c in plan.new}, set())[0]
        for contact in plan.new:
            contact.pk = ids[contact.email.lower()].pk
    for contact, changes in plan.changed:
        for name, (_old, new) in changes.items():
            setattr(contact, name, new or (None if name == "external_id" else ""))
    Contact.objects.bulk_update([c for c, _ in plan.changed], FIELDS, batch_size=500)
    history = [
        _history(
            ctx,
            contact.pk,
            "import_contact",
            {n: [None, getattr(contact, n) or None] for n in FIELDS if getattr(contact, n)},
        )
        for contact in plan.new
    ] + [_history(ctx, contact.pk, "import_contact", changes) for contact, changes in plan.changed]
    History.objects.bulk_create(history, batch_size=500)


def _history(ctx: Context, contact_id: int, action: str, changes: dict, enrollment_id=None):
    return History(
        at=ctx.now,
        actor=ctx.actor.label,
        actor_kind=ctx.actor.kind,
        user_id=ctx.actor.user_id,
        contact_id=contact_id,
        enrollment_id=enrollment_id,
        action=action,
        changes=changes,
    )

"""Import of contacts — matched by external id, then by email (any case)."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from certtrack.certification.models import AuditObject, Contact, History
from certtrack.certification.models.setup import validate_local_part

from .base import CREATE, ERROR, Context, Outcome, chunks, compared
from .cells import Check

NAME = "contacts"
REQUIRED = [("email",), ("first_name",), ("last_name",)]
REQUIRED_FIELDS = {"email", "first_name", "last_name"}
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
FIELDS = list(LENGTHS)
COLUMNS = set(FIELDS)


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
    seen_email, seen_ext = {}, {}
    values = []
    for line, row in rows:
        data = _read(check, line, row)
        _check_once(check, line, "email", data["email"].lower(), data["email"], seen_email)
        ext = data.get("external_id", "")
        _check_once(check, line, "external_id", ext, ext, seen_ext)
        values.append((line, data))
    found = existing(seen_email, seen_ext)
    plan, outcomes = Plan(), []
    for done, (line, data) in enumerate(values, start=1):
        ctx.tick(done, len(values))
        outcomes.append(_outcome(check, line, data, found, plan))
    return check, outcomes, plan


def _read(check: Check, line: int, row: dict) -> dict:
    """The row's fields (those it has, and the required ones); a bad email is an error."""
    data = {
        name: check.text(line, row, name, required=name in REQUIRED_FIELDS, max_length=length)
        for name, length in LENGTHS.items()
        if name in row or name in REQUIRED_FIELDS
    }
    if data["email"] and len(data["email"]) <= LENGTHS["email"]:
        try:
            validate_email(data["email"])
        except ValidationError:
            check.error(line, "email", f"{data['email']} is not an email address")
        else:
            try:
                validate_local_part(data["email"])
            except ValidationError as error:
                check.error(line, "email", error.messages[0].rstrip("."))
    return data


def _check_once(check: Check, line: int, column: str, key: str, value: str, seen: dict) -> None:
    """A value that must appear once in the file (`key`: how it compares)."""
    if not key:
        return
    if key in seen:
        check.error(line, column, f"{value} is also on line {seen[key]}")
    seen.setdefault(key, line)


def _outcome(check: Check, line: int, data: dict, found, plan: Plan) -> Outcome:
    """Create, update or leave the contact the row names; the plan gets what to write."""
    what = f"{data.get('first_name', '')} {data.get('last_name', '')} <{data['email']}>"
    contact = match(check, line, data["email"], data.get("external_id", ""), found)
    if not check.ok(line):
        return Outcome(line, ERROR, what)
    if contact is None:
        plan.new.append(Contact(**{**data, "external_id": data.get("external_id") or None}))
        return Outcome(line, CREATE, what)
    changes = {}
    for name, value in data.items():
        if name == "external_id" and not value:
            continue  # an empty cell does not take an external id away
        old = getattr(contact, name) or ""
        if old != value:
            changes[name] = [old, value]
    if changes:
        plan.changed.append((contact, changes))
    return compared(line, what, changes)


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
            contact,
            {n: [None, getattr(contact, n) or None] for n in FIELDS if getattr(contact, n)},
        )
        for contact in plan.new
    ] + [_history(ctx, contact, changes) for contact, changes in plan.changed]
    History.objects.bulk_create(history, batch_size=500)


def _history(ctx: Context, contact: Contact, changes: dict) -> History:
    """The contact's History row, an audit row of the contact as a change by hand writes
    (`services.contacts`): its page and the audit view show it."""
    return ctx.history(
        contact_id=contact.pk,
        action="import_contact",
        changes=changes,
        object_type=AuditObject.CONTACT,
        object_id=contact.pk,
        object_label=contact.full_name[:200],
    )

"""Contacts — PRODUCT.md §2 "Contact": unique email (any case), external id, archived,
never deleted; every change in History.
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from certtrack import clock

from .. import audit
from ..actors import Actor
from ..errors import Invalid, Refused
from ..models import (
    AuditObject,
    Contact,
)
from .common import (
    _clean,
    _get,
    _set_fields,
)

CONTACT_FIELDS = {"first_name", "last_name", "email", "organization", "phone", "external_id"}


def _check_contact_unique(contact: Contact) -> None:
    clash = Contact.objects.filter(email__iexact=contact.email).exclude(pk=contact.pk).first()
    if clash:
        raise Refused(
            f"A contact with email {contact.email} already exists (id {clash.pk}).",
            contact_id=clash.pk,
        )
    if contact.external_id:
        clash = (
            Contact.objects.filter(external_id=contact.external_id).exclude(pk=contact.pk).first()
        )
        if clash:
            raise Refused(
                f"A contact with external id {contact.external_id} already exists (id {clash.pk})."
            )


def _save_contact(contact: Contact) -> None:
    """Save a contact whose email and external id are free; a clash is the same 409 however
    it is found (this check, or the unique constraint when a concurrent request wins)."""
    _check_contact_unique(contact)
    # Not the constraints: their message is raw text; the check above and the save say it.
    _clean(contact, validate_constraints=False)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        _check_contact_unique(contact)  # the other request's row is visible now
        raise Refused(f"A contact with email {contact.email} already exists.") from None


@transaction.atomic
def create_contact(actor: Actor, now: datetime | None = None, **fields) -> Contact:
    """Create a contact; a duplicate email (any case) is refused."""
    contact = Contact()
    _set_fields(contact, fields, CONTACT_FIELDS)
    contact.email = (contact.email or "").strip()
    contact.external_id = contact.external_id or None
    if not contact.email:
        raise Invalid("email", "email is required.")
    _save_contact(contact)
    if now is not None:  # created as of another moment (a back-fill, the demo): its own date
        Contact.objects.filter(pk=contact.pk).update(created_at=now)
        contact.created_at = now
    _audit_contact(actor, now or clock.now(), contact, "create_contact", audit.created(fields))
    return contact


def _audit_contact(actor: Actor, now: datetime, contact: Contact, action: str, changes=None):
    audit.record(
        actor,
        now,
        AuditObject.CONTACT,
        contact.pk,
        contact.full_name,
        action,
        changes,
        contact_id=contact.pk,
    )


@transaction.atomic
def update_contact(contact_id: int, actor: Actor, now: datetime | None = None, **fields) -> Contact:
    """Change a contact's fields; the history records what changed."""
    now = now or clock.now()
    contact = _get(Contact, contact_id, "contact")
    changes = _set_fields(contact, fields, CONTACT_FIELDS)
    contact.external_id = contact.external_id or None
    _save_contact(contact)
    if changes:
        _audit_contact(actor, now, contact, "update_contact", changes)
    return contact


@transaction.atomic
def archive_contact(
    contact_id: int, actor: Actor, now: datetime | None = None, archived: bool = True
) -> Contact:
    """Archive (or restore) a contact: contacts with records are never deleted."""
    now = now or clock.now()
    contact = _get(Contact, contact_id, "contact")
    contact.archived_at = now if archived else None
    contact.save(update_fields=["archived_at"])
    _audit_contact(actor, now, contact, "archive_contact" if archived else "restore_contact")
    return contact

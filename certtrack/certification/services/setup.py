"""Setup — PRODUCT.md §2 "Certification program", "Component", "General settings",
and §9 (branding; every change to programs, components and settings in History).
"""

import secrets
from datetime import datetime
from functools import partial
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction

from certtrack import clock

from .. import audit, events
from .. import images as images_module
from ..actors import Actor
from ..errors import Duplicate, Invalid
from ..models import (
    AuditObject,
    Component,
    ComponentKind,
    GeneralSettings,
    Program,
    ProgramComponent,
    RenewalRequirements,
    Scoring,
)
from ..progress_store import refresh as store_progress
from .common import (
    _clean,
    _get,
    _set_fields,
)

# In the order a form shows them.
COMPONENT_FIELDS = (
    "kind",
    "name",
    "code",
    "description",
    "credits_earned",
    "hours_earned",
    "requires_approval",
    "opens_on",
    "closes_on",
    "is_active",
    "scoring",
    "max_score",
    "passing_score",
)


def _unique_code(model, base: str) -> str:
    stem = "".join(ch for ch in base.upper() if ch.isalnum())[:12] or model.__name__.upper()[:4]
    code, n = stem, 1
    while model.objects.filter(code__iexact=code).exists():
        n += 1
        code = f"{stem}-{n}"
    return code


def _code_free(obj: Component | Program) -> None:
    """A code differs from every other of its kind by more than letter case: people, files
    and imports write "cae" for CAE (the database's unique index compares exactly)."""
    other = type(obj).objects.filter(code__iexact=obj.code).exclude(pk=obj.pk).first()
    if other is not None:
        noun = obj._meta.verbose_name
        raise Duplicate(
            "code",
            f"code: {noun.capitalize()} {other.name} has the code {other.code} already "
            "(codes differ by more than letter case).",
        )


def _set_prerequisites(component: Component, prerequisite_ids) -> None:
    ids = [int(p) for p in prerequisite_ids]
    found = list(Component.objects.filter(pk__in=ids))
    if len({c.pk for c in found}) != len(set(ids)):
        missing = sorted(set(ids) - {c.pk for c in found})
        raise Invalid(
            "prerequisite_ids", f"Unknown component id(s): {', '.join(map(str, missing))}."
        )
    if component.pk in ids:
        raise Invalid("prerequisite_ids", "A component cannot be its own prerequisite.")
    # Refuse a cycle: the new prerequisites must not (transitively) require this component.
    frontier, seen = set(ids), set()
    while frontier:
        if component.pk in frontier:
            raise Invalid("prerequisite_ids", "These prerequisites would make a cycle.")
        seen |= frontier
        frontier = (
            set(
                Component.prerequisites.through.objects.filter(
                    from_component_id__in=frontier
                ).values_list("to_component_id", flat=True)
            )
            - seen
        )
    component.prerequisites.set(found)


@transaction.atomic
def create_component(
    actor: Actor, prerequisite_ids=(), now: datetime | None = None, **fields
) -> Component:
    """Create a component (course, exam, task or event)."""
    component = Component()
    changes = _set_fields(component, fields, COMPONENT_FIELDS)
    if component.kind == ComponentKind.EXAM and not component.scoring:
        component.scoring = Scoring.PASS_FAIL
    if not component.code and component.name:
        component.code = _unique_code(Component, component.name)
    _clean(component)
    _code_free(component)
    component.save()
    _set_prerequisites(component, prerequisite_ids or [])
    if prerequisite_ids:
        changes["prerequisites"] = [None, _codes(component.prerequisites.all())]
    _audit_setup(actor, now, AuditObject.COMPONENT, component, "create_component", changes)
    settings = GeneralSettings.get()
    if settings.default_program_id:
        ProgramComponent.objects.get_or_create(
            program_id=settings.default_program_id,
            component=component,
            defaults={"required": False},
        )
    return component


@transaction.atomic
def update_component(
    component_id: int, actor: Actor, prerequisite_ids=None, now: datetime | None = None, **fields
) -> Component:
    """Change a component's fields (and prerequisites, when given)."""
    component = _get(Component, component_id, "component")
    changes = _set_fields(component, fields, COMPONENT_FIELDS)
    _clean(component)
    _code_free(component)
    component.save()
    if prerequisite_ids is not None:
        before = _codes(component.prerequisites.all())
        _set_prerequisites(component, prerequisite_ids)
        after = _codes(component.prerequisites.all())
        if before != after:
            changes["prerequisites"] = [before, after]
    if changes:
        _audit_setup(actor, now, AuditObject.COMPONENT, component, "update_component", changes)
    return component


def _codes(components) -> str:
    return ", ".join(sorted(c.code for c in components))


def _audit_setup(
    actor: Actor, now: datetime | None, kind: AuditObject, obj, action, changes, reason=""
):
    audit.record(actor, now or clock.now(), kind, obj.pk, obj.name, action, changes, reason=reason)


PROGRAM_FIELDS = (  # the editable fields, in the order of PRODUCT.md §2 and the form
    "name",
    "code",
    "version",
    "category",
    "description",
    "require_approval",
    "completion_requires_approval",
    "validity_months",
    "credits_required",
    "hours_required",
    "certificate_template",
    "is_active",
    "completion_recency_months",
    "renewal_window_days",
    "renewal_grace_days",
    "renewal_base",
    "renewal_requirements",
    "renewal_credits_required",
    "renewal_hours_required",
)


def _component_rows(components) -> list[tuple[int, bool]]:
    """(component id, required) of each item, checked: no duplicate, no unknown id."""
    rows = []
    for item in components:
        if not isinstance(item, dict):
            item = {name: getattr(item, name, None) for name in ("component_id", "required")} | {
                "required_for_renewal": getattr(item, "required_for_renewal", False)
            }
        required = item.get("required", True)
        renewal = item.get("required_for_renewal", False)
        rows.append((int(item["component_id"]), bool(required), bool(renewal)))
    ids = [c for c, _, _ in rows]
    if len(set(ids)) != len(ids):
        raise Invalid("components", "A component is listed twice.")
    known = set(Component.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing := [c for c in ids if c not in known]:
        raise Invalid("components", f"Unknown component id(s): {', '.join(map(str, missing))}.")
    return rows


def _check_can_be_met(program: Program, rows: list[tuple[int, bool, bool]]) -> None:
    # Without either, nothing is ever required: members would sit at "0 of 0" forever.
    if not any(required for _, required, _ in rows) and not (
        program.credits_required or program.hours_required
    ):
        raise Invalid(
            "components",
            "A program needs at least one required component or a credits or hours threshold.",
        )
    # Renewing by credits with no credits, no hours and no component to redo asks nothing.
    if program.renewal_requirements == RenewalRequirements.CREDITS and not (
        program.renewal_credits_required
        or program.renewal_hours_required
        or any(renewal for _, _, renewal in rows)
    ):
        raise Invalid(
            "renewal_requirements",
            "Renewing by credits and hours needs renewal credits, renewal hours or a "
            "component required for renewal.",
        )


def _set_components(program: Program, rows: list[tuple[int, bool]]) -> None:
    ProgramComponent.objects.filter(program=program).delete()
    ProgramComponent.objects.bulk_create(
        ProgramComponent(program=program, component_id=c, required=r, required_for_renewal=n)
        for c, r, n in rows
    )
    store_progress(program_ids=[program.pk])


def _give_reminder_schedule(program: Program, reminder_schedule) -> list | None:
    """Hand the schedule to whoever keeps schedules (None: leave it as it is); an Invalid
    schedule raised there undoes the caller's transaction. Returns its change as the
    program's History records it ([old, new] in words), or None when it is the same."""
    if reminder_schedule is None:
        return None
    answers = events.reminder_schedule_given.send(
        sender=Program, program=program, schedule=reminder_schedule
    )
    return next((change for _, change in answers if change), None)


@transaction.atomic
def create_program(
    actor: Actor,
    components=(),
    now: datetime | None = None,
    reminder_schedule=None,
    **fields,
) -> Program:
    """Create a certification program with its components (each required or elective)
    and, optionally, its reminder schedule (PRODUCT.md §4); History records all three."""
    program = Program()
    changes = _set_fields(program, fields, PROGRAM_FIELDS)
    if not program.code and program.name:
        program.code = _unique_code(Program, program.name)
    _clean(program)
    _code_free(program)
    rows = _component_rows(components or [])
    _check_can_be_met(program, rows)
    program.save()
    _set_components(program, rows)
    if rows:
        changes["components"] = [None, _components_text(program)]
    if reminders := _give_reminder_schedule(program, reminder_schedule):
        changes["reminders"] = [None, reminders[1]]
    _audit_setup(actor, now, AuditObject.PROGRAM, program, "create_program", changes)
    return program


@transaction.atomic
def update_program(
    program_id: int,
    actor: Actor,
    components=None,
    now: datetime | None = None,
    reminder_schedule=None,
    reason: str = "",
    **fields,
) -> Program:
    """Change a program's fields (and components, and reminder schedule, when given); what
    changed, the reminder schedule too, is one History row in the same transaction (with
    `reason`: whom the change applies to, `whatif.change_program`)."""
    program = _get(Program, program_id, "program")
    changes = _set_fields(program, fields, PROGRAM_FIELDS)
    _clean(program)
    _code_free(program)
    if components is None:
        rows = list(program.links.values_list("component_id", "required", "required_for_renewal"))
    else:
        rows = _component_rows(components)
    _check_can_be_met(program, rows)
    program.save()
    if components is not None:
        before = _components_text(program)
        _set_components(program, rows)
        after = _components_text(program)
        if before != after:
            changes["components"] = [before, after]
    if reminders := _give_reminder_schedule(program, reminder_schedule):
        changes["reminders"] = reminders
    if changes:
        _audit_setup(actor, now, AuditObject.PROGRAM, program, "update_program", changes, reason)
    return program


def _components_text(program: Program) -> str:
    """The program's components as History shows them: "CPR (required), ETH (elective)"."""
    links = program.links.select_related("component").order_by("component__code")
    return ", ".join(
        f"{link.component.code} ({'required' if link.required else 'elective'}"
        f"{', for renewal' if link.required_for_renewal else ''})"
        for link in links
    )


SETTINGS_FIELDS = {
    "expiring_notice_days",
    "time_zone",
    "application_recipients",
    "admin_review_recipients",
    "default_certificate_template",
    "default_program_id",
    "enroll_attendees_to_all_relevant",
    "organization_name",
    "signatory_name",
    "signatory_title",
    "logo",
    "signature",
}


BRANDING_TEXT = ("organization_name", "signatory_name", "signatory_title")


BRANDING_IMAGES = ("logo", "signature")


def _set_images(settings: GeneralSettings, images: dict) -> dict:
    """Store each uploaded branding image (checked first: nothing is saved if one is bad);
    an empty value removes the image. {field: [old name, new name]} of what changed."""
    checked = {
        name: images_module.checked(name, upload) if upload else None
        for name, upload in images.items()
    }
    changes = {}
    for name, content in checked.items():
        stored = getattr(settings, name)
        old = stored.name or ""
        if content is None:
            if old:
                setattr(settings, name, "")
                # The file goes once the change commits (a rollback keeps the image shown).
                transaction.on_commit(partial(stored.storage.delete, old))
                changes[name] = [old, ""]
            continue
        data, extension = content
        stored.save(f"{name}-{secrets.token_hex(4)}.{extension}", ContentFile(data), save=False)
        changes[name] = [old or None, stored.name]
    return changes


def _email_list(field: str, value) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").replace("\n", ",").split(",")]
    if not isinstance(value, (list, tuple)):
        raise Invalid(field, f"{field} must be a list of email addresses.")
    emails = []
    for item in value:
        item = str(item).strip()
        if not item:
            continue
        try:
            validate_email(item)
        except ValidationError:
            raise Invalid(field, f"{item!r} is not an email address.") from None
        emails.append(item)
    return emails


@transaction.atomic
def update_settings(actor: Actor, now: datetime | None = None, **fields) -> GeneralSettings:
    """Change General Settings; each change is in the history."""
    now = now or clock.now()
    settings = GeneralSettings.objects.select_for_update().get(pk=GeneralSettings.get().pk)
    _check_settings(fields)
    images = {name: fields.pop(name) for name in BRANDING_IMAGES if name in fields}
    changes = _set_fields(settings, fields, SETTINGS_FIELDS)
    changes |= _set_images(settings, images)
    _clean(settings)
    settings.save()
    if changes:
        audit.record(
            actor,
            now,
            AuditObject.SETTINGS,
            settings.pk,
            "General Settings",
            "update_settings",
            changes,
        )
    return settings


def _check_settings(fields: dict) -> None:
    """Refuse an unknown or bad setting; tidy the lists of emails and the branding text
    (in place)."""
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise Invalid(sorted(unknown)[0], f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    if "expiring_notice_days" in fields:
        _check_notice_days(fields["expiring_notice_days"])
    if "time_zone" in fields and fields["time_zone"] not in available_timezones():
        raise Invalid(
            "time_zone",
            f"Unknown time zone {fields['time_zone']!r} (use an IANA name such as Europe/Paris).",
        )
    for field in ("application_recipients", "admin_review_recipients"):
        if field in fields:
            fields[field] = _email_list(field, fields[field])
    if "enroll_attendees_to_all_relevant" in fields and not isinstance(
        fields["enroll_attendees_to_all_relevant"], bool
    ):
        raise Invalid(
            "enroll_attendees_to_all_relevant",
            "enroll_attendees_to_all_relevant must be true or false.",
        )
    if fields.get("default_program_id") is not None:
        _get(Program, fields["default_program_id"], "program")
    for field in BRANDING_TEXT:
        if field in fields:
            fields[field] = _text(field, fields[field])


def _check_notice_days(days) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0 or days > 3650:
        raise Invalid(
            "expiring_notice_days",
            "expiring_notice_days must be a whole number from 0 to 3650.",
        )


def _text(field: str, value) -> str:
    if not isinstance(value, str):
        raise Invalid(field, f"{field} must be text.")
    return value.strip()

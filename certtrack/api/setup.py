"""Settings, contacts, components and programs: the set-up the Tracking tab runs on."""

from django.conf import settings as django_settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router
from ninja import Status as Reply
from ninja.errors import HttpError

from certtrack import clock
from certtrack.certification import services, whatif
from certtrack.certification.errors import BadFilter
from certtrack.certification.models import Component, Contact, GeneralSettings, Program
from certtrack.certification.transcript import transcript_of
from certtrack.credentials.transcript_pdf import transcript_csv_response, transcript_pdf_response
from certtrack.notifications import reminders

from .auth import actor
from .common import ID, errors, get_or_404, paginate
from .schemas import (
    NO_NUL,
    ComponentIn,
    ComponentOut,
    ComponentPage,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    ProgramIn,
    ProgramOut,
    ProgramPage,
    ProgramPatch,
    ReminderPreview,
    SettingsOut,
    SettingsPatch,
)

router = Router()

PAGE = Query(1, ge=1, le=10**9, description="Page number, from 1.")
PAGE_SIZE = Query(50, ge=1, description="Rows per page (at most 500; more is reduced to 500).")


# --- settings ---------------------------------------------------------------------------


def logo_url(settings: GeneralSettings) -> str | None:
    if not settings.logo:
        return None
    return django_settings.BASE_URL + reverse("credentials:branding_image", args=["logo"])


def settings_out(settings: GeneralSettings) -> dict:
    return {
        "expiring_notice_days": settings.expiring_notice_days,
        "time_zone": settings.time_zone,
        "application_recipients": list(settings.application_recipients),
        "admin_review_recipients": list(settings.admin_review_recipients),
        "enroll_attendees_to_all_relevant": settings.enroll_attendees_to_all_relevant,
        "default_certificate_template": settings.default_certificate_template,
        "default_program_id": settings.default_program_id,
        "organization_name": settings.organization_name,
        "signatory_name": settings.signatory_name,
        "signatory_title": settings.signatory_title,
        "logo_url": logo_url(settings),
    }


@router.get("/settings", response={200: SettingsOut, **errors()}, tags=["settings"])
def get_settings(request: HttpRequest):
    """General Settings: expiring notice days, time zone, email recipients."""
    return settings_out(GeneralSettings.get())


@router.patch("/settings", response={200: SettingsOut, **errors(403, 404, 422)}, tags=["settings"])
def patch_settings(request: HttpRequest, payload: SettingsPatch):
    """Change General Settings (administrators only). Only the fields sent change."""
    if not request.auth.user.is_administrator:
        raise HttpError(403, "Only an administrator can change the General Settings.")
    fields = payload.model_dump(exclude_unset=True)  # a null is refused by the service (422)
    return settings_out(services.update_settings(actor(request), **fields))


# --- contacts ---------------------------------------------------------------------------


def contact_out(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "organization": contact.organization,
        "phone": contact.phone,
        "external_id": contact.external_id,
        "archived": contact.archived_at is not None,
        "created_at": contact.created_at,
    }


@router.post("/contacts", response={201: ContactOut, **errors(409, 422)}, tags=["contacts"])
def create_contact(request: HttpRequest, payload: ContactIn):
    """Create a contact. An email already used by another contact (any case) → 409."""
    contact = services.create_contact(actor(request), **payload.model_dump())
    return Reply(201, contact_out(contact))


@router.get("/contacts", response={200: ContactPage, **errors(400)}, tags=["contacts"])
def list_contacts(
    request: HttpRequest,
    q: str = Query("", max_length=200, pattern=NO_NUL, description="Name, email, organization."),
    page: int = PAGE,
    page_size: int = PAGE_SIZE,
):
    """Contacts, by name; `q` keeps those whose name, email or organization contains each word."""
    rows = Contact.objects.search(q)
    envelope, contacts = paginate(rows, page, page_size)
    return {**envelope, "results": [contact_out(c) for c in contacts]}


@router.get("/contacts/{id}", response={200: ContactOut, **errors(404)}, tags=["contacts"])
def get_contact(request: HttpRequest, id: int = ID):
    return contact_out(get_or_404(Contact.objects.all(), id, "contact"))


@router.get(
    "/contacts/{id}/transcript",
    response={200: dict, **errors(404)},
    tags=["contacts"],
    summary="The contact's transcript: completions with credits and hours by program and period",
    description="Totals against each period's requirement; `unused_completions` lists the "
    "completions no period counted. `?format=pdf` or `?format=csv` for the files.",
)
def get_transcript(request: HttpRequest, id: int = ID, format: str = "json"):
    if format not in ("json", "pdf", "csv"):
        raise BadFilter("format", f"format must be json, pdf or csv, not {format!r}.")
    transcript = transcript_of(get_or_404(Contact.objects.all(), id, "contact"))
    if format == "pdf":
        return transcript_pdf_response(transcript, GeneralSettings.get().today(clock.now()))
    if format == "csv":
        return transcript_csv_response(transcript)
    return transcript.as_dict()


@router.patch(
    "/contacts/{id}", response={200: ContactOut, **errors(404, 409, 422)}, tags=["contacts"]
)
def patch_contact(request: HttpRequest, payload: ContactPatch, id: int = ID):
    """Change a contact's fields; only the fields sent change."""
    fields = payload.model_dump(exclude_unset=True)
    return contact_out(services.update_contact(id, actor(request), **fields))


# --- components -------------------------------------------------------------------------


def component_out(component: Component) -> dict:
    return {
        "id": component.pk,
        "name": component.name,
        "code": component.code,
        "kind": component.kind,
        "description": component.description,
        "credits_earned": component.credits_earned,
        "hours_earned": component.hours_earned,
        "requires_approval": component.requires_approval,
        "scoring": component.scoring,
        "max_score": component.max_score,
        "passing_score": component.passing_score,
        "opens_on": component.opens_on,
        "closes_on": component.closes_on,
        "is_active": component.is_active,
        # prefetched: no query per component
        "prerequisite_ids": sorted(p.pk for p in component.prerequisites.all()),
    }


def _components():
    return Component.objects.prefetch_related("prerequisites")


@router.post("/components", response={201: ComponentOut, **errors(422)}, tags=["components"])
def create_component(request: HttpRequest, payload: ComponentIn):
    """Create a course, exam, task or event; a code is made from the name when none is given."""
    fields = payload.model_dump(exclude={"prerequisite_ids"})
    for name in ("code", "scoring"):
        if fields[name] is None:
            del fields[name]
    component = services.create_component(
        actor(request), prerequisite_ids=payload.prerequisite_ids, **fields
    )
    return Reply(201, component_out(_components().get(pk=component.pk)))


@router.get("/components", response={200: ComponentPage, **errors(400)}, tags=["components"])
def list_components(request: HttpRequest, page: int = PAGE, page_size: int = PAGE_SIZE):
    envelope, components = paginate(_components(), page, page_size)
    return {**envelope, "results": [component_out(c) for c in components]}


@router.get("/components/{id}", response={200: ComponentOut, **errors(404)}, tags=["components"])
def get_component(request: HttpRequest, id: int = ID):
    return component_out(get_or_404(_components(), id, "component"))


# --- programs ---------------------------------------------------------------------------


def program_out(program: Program) -> dict:
    return {
        "id": program.pk,
        "name": program.name,
        "code": program.code,
        "version": program.version,
        "description": program.description,
        "category": program.category,
        "require_approval": program.require_approval,
        "completion_requires_approval": program.completion_requires_approval,
        "validity_months": program.validity_months,
        "credits_required": program.credits_required,
        "hours_required": program.hours_required,
        "is_active": program.is_active,
        "completion_recency_months": program.completion_recency_months,
        "renewal_window_days": program.renewal_window_days,
        "renewal_grace_days": program.renewal_grace_days,
        "renewal_base": program.renewal_base,
        "renewal_requirements": program.renewal_requirements,
        "renewal_credits_required": program.renewal_credits_required,
        "renewal_hours_required": program.renewal_hours_required,
        "reminder_schedule": _schedule_out(program),
        "components": [
            {
                "component_id": link.component_id,
                "required": link.required,
                "required_for_renewal": link.required_for_renewal,
                "name": link.component.name,
                "code": link.component.code,
                "kind": link.component.kind,
            }
            for link in program.links.all()  # prefetched
        ],
    }


def _schedule_out(program: Program) -> list[dict]:
    names = reminders.template_keys()
    return [
        {
            "offset_days": r.offset_days,
            "template": r.template,
            "mandatory": r.mandatory,
            "description": reminders.describe(
                reminders.Step(r.offset_days, r.template, r.mandatory), names
            ),
        }
        for r in program.reminder_steps.all()  # prefetched
    ]


def _programs():
    return Program.objects.prefetch_related("links__component", "reminder_steps")


def _program(program_id: int) -> Program:
    return get_or_404(_programs(), program_id, "program")


@router.post("/programs", response={201: ProgramOut, **errors(422)}, tags=["programs"])
def create_program(request: HttpRequest, payload: ProgramIn):
    """Create a program with its components (each required or elective)."""
    fields = payload.model_dump(exclude={"components"})
    if fields["code"] is None:
        del fields["code"]
    components = [c.model_dump() for c in payload.components]
    program = services.create_program(actor(request), components=components, **fields)
    return Reply(201, program_out(_program(program.pk)))


@router.get("/programs", response={200: ProgramPage, **errors(400)}, tags=["programs"])
def list_programs(request: HttpRequest, page: int = PAGE, page_size: int = PAGE_SIZE):
    envelope, programs = paginate(_programs(), page, page_size)
    return {**envelope, "results": [program_out(p) for p in programs]}


@router.get("/programs/{id}", response={200: ProgramOut, **errors(404)}, tags=["programs"])
def get_program(request: HttpRequest, id: int = ID):
    return program_out(_program(id))


@router.patch("/programs/{id}", response={200: ProgramOut, **errors(404, 422)}, tags=["programs"])
def patch_program(request: HttpRequest, payload: ProgramPatch, id: int = ID):
    """Change a program's fields; `components`, when given, replaces its components.
    `apply_to_existing: true` recomputes existing holders too (PRODUCT.md §11)."""
    fields, components = _program_change(payload)
    apply = bool(fields.pop("apply_to_existing", False))
    whatif.change_program(
        id, actor(request), components=components, apply_to_existing=apply, **fields
    )
    return program_out(_program(id))


def _program_change(payload: ProgramPatch) -> tuple[dict, list | None]:
    fields = payload.model_dump(exclude_unset=True, exclude={"components"})
    if fields.get("reminder_schedule", 0) is None:
        del fields["reminder_schedule"]
    components = None
    if "components" in payload.model_fields_set and payload.components is not None:
        components = [c.model_dump() for c in payload.components]
    return fields, components


@router.post(
    "/programs/{id}/preview-change",
    response={200: dict, **errors(404, 422)},
    tags=["programs"],
    summary="What a PATCH of this program would do to its existing holders; changes nothing",
    description='Body as the PATCH → `{"enrollments_changed", "status_changes": {"from→to": n}, '
    '"examples": [up to five: name, today\'s dates → new dates], "holders"}`. An archived '
    "program or an invalid value → 422, as the PATCH.",
)
def preview_program_change(request: HttpRequest, payload: ProgramPatch, id: int = ID):
    get_or_404(Program.objects.all(), id, "program")
    fields, components = _program_change(payload)
    fields.pop("apply_to_existing", None)
    effect = whatif.preview_change(id, actor(request), components=components, **fields)
    return effect.as_dict()


# --- reminders ---------------------------------------------------------------------------


@router.get(
    "/reminders/preview", response={200: ReminderPreview, **errors(400)}, tags=["reminders"]
)
def reminder_preview(request: HttpRequest, days: int = 30):
    """Every reminder the worker would send in the next `days` days (1–366) if nothing
    changed: the same computation the worker uses to decide what is due."""
    rows = reminders.preview(clock.now(), days)
    return {"results": rows}

"""Settings, contacts, components and programs: the set-up the Tracking tab runs on."""

from django.http import HttpRequest
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
from .common import ID, PAGE, PAGE_SIZE, errors, get_or_404, paginate
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


# --- settings ---------------------------------------------------------------------------


@router.get("/settings", response={200: SettingsOut, **errors()}, tags=["settings"])
def get_settings(request: HttpRequest):
    """General Settings: expiring notice days, time zone, email recipients."""
    return GeneralSettings.get()


@router.patch("/settings", response={200: SettingsOut, **errors(403, 404, 422)}, tags=["settings"])
def patch_settings(request: HttpRequest, payload: SettingsPatch):
    """Change General Settings (administrators only). Only the fields sent change."""
    if not request.auth.user.is_administrator:
        raise HttpError(403, "Only an administrator can change the General Settings.")
    fields = payload.model_dump(exclude_unset=True)  # a null is refused by the service (422)
    return services.update_settings(actor(request), **fields)


# --- contacts ---------------------------------------------------------------------------


@router.post("/contacts", response={201: ContactOut, **errors(409, 422)}, tags=["contacts"])
def create_contact(request: HttpRequest, payload: ContactIn):
    """Create a contact. An email already used by another contact (any case) → 409."""
    contact = services.create_contact(actor(request), **payload.model_dump())
    return Reply(201, contact)


@router.get("/contacts", response={200: ContactPage, **errors(400)}, tags=["contacts"])
def list_contacts(
    request: HttpRequest,
    q: str = Query("", max_length=200, pattern=NO_NUL, description="Name, email, organization."),
    page: int = PAGE,
    page_size: int = PAGE_SIZE,
):
    """Contacts, by name; `q` keeps those whose name, email or organization contains each word."""
    return paginate(Contact.objects.search(q), page, page_size)


@router.get("/contacts/{id}", response={200: ContactOut, **errors(404)}, tags=["contacts"])
def get_contact(request: HttpRequest, id: int = ID):
    return get_or_404(Contact.objects.all(), id, "contact")


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
    return services.update_contact(id, actor(request), **fields)


# --- components -------------------------------------------------------------------------


def _components():
    return Component.objects.prefetch_related("prerequisites")


@router.post("/components", response={201: ComponentOut, **errors(409, 422)}, tags=["components"])
def create_component(request: HttpRequest, payload: ComponentIn):
    """Create a course, exam, task or event; a code is made from the name when none is given."""
    fields = payload.model_dump(exclude={"prerequisite_ids"})
    for name in ("code", "scoring"):
        if fields[name] is None:
            del fields[name]
    component = services.create_component(
        actor(request), prerequisite_ids=payload.prerequisite_ids, **fields
    )
    return Reply(201, _components().get(pk=component.pk))


@router.get("/components", response={200: ComponentPage, **errors(400)}, tags=["components"])
def list_components(request: HttpRequest, page: int = PAGE, page_size: int = PAGE_SIZE):
    return paginate(_components(), page, page_size)


@router.get("/components/{id}", response={200: ComponentOut, **errors(404)}, tags=["components"])
def get_component(request: HttpRequest, id: int = ID):
    return get_or_404(_components(), id, "component")


# --- programs ---------------------------------------------------------------------------


def _programs():
    return Program.objects.prefetch_related("links__component", "reminder_steps")


def _program(program_id: int) -> Program:
    return get_or_404(_programs(), program_id, "program")


@router.post("/programs", response={201: ProgramOut, **errors(409, 422)}, tags=["programs"])
def create_program(request: HttpRequest, payload: ProgramIn):
    """Create a program with its components (each required or elective)."""
    fields = payload.model_dump(exclude={"components"})
    if fields["code"] is None:
        del fields["code"]
    components = [c.model_dump() for c in payload.components]
    program = services.create_program(actor(request), components=components, **fields)
    return Reply(201, _program(program.pk))


@router.get("/programs", response={200: ProgramPage, **errors(400)}, tags=["programs"])
def list_programs(request: HttpRequest, page: int = PAGE, page_size: int = PAGE_SIZE):
    return paginate(_programs(), page, page_size)


@router.get("/programs/{id}", response={200: ProgramOut, **errors(404)}, tags=["programs"])
def get_program(request: HttpRequest, id: int = ID):
    return _program(id)


@router.patch(
    "/programs/{id}", response={200: ProgramOut, **errors(404, 409, 422)}, tags=["programs"]
)
def patch_program(request: HttpRequest, payload: ProgramPatch, id: int = ID):
    """Change a program's fields; `components`, when given, replaces its components.
    `apply_to_existing: true` recomputes existing holders too (PRODUCT.md §11)."""
    fields, components = _program_change(payload)
    apply = bool(fields.pop("apply_to_existing", False))
    whatif.change_program(
        id, actor(request), components=components, apply_to_existing=apply, **fields
    )
    return _program(id)


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

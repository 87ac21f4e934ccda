"""`POST /api/v1/imports` (API.md "Import"): one call of the import service."""

from django.http import HttpRequest, JsonResponse
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from certtrack.certification import imports
from certtrack.certification.actors import Actor
from certtrack.imports import jobs
from certtrack.imports.models import ImportSource

from .auth import actor
from .common import errors
from .schemas import RowError

router = Router(tags=["imports"])
KIND = Form(..., pattern="^(contacts|completions|certifications)$")
DRY_RUN = Form(False)
FILE = File(...)


class ImportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]


@router.post(
    "/imports",
    response={200: ImportOut, 201: ImportOut, **errors(413, 422)},
)
def import_file(
    request: HttpRequest,
    kind: str = KIND,
    dry_run: bool = DRY_RUN,
    file: UploadedFile = FILE,
):
    """Import a CSV or XLSX file of contacts, completions or certifications, all or nothing.

    A dry run (200) checks every row and writes nothing; a written file answers 201; any
    bad row answers 422 with every error (line, column, message) and nothing written.
    """
    try:
        imports.files.check_size(file.size)  # before reading it into memory
    except imports.FileRefused as refused:
        result = imports.Result(kind=kind, dry_run=dry_run, errors=refused.errors)
    else:
        result = jobs.import_now(
            kind,
            file.read(),
            file.name or "upload",
            Actor.importer(actor(request)),
            request.auth.user,
            source=ImportSource.API,
            dry_run=dry_run,
        )
    body = result.as_dict(outcomes=False)
    if result.errors:
        # As every error body: only the keys it has (the schema would add nulls).
        return JsonResponse({"detail": result.summary, "errors": body["errors"]}, status=422)
    return Reply(200 if dry_run else 201, body)

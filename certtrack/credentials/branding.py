"""The organization's branding where others see it — PRODUCT.md §9: its name and logo on
the verification page, the portal header and the issuer profile; logo, signatory and
signature image on the PDF. Set in General Settings (images checked on upload by
certification.images); served from here.
"""

import io
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from certtrack.certification.models import GeneralSettings

from .certificates import issuer_name

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}
PUBLIC_IMAGES = ("logo",)  # the signature is printed on certificates, not handed out


@dataclass(frozen=True)
class Branding:
    name: str
    logo_url: str  # "" without a logo
    signatory_name: str
    signatory_title: str


def current() -> Branding:
    general = GeneralSettings.get()
    logo = ""
    if general.logo:
        version = int(general.updated_at.timestamp()) if general.updated_at else 0
        logo = f"{reverse('credentials:branding_image', args=['logo'])}?v={version}"
    return Branding(issuer_name(general), logo, general.signatory_name, general.signatory_title)


def context(request: HttpRequest) -> dict:
    """Template context processor: `branding`, read only by templates that use it."""
    return {"branding": SimpleLazyObject(current)}


def logo_image() -> dict | None:
    """The logo as an OB 3.0 Image (absolute URL), or None."""
    branding = current()
    if not branding.logo_url:
        return None
    return {"id": settings.BASE_URL + branding.logo_url, "type": "Image", "caption": "Logo"}


@require_safe
@cache_control(public=True, max_age=300)
def image(request: HttpRequest, which: str) -> HttpResponse:
    """The logo (anyone) or the signature image (staff only), as uploaded."""
    if which not in ("logo", "signature"):
        raise Http404
    if which not in PUBLIC_IMAGES and not (request.user.is_authenticated and request.user.is_staff):
        raise Http404
    stored = getattr(GeneralSettings.get(), which)
    if not stored:
        raise Http404
    suffix = PurePath(stored.name).suffix.lower()
    with stored.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=CONTENT_TYPES.get(suffix, "image/png"))
    # An SVG opened by itself is a document: it may show, never run anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def drawable(which: str):
    """The logo or signature for ReportLab: ("image", ImageReader) for PNG/JPEG,
    ("drawing", Drawing) for SVG, or None when there is none (or it cannot be read)."""
    stored = getattr(GeneralSettings.get(), which)
    if not stored:
        return None
    try:
        with stored.open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    if stored.name.lower().endswith(".svg"):
        from svglib.svglib import svg2rlg

        drawing = svg2rlg(io.BytesIO(data))
        return ("drawing", drawing) if drawing is not None else None
    from reportlab.lib.utils import ImageReader

    return ("image", ImageReader(io.BytesIO(data)))

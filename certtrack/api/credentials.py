"""The credential endpoints of the REST API (API.md "Certificates and credentials",
"Verification"): each translates HTTP to one call of certtrack.credentials.
"""

from datetime import date
from typing import Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema, Status
from pydantic import Field

from certtrack.certification.asof import parse_day
from certtrack.certification.statuses import Status as EnrollmentStatus
from certtrack.credentials.badges import MEDIA_TYPE, signed_credential
from certtrack.credentials.certificates import NotYetIssued, issued, issuer_name, verify
from certtrack.credentials.pdf import pdf_response
from certtrack.credentials.ratelimit import hit

from .common import errors
from .openapi import component
from .schemas import Error

router = Router(tags=["credentials"])


@component
class CredentialJson(Schema):
    """The credential for a client that reads JSON only (`Accept: application/json`)."""

    jwt: str = Field(description="The VC-JWT (Compact JWS), exactly as served as vc+jwt.")


class Verification(Schema):
    valid: bool
    status: Literal["valid", "expiring", "expired", "suspended", "revoked"]
    status_label: str
    enrollment_status: str | None  # None: with `on`, a day the enrollment did not exist
    certificate_number: str
    holder: str
    program: str
    activated_on: date | None  # the current period's
    expires_on: date | None
    first_activated_on: date | None  # period 1's: "certified since"
    issuer: str
    as_of: date  # the day (organization time zone) the answer is true for
    on: date | None = None  # the day asked with `?on=`
    period: int | None = None  # the period that covered that day (the current one without `on`)
    answer: str | None = None  # with `on`: "valid on 12 May 2024: yes, period 2 (…)"


@router.get(
    "/enrollments/{id}/certificate.pdf",
    response=errors(404, 409),  # 200: a PDF, declared below
    summary="The PDF certificate of an Active, Expiring or Expired enrollment "
    "(the current period, or `?period=N`; 404 for a period it does not have)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The certificate",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                "headers": {
                    "Content-Disposition": {
                        "description": "`inline; filename=certificate-<number>.pdf`",
                        "schema": {"type": "string"},
                    }
                },
            }
        }
    },
)
def get_certificate(request: HttpRequest, id: int, period: int | None = None):
    certificate = issued(id, period)
    return pdf_response(certificate)


@router.get(
    "/enrollments/{id}/credential",
    response=errors(404, 409),  # 200: a VC-JWT or its JSON form, declared below
    summary="The Open Badges 3.0 credential (VC-JWT) of an Active, Expiring or Expired "
    "enrollment (the current period, or `?period=N`; 404 for a period it does not have)",
    description="Served as `application/vc+jwt`; a client that asks for "
    '`Accept: application/json` (and not vc+jwt) gets `{"jwt": "<the same token>"}`.',
    openapi_extra={
        "responses": {
            200: {
                "description": "A Compact JWS; verify it with the key of its `kid` from "
                "/.well-known/jwks.json",
                "content": {
                    MEDIA_TYPE: {"schema": {"type": "string"}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/CredentialJson"}},
                },
            }
        }
    },
)
def get_credential(request: HttpRequest, id: int, period: int | None = None):
    token = signed_credential(issued(id, period))
    if request.get_preferred_type([MEDIA_TYPE, "application/json"]) == "application/json":
        response = JsonResponse(CredentialJson(jwt=token).model_dump())
    else:
        response = HttpResponse(token, content_type=MEDIA_TYPE)
    response["Vary"] = "Accept"
    return response


@router.get(
    "/verify/{certificate_number}",
    auth=None,
    response={200: Verification, 400: Error, 404: Error, 429: Error},
    summary="Verify a certificate (public, no token; rate-limited per client)",
)
def verify_certificate(
    request: HttpRequest, response: HttpResponse, certificate_number: str, on: str = ""
):
    """`?on=YYYY-MM-DD` answers for the end of that day (`valid`: in force then); an
    impossible day, or one before 1900, is a 400 naming `on`."""
    verdict = hit(request)
    if not verdict.allowed:
        # As every error body: only the keys it has (the schema would add nulls).
        refused = JsonResponse({"detail": verdict.message}, status=429)
        refused["Retry-After"] = str(verdict.retry_after)
        return refused
    day = parse_day(on, "on")
    try:
        return Status(200, as_verification(verify(certificate_number, day)))
    except NotYetIssued as absent:  # a known number, not in force that day: valid false
        return Status(200, as_verification(absent.certificate) | {"answer": absent.message})


def as_verification(certificate) -> dict:
    """What anyone may learn about a certificate: name, program, dates, outcome. No email.

    `status` is API.md's: `valid`, `expiring` (valid, within the notice days of its
    expiry), `expired`, `suspended` or `revoked`; `valid` is true for the first two."""
    expiring = certificate.valid and certificate.status == EnrollmentStatus.EXPIRING
    return {
        "valid": certificate.valid,
        "status": "expiring" if expiring else certificate.outcome,
        "status_label": "Valid, expiring soon" if expiring else certificate.outcome_label,
        "enrollment_status": certificate.status.value if certificate.status else None,
        "certificate_number": certificate.number,
        "holder": certificate.holder,
        "program": certificate.program,
        "activated_on": certificate.activated_on,
        "expires_on": certificate.expires_on,
        "first_activated_on": certificate.first_activated_on,
        "issuer": issuer_name(),
        "as_of": certificate.today,
        "on": certificate.on,
        "period": certificate.period_number,
        "answer": certificate.on_day_answer if certificate.on else None,
    }

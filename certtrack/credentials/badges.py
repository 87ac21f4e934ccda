"""Open Badges 3.0 credentials, signed as VC-JWT (1EdTech Open Badges 3.0 §8.2, JSON Web
Token Proof Format): the JWT payload is the OpenBadgeCredential itself, with the JWT
claims beside its fields. See docs/credentials.md for the sections followed.
"""

import uuid
from datetime import date, datetime, time
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings

from certtrack.certification.models import GeneralSettings

from . import status_lists
from .branding import logo_image
from .certificates import Certificate, issuer_id, issuer_name
from .vcjwt import MEDIA_TYPE, sign

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
__all__ = ["MEDIA_TYPE", "credential", "issuer_id", "signed_credential"]


def issuer_profile() -> dict:
    """The issuer's Profile (OB 3.0 §B.1 Profile), served at its own id."""
    return {
        "@context": CONTEXT,
        "id": issuer_id(),
        "type": ["Profile"],
        "name": issuer_name(),
        "url": settings.BASE_URL,
    } | _with_logo()


def _with_logo() -> dict:
    """OB 3.0 Profile.image: the organization's logo, when it has one."""
    image = logo_image()
    return {"image": image} if image else {}


def achievement_id(program) -> str:
    return f"{settings.BASE_URL}/achievements/{quote(program.code, safe='')}"


def achievement(program) -> dict:
    """The program as an OB 3.0 Achievement (§B.1.2), also served at its own id."""
    return {
        "id": achievement_id(program),
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": program.name,
        "description": program.description or f"Certification in {program.name}.",
        "criteria": {"narrative": _criteria(program)},
        "humanCode": program.code,
    }


def achievement_document(program) -> dict:
    return {"@context": CONTEXT, **achievement(program)}


def _urn(kind: str, key: str) -> str:
    # Stable ids derived from this installation's base URL: the same certificate always
    # gets the same ids, and no database id or email appears in them.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.BASE_URL}/{kind}/{key}')}"


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _end_of(day: date, zone: ZoneInfo) -> datetime:
    # The day's last second, without computing the next day (9999-12-31 has none).
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def credential_id(certificate: Certificate) -> str:
    """One id per period, stable for it (the certificate number is the same in every period)."""
    if certificate.period is None:  # certified before periods existed: its first shape
        return _urn("credentials", f"{certificate.number}/{certificate.expires_on}")
    return _urn("credentials", f"{certificate.number}/periods/{certificate.period.number}")


def credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential (OB 3.0 §B.1.1 AchievementCredential) for one period of a
    certificate, with its two status list entries (allocated on first issue).

    validFrom is the start of the period's activation day and validUntil the end of its
    expiry day (a certification is valid through the whole of that day), in the
    organization's time zone.
    """
    enrollment = certificate.enrollment
    program, contact = enrollment.program, enrollment.contact
    zone = ZoneInfo(GeneralSettings.get().time_zone)
    body = {
        "@context": CONTEXT,
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{program.name} — {certificate.holder}",
        "description": f"{certificate.holder} is certified in {program.name}.",
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": issuer_name(),
            "url": settings.BASE_URL,
        }
        | _with_logo(),
        "validFrom": _iso(_start_of(certificate.activated_on, zone)),
        "credentialSubject": {
            "id": _urn("contacts", str(contact.pk)),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder,
                },
            ],
            "achievement": achievement(program),
        },
        "evidence": [
            {
                "id": certificate.url,
                "type": ["Evidence"],
                "name": "Public verification page",
                "narrative": f"Certificate number {certificate.number}.",
            }
        ],
    }
    if certificate.expires_on is not None:
        body["validUntil"] = _iso(_end_of(certificate.expires_on, zone))
    if certificate.period is not None:
        body["credentialStatus"] = status_lists.credential_status(certificate.period)
    return body


def _criteria(program) -> str:
    months = program.validity_months
    validity = f" The certification is valid for {months} months." if months else ""
    return f"Met every requirement of the {program.name} program ({program.code}).{validity}"


def signed_credential(certificate: Certificate) -> str:
    """The credential as a VC-JWT (OB 3.0 §8.2), signed with the current issuer key."""
    return sign(credential(certificate))

"""Revocation and suspension status lists — PRODUCT.md §7, W3C Bitstring Status List v1.0.

Every period credential gets one index, the same in the revocation list and in the
suspension list of its list number. The lists are published, without a token, as signed
BitstringStatusListCredential VC-JWTs. Their bits are read from the enrollments' status
when a list is rendered: Cancelled sets the revocation bit of every period of the
enrollment; a suspended certification (Inactive, with a period) sets the suspension bit,
and reactivating clears it. See docs/credentials.md "Status lists".
"""

import base64
import gzip
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from certtrack import clock
from certtrack.certification.models import Period
from certtrack.certification.statuses import Status

from . import vcjwt
from .certificates import REVOKED, SUSPENDED, issuer_id, issuer_name, outcome_of
from .models import StatusListEntry

REVOCATION, SUSPENSION = "revocation", "suspension"
PURPOSES = {REVOCATION: REVOKED, SUSPENSION: SUSPENDED}  # status purpose → verification outcome
LIST_SIZE = 131_072  # entries per list: the specification's minimum (16 KB uncompressed)
# Indexes are drawn at random (the specification's advice: an index says nothing about
# when it was given); a list takes new credentials until half full, so a draw rarely hits
# a taken index, then the next list opens.
LIST_FILL = LIST_SIZE // 2
TTL_SECONDS = 60  # Cache-Control max-age and the list's `ttl`: how late a revocation shows
CONTEXT = ["https://www.w3.org/ns/credentials/v2"]


def list_url(list_number: int, purpose: str) -> str:
    return f"{settings.BASE_URL}/status-lists/{list_number}/{purpose}"


def _open_list() -> int:
    """The list new credentials go to: the newest, unless it is full."""
    newest = StatusListEntry.objects.aggregate(newest=Max("list_number"))["newest"] or 1
    taken = StatusListEntry.objects.filter(list_number=newest).count()
    return newest if taken < LIST_FILL else newest + 1


def entry_for(period: Period) -> StatusListEntry:
    """The status list entry of a period's credential, allocated on its first issue.

    Safe with many processes: the unique (list, index) constraint refuses a taken index
    (another draw follows) and the one-per-period constraint a second entry for the period.
    """
    for _ in range(100):
        existing = StatusListEntry.objects.filter(period=period).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return StatusListEntry.objects.create(
                    period=period, list_number=_open_list(), index=secrets.randbelow(LIST_SIZE)
                )
        except IntegrityError:
            continue
    raise RuntimeError("No free status list index after 100 draws.")


def credential_status(period: Period) -> list[dict]:
    """The credential's `credentialStatus`: one BitstringStatusListEntry per purpose."""
    entry = entry_for(period)
    return [
        {
            "id": f"{list_url(entry.list_number, purpose)}#{entry.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(entry.index),
            "statusListCredential": list_url(entry.list_number, purpose),
        }
        for purpose in PURPOSES
    ]


def _statuses_for(purpose: str) -> list[str]:
    # The verification outcome decides (certificates.outcome_of): the list never says
    # something else than the verification page.
    return [status.value for status in Status if outcome_of(status) == PURPOSES[purpose]]


def set_indexes(list_number: int, purpose: str) -> list[int]:
    """The indexes whose bit is set: entries of enrollments whose stored status is revoked
    (Cancelled) or suspended (Inactive) for this purpose."""
    return list(
        StatusListEntry.objects.filter(
            list_number=list_number, period__enrollment__status__in=_statuses_for(purpose)
        ).values_list("index", flat=True)
    )


def encode(indexes: list[int], size: int = LIST_SIZE) -> str:
    """A bitstring with these bits set (index 0 = the most significant bit of byte 0),
    GZIP-compressed, as multibase base64url without padding (prefix `u`)."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def exists(list_number: int) -> bool:
    return StatusListEntry.objects.filter(list_number=list_number).exists()


def status_list_credential(list_number: int, purpose: str) -> dict:
    """The BitstringStatusListCredential of one list, as true at this moment."""
    url = list_url(list_number, purpose)
    now = clock.now().replace(microsecond=0)
    return {
        "@context": CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(), "type": ["Profile"], "name": issuer_name()},
        "validFrom": now.isoformat(),
        # A copy passed around (stapled) stops being valid after a day.
        "validUntil": (now + timedelta(days=1)).isoformat(),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(set_indexes(list_number, purpose)),
            "ttl": TTL_SECONDS * 1000,
        },
    }


def signed_status_list(list_number: int, purpose: str) -> str:
    """The status list as a VC-JWT, signed like the credentials that point at it."""
    return vcjwt.sign(status_list_credential(list_number, purpose))

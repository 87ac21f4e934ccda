"""The revocation and suspension status lists, read as an outside verifier reads them: the
credential's `credentialStatus`, the list fetched without a token and verified against the
published JWK set (jwcrypto), and the bitstring decoded with this file's own code (W3C
Bitstring Status List v1.0 §"Bitstring Expansion Algorithm" and §"Validate Algorithm")."""

import base64
import gzip
from datetime import date

import pytest
from django.db import IntegrityError

from certtrack.certification import services
from certtrack.certification.models import Enrollment, Period, PeriodSource
from certtrack.certification.statuses import Status
from certtrack.credentials import status_lists
from certtrack.credentials.models import StatusListEntry

from .conftest import BASE_URL
from .test_credential import fetch_credential, published_keys, verified
from .test_periods import renew


def expand(encoded: str) -> bytes:
    """Multibase base64url (prefix `u`, no padding) → GZIP → the uncompressed bitstring."""
    assert encoded[0] == "u"
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bitstring: bytes, index: int) -> int:
    """Index 0 is the left-most bit: the most significant bit of the first byte."""
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def status_of(entry: dict, client, keyset) -> int:
    """What a verifier concludes from one BitstringStatusListEntry: 1 = set, 0 = unset."""
    assert entry["type"] == "BitstringStatusListEntry"
    response = client.get(entry["statusListCredential"].removeprefix(BASE_URL))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    header, status_list = verified(response.content.decode(), keyset)
    assert header["typ"] == "JWT" and header["alg"] == "RS256"
    assert "BitstringStatusListCredential" in status_list["type"]
    assert status_list["id"] == entry["statusListCredential"]
    subject = status_list["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == entry["statusPurpose"]
    bitstring = expand(subject["encodedList"])
    assert len(bitstring) * 8 >= 131_072  # the specification's minimum list length
    return bit(bitstring, int(entry["statusListIndex"]))


def statuses(enrollment, api, client, query: str = "") -> dict[str, int]:
    keyset = published_keys(client)
    _, credential = verified(fetch_credential(api, enrollment, query), keyset)
    return {
        entry["statusPurpose"]: status_of(entry, client, keyset)
        for entry in credential["credentialStatus"]
    }


def set_status(enrollment, status: Status) -> None:
    # What the suspend / reactivate actions store (they are built on another branch).
    Enrollment.objects.filter(pk=enrollment.pk).update(status=status)


def test_credential_carries_one_revocation_and_one_suspension_entry(certified, api, client):
    _, credential = verified(fetch_credential(api, certified), published_keys(client))
    entries = credential["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    for entry in entries:
        assert entry["type"] == "BitstringStatusListEntry"
        assert isinstance(entry["statusListIndex"], str) and entry["statusListIndex"].isdigit()
        assert entry["statusListCredential"].startswith(f"{BASE_URL}/status-lists/")
        assert entry["id"] != entry["statusListCredential"]  # the specification forbids it
    assert entries[0]["statusListCredential"] != entries[1]["statusListCredential"]


def test_bits_follow_suspension_reactivation_and_cancellation(certified, api, client, admin):
    # Fetched while valid: a holder keeps this copy.
    old_copy = fetch_credential(api, certified)
    assert statuses(certified, api, client) == {"revocation": 0, "suspension": 0}

    set_status(certified, Status.INACTIVE)  # suspended
    keyset = published_keys(client)
    _, held = verified(old_copy, keyset)
    seen = {e["statusPurpose"]: status_of(e, client, keyset) for e in held["credentialStatus"]}
    assert seen == {"revocation": 0, "suspension": 1}

    set_status(certified, Status.ACTIVE)  # reactivated
    seen = {e["statusPurpose"]: status_of(e, client, keyset) for e in held["credentialStatus"]}
    assert seen == {"revocation": 0, "suspension": 0}

    services.perform(certified.pk, "cancel", admin, reason="Fraud")
    seen = {e["statusPurpose"]: status_of(e, client, keyset) for e in held["credentialStatus"]}
    assert seen == {"revocation": 1, "suspension": 0}


def test_cancel_revokes_every_periods_credential_and_no_one_elses(
    certified, api, client, admin, make_contact, make_program, travel
):
    renew(certified, date(2028, 3, 1), date(2030, 3, 1), date(2026, 6, 1))
    other = services.record_existing(make_contact().pk, make_program().pk, date(2026, 4, 1), admin)
    keyset = published_keys(client)
    held = [
        fetch_credential(api, certified, "?period=1"),
        fetch_credential(api, certified, "?period=2"),
        fetch_credential(api, other),
    ]

    services.perform(certified.pk, "cancel", admin, reason="Fraud")

    travel(date(2028, 6, 1))  # when period 2's credential is in force (nbf)
    seen = []
    for token in held:
        _, credential = verified(token, keyset, check_time=False)
        seen.append([status_of(e, client, keyset) for e in credential["credentialStatus"]])
    assert seen == [[1, 0], [1, 0], [0, 0]]


def test_status_list_is_public_and_briefly_cached(certified, api, client):
    _, credential = verified(fetch_credential(api, certified), published_keys(client))
    response = client.get(
        credential["credentialStatus"][0]["statusListCredential"][len(BASE_URL) :]
    )
    assert response.status_code == 200  # no token
    assert "max-age=60" in response["Cache-Control"] and "public" in response["Cache-Control"]
    _, status_list = verified(response.content.decode(), published_keys(client))
    assert status_list["credentialSubject"]["ttl"] == 60_000


def test_unknown_status_lists_are_404(certified, api, client):
    fetch_credential(api, certified)
    assert client.get("/status-lists/1/refresh").status_code == 404
    assert client.get("/status-lists/99/revocation").status_code == 404


def test_bitstring_layout_matches_the_specification():
    """Index 0 → 0x80 of byte 0; index 9 → 0x40 of byte 1; the last index → 0x01 of the last."""
    raw = expand(status_lists.encode([0, 9, 131_071]))
    assert len(raw) == 16_384
    assert raw[0] == 0x80 and raw[1] == 0x40 and raw[-1] == 0x01
    assert sum(bin(b).count("1") for b in raw) == 3


def periods(count: int, certified) -> list[Period]:
    return [
        Period.objects.create(
            enrollment=certified,
            number=n,
            activated_on=date(2026, 3, 1),
            source=PeriodSource.RENEWED,
        )
        for n in range(2, count + 2)
    ]


def test_an_index_is_never_given_twice(certified, monkeypatch):
    draws = iter([5, 5, 7, 5, 7, 9, 1])  # the same draws again and again: each retried
    monkeypatch.setattr(status_lists.secrets, "randbelow", lambda n: next(draws))
    entries = [status_lists.entry_for(p) for p in periods(4, certified)]
    assert [e.index for e in entries] == [5, 7, 9, 1]
    assert status_lists.entry_for(entries[0].period) == entries[0]  # one per period, kept


def test_a_half_full_list_sends_new_credentials_to_the_next(certified, monkeypatch):
    monkeypatch.setattr(status_lists, "LIST_FILL", 2)
    entries = [status_lists.entry_for(p) for p in periods(5, certified)]
    assert [e.list_number for e in entries] == [1, 1, 2, 2, 3]


def test_the_database_refuses_a_reused_index(certified):
    first, second = periods(2, certified)
    StatusListEntry.objects.create(period=first, list_number=1, index=42)
    with pytest.raises(IntegrityError):
        StatusListEntry.objects.create(period=second, list_number=1, index=42)

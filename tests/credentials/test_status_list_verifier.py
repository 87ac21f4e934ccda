"""An outside verifier holding copies of a member's credentials, one per period, while staff
suspend, reactivate, renew and cancel through the API (the real actions, not stored
statuses). The verifier checks each credential and each status list against the published
JWK set with jwcrypto, and decodes the lists with this file's own code — W3C Bitstring
Status List v1.0: multibase base64url (prefix `u`, no padding), GZIP, index 0 = the most
significant bit of the first byte — never with certtrack's encoder."""

import base64
import gzip
import json
import urllib.parse
from datetime import date

import pytest
from jwcrypto import jwk, jwt

from certtrack.certification import services

from .conftest import BASE_URL


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError(f"not multibase base64url: {encoded[:10]!r}")
    text = encoded[1:]
    return gzip.decompress(base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_"))


def bit_at(bitstring: bytes, index: int) -> int:
    byte, offset = divmod(index, 8)
    return 1 if bitstring[byte] & (0b1000_0000 >> offset) else 0


class Verifier:
    """What a verifier does with a credential: check it, then look up each status."""

    def __init__(self, client):
        self.client = client
        self.keys = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").content)

    def check(self, token: str) -> dict:
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        key = self.keys.get_key(header["kid"])
        assert key is not None, "signed by a key the issuer does not publish"
        # check_claims={}: the signature is checked, not nbf/exp (a future period's copy).
        return json.loads(jwt.JWT(jwt=token, key=key, algs=["RS256"], check_claims={}).claims)

    def statuses(self, token: str) -> dict[str, int]:
        seen = {}
        for entry in self.check(token)["credentialStatus"]:
            url = urllib.parse.urlsplit(entry["statusListCredential"])
            assert f"{url.scheme}://{url.netloc}" == BASE_URL
            response = self.client.get(url.path)  # no token: the lists are public
            assert response.status_code == 200
            status_list = self.check(response.content.decode())
            subject = status_list["credentialSubject"]
            assert subject["statusPurpose"] == entry["statusPurpose"]
            bits = decode_list(subject["encodedList"])
            assert len(bits) * 8 >= 131_072
            seen[entry["statusPurpose"]] = bit_at(bits, int(entry["statusListIndex"]))
        return seen


def credential(api, enrollment, period: int) -> str:
    response = api.get(f"/api/v1/enrollments/{enrollment.pk}/credential?period={period}")
    assert response.status_code == 200, response.content
    return response.content.decode()


def act(api, enrollment, action: str, **data) -> dict:
    path = f"/api/v1/enrollments/{enrollment.pk}/actions/{action}"
    response = api.post(path, data, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


VALID = {"revocation": 0, "suspension": 0}
SUSPENDED = {"revocation": 0, "suspension": 1}
REVOKED = {"revocation": 1, "suspension": 0}


@pytest.fixture
def bystander(admin, make_contact, make_program, certified):
    program = make_program(validity_months=24)
    return services.record_existing(make_contact().pk, program.pk, date(2026, 4, 1), admin)


def test_the_bits_follow_suspend_reactivate_renew_and_cancel(
    certified, bystander, api, client, travel
):
    # Recorded 1 Mar 2026, expires 1 Mar 2028; the renewal opens on 2 Dec 2027.
    verifier = Verifier(client)
    first = credential(api, certified, 1)
    other = credential(api, bystander, 1)
    claims = verifier.check(first)
    assert claims["validUntil"].startswith("2028-03-01T23:59:59")
    assert [e["statusPurpose"] for e in claims["credentialStatus"]] == ["revocation", "suspension"]
    assert verifier.statuses(first) == VALID

    act(api, certified, "suspend", reason="Complaint under review")
    assert verifier.statuses(first) == SUSPENDED
    assert verifier.statuses(other) == VALID

    assert act(api, certified, "reactivate")["status"] == "active"
    assert verifier.statuses(first) == VALID

    travel(date(2027, 12, 10))
    body = act(api, certified, "renew", reason="Board waiver")
    assert (body["period"], body["expires_on"]) == (2, "2030-03-01")
    second = credential(api, certified, 2)
    assert verifier.check(second)["validUntil"].startswith("2030-03-01T23:59:59")
    assert verifier.statuses(second) == VALID and verifier.statuses(first) == VALID

    act(api, certified, "suspend", reason="Audit")
    assert verifier.statuses(second) == SUSPENDED

    act(api, certified, "cancel", reason="Fraud")
    assert verifier.statuses(first) == REVOKED
    assert verifier.statuses(second) == REVOKED
    assert verifier.statuses(other) == VALID


def test_the_decoder_is_not_fooled_by_a_list_read_least_significant_bit_first(
    certified, api, client
):
    """The check can fail: read LSB-first, the suspended bit is found elsewhere."""
    verifier = Verifier(client)
    token = credential(api, certified, 1)
    act(api, certified, "suspend", reason="Audit")
    entry = verifier.check(token)["credentialStatus"][1]
    status_list = verifier.check(
        client.get(entry["statusListCredential"][len(BASE_URL) :]).content.decode()
    )
    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    index = int(entry["statusListIndex"])
    assert bit_at(bits, index) == 1
    assert sum(bin(b).count("1") for b in bits) == 1
    lsb_first = (bits[index // 8] >> (index % 8)) & 1
    assert lsb_first == 0  # no index has the same place read both ways

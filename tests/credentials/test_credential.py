"""The Open Badges 3.0 credential: a VC-JWT checked with jwcrypto (not PyJWT, which signs
it) against the JWK set the app publishes."""

import json
import stat
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from jwcrypto import jwk, jws, jwt

from certtrack.certification import services
from certtrack.certification.models import GeneralSettings
from certtrack.credentials import keys

from .conftest import BASE_URL


def published_keys(client) -> jwk.JWKSet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return jwk.JWKSet.from_json(response.content)


def fetch_credential(api, enrollment) -> str:
    response = api.get(f"/api/v1/enrollments/{enrollment.pk}/credential")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vc+jwt"
    return response.content.decode()


def verified(token: str, keyset: jwk.JWKSet) -> tuple[dict, dict]:
    """Header and claims of a token whose signature checks out (jwcrypto raises if not).

    As a verifier does (OB 3.0 §8.2.6): the header's `kid` picks the key from the set.
    """
    kid = json.loads(jws.base64url_decode(token.split(".")[0]))["kid"]
    key = keyset.get_key(kid)
    if key is None:
        raise LookupError(f"no published key {kid}")
    checked = jwt.JWT(jwt=token, key=key, algs=["RS256"])
    return json.loads(checked.header), json.loads(checked.claims)


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_credential_verifies_against_the_published_jwks(certified, api, client):
    token = fetch_credential(api, certified)
    header, claims = verified(token, published_keys(client))

    assert header == {"alg": "RS256", "typ": "JWT", "kid": header["kid"]}
    assert header["kid"].startswith(f"{BASE_URL}/.well-known/jwks.json#")

    vc = claims["vc"]
    assert claims["iss"] == vc["issuer"]["id"] == f"{BASE_URL}/issuer"
    assert claims["jti"] == vc["id"] and vc["id"].startswith("urn:uuid:")
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert claims["nbf"] == epoch(vc["validFrom"])
    assert claims["exp"] == epoch(vc["validUntil"])


def test_credential_is_an_open_badge_certification(certified, api, client):
    _, claims = verified(fetch_credential(api, certified), published_keys(client))
    vc = claims["vc"]

    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0")
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"]["type"] == ["Profile"]
    assert vc["issuer"]["name"] == "Guild of Safety Inspectors"
    # Valid from the start of the activation day through the whole of the expiry day.
    assert vc["validFrom"] == "2026-03-01T00:00:00+00:00"
    assert vc["validUntil"] == "2028-03-01T23:59:59+00:00"
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert {"type": "IdentityObject", "identityType": "name", "hashed": False,
            "identityHash": "Ada Lovelace"} in subject["identifier"]  # fmt: skip
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["name"] == "Certified Safety Inspector"
    assert achievement["criteria"]["narrative"]
    assert "ada@example.org" not in json.dumps(claims)


def test_validity_follows_the_organization_time_zone(certified, api, client, admin):
    services.update_settings(admin, time_zone="America/New_York")
    _, claims = verified(fetch_credential(api, certified), published_keys(client))
    assert claims["vc"]["validFrom"] == "2026-03-01T00:00:00-05:00"
    assert claims["vc"]["validUntil"] == "2028-03-01T23:59:59-05:00"
    assert claims["nbf"] == int(datetime(2026, 3, 1, 5, tzinfo=UTC).timestamp())


def test_certification_that_never_expires_has_no_exp(
    admin, make_contact, make_program, api, client, travel
):
    travel(date(2026, 6, 1))
    program = make_program(validity_months=None)
    enrollment = services.record_existing(make_contact().pk, program.pk, date(2026, 5, 1), admin)
    _, claims = verified(fetch_credential(api, enrollment), published_keys(client))
    assert "exp" not in claims and "validUntil" not in claims["vc"]


def test_tampered_credential_fails_verification(certified, api, client):
    token = fetch_credential(api, certified)
    header, payload, signature = token.split(".")
    claims = json.loads(jws.base64url_decode(payload))
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "Chief Safety Inspector"
    forged = jws.base64url_encode(json.dumps(claims).encode())
    with pytest.raises(jws.InvalidJWSSignature):
        verified(f"{header}.{forged}.{signature}", published_keys(client))


def test_token_signed_by_another_key_fails(certified, api, client):
    token = fetch_credential(api, certified)
    stranger = jwk.JWK.generate(kty="RSA", size=2048)
    stranger_set = jwk.JWKSet()
    stranger_set.add(stranger)
    with pytest.raises(LookupError):
        verified(token, stranger_set)
    stranger["kid"] = json.loads(jws.base64url_decode(token.split(".")[0]))["kid"]
    impostor = jwk.JWKSet()
    impostor.add(jwk.JWK(**stranger.export_public(as_dict=True)))
    with pytest.raises(jws.InvalidJWSSignature):
        verified(token, impostor)


def test_jwks_publishes_only_public_keys(certified, api, client):
    fetch_credential(api, certified)
    document = client.get("/.well-known/jwks.json").json()
    assert document["keys"]
    for key in document["keys"]:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys()


def test_signing_key_is_generated_into_the_data_dir_private(certified, api, settings):
    fetch_credential(api, certified)
    files = sorted((settings.DATA_DIR / "keys").glob("*.pem"))
    assert [f.name for f in files] == ["0001.pem"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in files[0].read_bytes()


def test_rotating_keeps_earlier_credentials_verifiable(certified, api, client):
    before = fetch_credential(api, certified)
    call_command("rotatekey")
    after = fetch_credential(api, certified)
    keyset = published_keys(client)

    old_header, _ = verified(before, keyset)
    new_header, _ = verified(after, keyset)
    assert old_header["kid"] != new_header["kid"]
    assert len(client.get("/.well-known/jwks.json").json()["keys"]) == 2
    assert new_header["kid"] == keys.current_key().kid


def test_issuer_profile_is_served_at_the_issuer_id(client, db):
    profile = client.get("/issuer").json()
    assert profile["id"] == f"{BASE_URL}/issuer"
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Guild of Safety Inspectors"


def test_credential_of_enrollment_never_active_is_409(admin, make_contact, make_program, api):
    enrollment = services.add(make_contact().pk, make_program().pk, admin)
    response = api.get(f"/api/v1/enrollments/{enrollment.pk}/credential")
    assert response.status_code == 409
    assert "never active" in response.json()["detail"]


def test_credential_of_cancelled_certification_is_409(certified, admin, api):
    services.perform(certified.pk, "cancel", admin, reason="Fraud")
    response = api.get(f"/api/v1/enrollments/{certified.pk}/credential")
    assert response.status_code == 409
    assert "revoked" in response.json()["detail"]


def test_credential_of_unknown_enrollment_is_404(api, db):
    response = api.get("/api/v1/enrollments/999999/credential")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_credential_needs_a_token(certified, client):
    assert client.get(f"/api/v1/enrollments/{certified.pk}/credential").status_code == 401


def test_settings_default_time_zone_is_used_without_changes(certified):
    assert GeneralSettings.get().time_zone == "UTC"

"""The Open Badges 3.0 credential: a VC-JWT checked with jwcrypto (not PyJWT, which signs
it) against the JWK set the app publishes, and validated against 1EdTech's own
AchievementCredential JSON Schema (tests/credentials/data)."""

import json
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import jwt as pyjwt
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


def fetch_credential(api, enrollment, query: str = "") -> str:
    response = api.get(f"/api/v1/enrollments/{enrollment.pk}/credential{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vc+jwt"
    return response.content.decode()


def verified(token: str, keyset: jwk.JWKSet, check_time: bool = True) -> tuple[dict, dict]:
    """Header and claims of a token whose signature checks out (jwcrypto raises if not).

    As a verifier does (OB 3.0 §8.2.6): the header's `kid` picks the key from the set.
    `check_time=False` checks the signature of a token outside its nbf..exp.
    """
    kid = json.loads(jws.base64url_decode(token.split(".")[0]))["kid"]
    key = keyset.get_key(kid)
    if key is None:
        raise LookupError(f"no published key {kid}")
    claims = None if check_time else {}  # {}: no claim checked, the signature still is
    checked = jwt.JWT(jwt=token, key=key, algs=["RS256"], check_claims=claims)
    return json.loads(checked.header), json.loads(checked.claims)


SCHEMA = json.loads(
    (Path(__file__).parent / "data/ob3-achievementcredential.schema.json").read_text()
)


def strict_schema_errors(credential: dict) -> list[str]:
    validator = jsonschema.Draft201909Validator(SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(credential)]


def schema_errors(credential: dict) -> list[str]:
    """1EdTech's schema, except that `credentialStatus` may be a list (VC Data Model 2.0 §4.10
    and PRODUCT.md §7: one revocation and one suspension entry), each entry checked against
    the schema's own CredentialStatus. OB 3.0 has it 0..1 (1EdTech/openbadges-specification
    issue 623 opens it for 3.1); see docs/decisions.md.
    """
    entries = credential.get("credentialStatus")
    if not isinstance(entries, list):
        return strict_schema_errors(credential)
    errors = strict_schema_errors({k: v for k, v in credential.items() if k != "credentialStatus"})
    for entry in entries:
        errors += strict_schema_errors(credential | {"credentialStatus": entry})
    return errors


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_credential_verifies_against_the_published_jwks(certified, api, client):
    token = fetch_credential(api, certified)
    header, claims = verified(token, published_keys(client))

    assert header == {"alg": "RS256", "typ": "JWT", "kid": header["kid"]}
    # The payload is the credential itself (OB 3.0 §8.2 "JWT Payload Format"), the JWT
    # claims beside its fields and consistent with them.
    assert "vc" not in claims
    assert claims["iss"] == claims["issuer"]["id"] == f"{BASE_URL}/issuer"
    assert claims["jti"] == claims["id"] and claims["id"].startswith("urn:uuid:")
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["nbf"] == epoch(claims["validFrom"])
    assert claims["exp"] == epoch(claims["validUntil"])


def test_kid_dereferences_to_the_one_signing_key(certified, api, client):
    token = fetch_credential(api, certified)
    kid = json.loads(jws.base64url_decode(token.split(".")[0]))["kid"]
    assert kid.startswith(f"{BASE_URL}/.well-known/jwks/")

    response = client.get(kid.removeprefix(BASE_URL))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk+json"
    key = jwk.JWK.from_json(response.content)  # a single key, not a set
    assert "keys" not in response.json() and not key.has_private
    checked = jwt.JWT(jwt=token, key=key, algs=["RS256"])
    assert json.loads(checked.claims)["jti"].startswith("urn:uuid:")
    assert client.get("/.well-known/jwks/unknown.json").status_code == 404


def test_issued_credentials_validate_against_the_1edtech_schema(
    certified, admin, make_contact, make_program, api, client, travel
):
    forever = make_program(validity_months=None, description="")
    unending = services.record_existing(make_contact().pk, forever.pk, date(2026, 5, 1), admin)
    for enrollment in (certified, unending):
        _, claims = verified(fetch_credential(api, enrollment), published_keys(client))
        assert schema_errors(claims) == []


def test_credential_status_is_the_only_departure_from_the_strict_schema(certified, api, client):
    _, claims = verified(fetch_credential(api, certified), published_keys(client))
    assert len(claims["credentialStatus"]) == 2
    assert [e.split(":")[0] for e in strict_schema_errors(claims)] == ["['credentialStatus']"]


def test_the_schema_check_can_fail(certified, api, client):
    _, claims = verified(fetch_credential(api, certified), published_keys(client))
    wrapped = {key: claims[key] for key in ("iss", "jti", "sub", "nbf", "exp")} | {"vc": claims}
    assert schema_errors(wrapped)  # the pre-2026 shape: credential inside a `vc` claim


def test_credential_issued_in_the_old_vc_claim_shape_still_verifies(certified, api, client):
    """Tokens handed out before the change: payload {iss, jti, …, vc}, kid = jwks.json#thumb."""
    key = keys.current_key()
    _, claims = verified(fetch_credential(api, certified), published_keys(client))
    registered = {name: claims.pop(name) for name in ("iss", "jti", "sub", "nbf", "exp")}
    legacy = pyjwt.encode(
        registered | {"vc": claims},
        key.private_key,
        algorithm="RS256",
        headers={"kid": f"{BASE_URL}/.well-known/jwks.json#{key.thumbprint}", "typ": "JWT"},
    )
    # A verifier picks the key by the old kid from the published set (jwcrypto, not PyJWT)
    _, decoded = verified(legacy, published_keys(client))
    assert decoded["vc"]["credentialSubject"]["achievement"]["name"] == "Certified Safety Inspector"
    assert schema_errors(decoded["vc"]) == []


def test_achievement_is_served_at_its_id(certified, api, client):
    _, claims = verified(fetch_credential(api, certified), published_keys(client))
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["id"] == f"{BASE_URL}/achievements/CSI"

    response = client.get("/achievements/CSI")
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert document["@context"] == claims["@context"]
    assert {k: v for k, v in document.items() if k != "@context"} == achievement
    assert client.get("/achievements/NOPE").status_code == 404


def test_validity_follows_the_organization_time_zone(certified, api, client, admin):
    services.update_settings(admin, time_zone="America/New_York")
    _, claims = verified(fetch_credential(api, certified), published_keys(client))
    assert claims["validFrom"] == "2026-03-01T00:00:00-05:00"
    assert claims["validUntil"] == "2028-03-01T23:59:59-05:00"
    assert claims["nbf"] == int(datetime(2026, 3, 1, 5, tzinfo=UTC).timestamp())


def test_certification_that_never_expires_has_no_exp(
    admin, make_contact, make_program, api, client, travel
):
    travel(date(2026, 6, 1))
    program = make_program(validity_months=None)
    enrollment = services.record_existing(make_contact().pk, program.pk, date(2026, 5, 1), admin)
    _, claims = verified(fetch_credential(api, enrollment), published_keys(client))
    assert "exp" not in claims and "validUntil" not in claims


def test_tampered_credential_fails_verification(certified, api, client):
    token = fetch_credential(api, certified)
    header, payload, signature = token.split(".")
    claims = json.loads(jws.base64url_decode(payload))
    claims["credentialSubject"]["achievement"]["name"] = "Chief Safety Inspector"
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
    # each key under its kid and its pre-2026 kid (see test_..._old_vc_claim_shape_...)
    assert len(client.get("/.well-known/jwks.json").json()["keys"]) == 2 * 2
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

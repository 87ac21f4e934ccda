"""Signing a verifiable credential as a VC-JWT, the one way every credential we publish is
signed (the Open Badges credential and the status lists alike: W3C Bitstring Status List
§"Securing Algorithms" asks for the same mechanism and parameters for both).
"""

from datetime import datetime

import jwt

from . import keys

MEDIA_TYPE = "application/vc+jwt"


def _numeric_date(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def sign(vc: dict) -> str:
    """The credential as a Compact JWS, signed with the current issuer key.

    JOSE header (OB 3.0 §8.2 "Create the JOSE Header"): alg RS256, kid (a URI
    dereferencing to the one public JWK), typ JWT. Payload (§8.2 "JWT Payload Format"):
    the credential itself, with iss = issuer.id, jti = id, sub = credentialSubject.id,
    nbf = validFrom and exp = validUntil (when it has one) beside its fields.
    """
    claims = {
        "iss": vc["issuer"]["id"],
        "jti": vc["id"],
        "sub": vc["credentialSubject"]["id"],
        "nbf": _numeric_date(vc["validFrom"]),
    }
    if "validUntil" in vc:
        claims["exp"] = _numeric_date(vc["validUntil"])
    key = keys.current_key()
    return jwt.encode(
        vc | claims,
        key.private_key,
        algorithm=keys.ALGORITHM,
        headers={"kid": key.kid, "typ": "JWT"},
    )

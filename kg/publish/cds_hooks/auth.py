"""JWT verification of the calling EHR, as CDS Hooks 2.0 asks (fhir-cdshooks-omop.md §2.6): every request
(discovery too) carries ``Authorization: Bearer <JWT>`` signed with the client's private key.

* header: ``alg`` asymmetric (``none`` and HMAC are refused), ``kid`` required, ``typ`` JWT when given;
* payload: ``iss`` on the allowlist, ``aud`` the exact URL being called, ``exp``, ``iat``, ``jti`` required; a ``jti``
  seen before (until its ``exp``) is a replay and refused;
* keys: each trusted issuer's JWKS exchanged out of band (``--trusted-issuers FILE``: ``{"issuers": {ISS: JWKS}}``);
  a ``jku`` header is accepted only when the issuer's JWKS lists it under ``"jku"`` and is then still verified with
  the out-of-band keys (keys are never fetched from a URL the token names).

``--no-auth`` switches verification off, for development only (the server says so when it starts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from kg.base.errors import UserError

ALGORITHMS = ("ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS256", "PS384", "PS512")
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
LEEWAY_SECONDS = 30


class AuthError(Exception):
    """A request whose token is missing or not valid: answered 401 with this message."""


@dataclass
class Verifier:
    """The trusted issuers' keys and the jti values seen (replay protection)."""

    issuers: Mapping[str, Mapping[str, Any]]  # iss -> JWKS ({"keys": [...]}, optional "jku": [...])
    seen: dict[str, float] = field(default_factory=dict)  # jti -> exp
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, authorization: str | None, url: str) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("Authorization: Bearer <JWT> is required (CDS Hooks 2.0 client authentication)")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise AuthError(f"the bearer token is not a JWT: {error}") from None
        if header.get("alg") not in ALGORITHMS:
            raise AuthError(f"alg {header.get('alg')!r} is not allowed: an asymmetric algorithm is required "
                            "(ES384 or RS384 recommended; none and HMAC are refused)")
        if not header.get("kid"):
            raise AuthError("the JWT header has no kid")
        if header.get("typ", "JWT") != "JWT":
            raise AuthError(f"typ {header.get('typ')!r}: must be JWT")
        issuer = self.issuers.get(str(claims.get("iss")))
        if issuer is None:
            raise AuthError(f"iss {claims.get('iss')!r} is not a trusted issuer")
        if header.get("jku") and header["jku"] not in issuer.get("jku", []):
            raise AuthError(f"jku {header['jku']!r} is not on the issuer's allowlist")
        key = next((k for k in issuer.get("keys", []) if k.get("kid") == header["kid"]), None)
        if key is None:
            raise AuthError(f"kid {header['kid']!r} is not a key of issuer {claims['iss']!r}")
        try:
            verified = jwt.decode(token, jwt.PyJWK(key).key, algorithms=[header["alg"]], audience=url,
                                  issuer=claims["iss"], leeway=LEEWAY_SECONDS,
                                  options={"require": list(REQUIRED_CLAIMS)})
        except jwt.PyJWTError as error:
            raise AuthError(f"the JWT is not valid: {error}") from None
        self._not_replayed(str(verified["jti"]), float(verified["exp"]))
        return verified

    def _not_replayed(self, jti: str, expires: float) -> None:
        now = time.time()
        with self.lock:
            for old in [j for j, exp in self.seen.items() if exp + LEEWAY_SECONDS < now]:
                del self.seen[old]
            if jti in self.seen:
                raise AuthError(f"jti {jti!r} was used before (a replayed token)")
            self.seen[jti] = expires


def verifier_from_file(path: Path) -> Verifier:
    """The trusted issuers file: ``{"issuers": {"https://ehr.example.org": {"keys": [JWK...], "jku": [URL...]}}}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        issuers = data["issuers"]
        if not isinstance(issuers, dict) or not all(isinstance(v.get("keys"), list) for v in issuers.values()):
            raise ValueError("issuers must map each iss to a JWKS with keys")
        for jwks in issuers.values():
            for key in jwks["keys"]:
                jwt.PyJWK(key)
    except (OSError, ValueError, KeyError, AttributeError, jwt.PyJWTError) as error:
        raise UserError(f"--trusted-issuers {path}: {error}") from None
    return Verifier(issuers)

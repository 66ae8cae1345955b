"""The PyJWT side of tests/interop.rs.

Reads a JSON array of requests on stdin, writes a JSON array of results on stdout:
  {"op": "sign", "alg": "HS256", "key": <base64url>, "claims": {...}, "headers": {...}}
      -> {"token": "..."}
  {"op": "verify", "alg": "HS256", "key": <base64url>, "token": "...",
   "audience": "...", "issuer": "..."}
      -> {"claims": {...}, "header": {...}} or {"error": "<exception class>: <message>"}
Instead of "key" (an HMAC secret), a request may carry "jwk" (a JWK object: private to
sign, public to verify) or "pem" (PKCS#8 to sign, SubjectPublicKeyInfo to verify), for the
public-key algorithms (tests/pubkey_interop.rs).
PyJWT checks exp/nbf/iat against the wall clock; the Rust side picks times valid both then
and at its fixed clock.
"""
import base64
import json
import sys

import jwt


def key(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_of(request):
    if "jwk" in request:
        return jwt.PyJWK(request["jwk"], algorithm=request["alg"]).key
    if "pem" in request:
        return request["pem"]
    return key(request["key"])


def run(request):
    if request["op"] == "sign":
        token = jwt.encode(
            request["claims"], key_of(request), algorithm=request["alg"],
            headers=request.get("headers"),
        )
        return {"token": token}
    if request["op"] == "verify":
        try:
            claims = jwt.decode(
                request["token"], key_of(request), algorithms=[request["alg"]],
                audience=request.get("audience"), issuer=request.get("issuer"),
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            return {"error": f"{type(error).__name__}: {error}"}
        return {"claims": claims, "header": jwt.get_unverified_header(request["token"])}
    if request["op"] == "version":
        return {"version": jwt.__version__}
    raise ValueError(f"unknown op {request['op']!r}")


def main():
    requests = json.load(sys.stdin)
    json.dump([run(request) for request in requests], sys.stdout)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/seeds/<target>/) from the vectors in tests/data.

Run from anywhere: python3 fuzz/make_seeds.py. Deterministic; the output is committed.
"""
import base64
import hashlib
import hmac
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEEDS = ROOT / "fuzz" / "seeds"
KEY = bytes([0x42] * 32)  # fuzz_targets/common.rs: key()


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed(header: bytes, payload: bytes) -> str:
    signing_input = b64e(header) + "." + b64e(payload)
    mac = hmac.new(KEY, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64e(mac)


def main() -> None:
    rfc = json.loads((DATA / "rfc_jws.json").read_text())
    jws = json.loads((DATA / "wycheproof" / "json_web_signature_test.hs256.json").read_text())
    tokens = [rfc["rfc7515_a1"]["jws"], rfc["rfc7519_s6_1"]["jwt"], rfc["rfc7520_s4_4"]["jws"]]
    tokens += [test["jws"] for group in jws["testGroups"] for test in group["tests"]]
    headers = [b'{"alg":"HS256","typ":"JWT"}', b'{"alg":"HS256","kid":"k1","typ":"at+jwt"}',
               b'{"alg":"none"}', b'{"alg":"HS256","crit":["x"],"x":1}',
               b'{"alg":"HS256","alg":"HS256"}', b'{"alg":"HS256","jwk":{"kty":"oct","k":"AA"}}']
    payloads = [
        b'{"sub":"ada","exp":1700000600,"iat":1700000000,"iss":"https://issuer.example",'
        b'"aud":"api","name":"Ada","roles":["admin"],"extra":{"a":[1,2.5,null,true]}}',
        b'{"sub":"ada","exp":1.7000006e9,"aud":["x","api"],"iss":"https://issuer.example",'
        b'"name":"\\u00e9","roles":[],"nbf":1699999999}',
        b'{"n":1,"exp":"9999999999"}', b'{"exp":1,"\\u0065xp":2}', b'{"n":18446744073709551615}',
    ]
    for token in tokens:
        headers.append(b64d(token.split(".")[0]) if token.split(".")[0] and not token.startswith("{") else b"{}")

    def write(target: str, name: str, blob: bytes) -> None:
        path = SEEDS / target
        path.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(blob)

    for index, token in enumerate(tokens):
        write("decode", f"token-{index:02}", b"\x00" + token.encode())
    for index, payload in enumerate(payloads):
        for header_index, header in enumerate(headers[:6]):
            write("decode", f"signed-{header_index}-{index:02}", b"\x01" + header + b"\xff" + payload)
        write("decode", f"payload-{index:02}", b"\x02" + payload)
        write("decode", f"valid-{index:02}", b"\x00" + signed(headers[0], payload).encode())
    for index, header in enumerate(headers):
        write("header", f"header-{index:02}", header)
    segments = sorted({segment for token in tokens for segment in token.split(".") if not token.startswith("{")})
    for index, segment in enumerate(segments):
        write("base64url", f"segment-{index:02}", segment.encode())
    for index, odd in enumerate([b"", b"AA==", b"+w", b"AB", b"A"]):
        write("base64url", f"odd-{index:02}", odd)


if __name__ == "__main__":
    main()

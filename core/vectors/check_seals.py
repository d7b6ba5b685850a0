#!/usr/bin/env python3
"""Independent cross-check of seals.json (docs/seal-spec.md) with Python's `cryptography`.

Parses every valid seal by the byte layout, recomputes the page digest, the key id and the code's
check symbol, and verifies the ECDSA P-384/SHA-384 signature; checks that the tampered vector fails.
Run: python3 core/vectors/check_seals.py   (needs: pip install cryptography)
"""
import base64, hashlib, json, os, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.exceptions import InvalidSignature

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
here = os.path.dirname(os.path.abspath(__file__))
v = json.load(open(os.path.join(here, "seals.json")))

def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def gmul(a, b):
    r = 0
    for i in range(5):
        if b >> i & 1:
            r ^= a << i
    for i in range(9, 4, -1):
        if r >> i & 1:
            r ^= 0b100101 << (i - 5)
    return r

def unpack_code(b13):
    n = int.from_bytes(b13, "big")
    assert n & 0xF == 0, "padding"
    sy = [(n >> (104 - 5 * (k + 1))) & 31 for k in range(20)]
    w, p = [], 1
    for _ in range(20):
        w.append(p); p = gmul(p, 2)
    w = w[::-1]
    acc = 0
    for s, x in zip(sy, w):
        acc ^= gmul(s, x)
    assert acc == 0, "check symbol"
    s = "".join(ALPHABET[x] for x in sy)
    return "-".join(s[i:i + 4] for i in range(0, 20, 4))

pub_bytes = bytes.fromhex(v["issuer_key"]["sec1_compressed_hex"])
pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), pub_bytes)
key_id = hashlib.sha256(pub_bytes).digest()[:8]

def verify(raw):
    assert len(raw) == 157 and raw[0] == 1
    r = int.from_bytes(raw[61:109], "big"); s = int.from_bytes(raw[109:157], "big")
    pub.verify(encode_dss_signature(r, s), raw[:61], ec.ECDSA(hashes.SHA384()))

def page_digest(pages):
    h = hashlib.sha256(b"saoy/pages/v1\0" + struct.pack(">I", len(pages)))
    for p in pages:
        p = p.encode()
        h.update(struct.pack(">I", len(p)) + p)
    return h.hexdigest()

for case in v["valid"]:
    raw = b64(case["seal_base64url"])
    assert raw.hex() == case["seal_hex"]
    assert unpack_code(raw[1:14]) == case["code"]
    assert raw[14:46].hex() == case["content_digest_hex"] == page_digest(case["pages_utf8"])
    assert int.from_bytes(raw[46:51], "big") == case["issued_at"]
    assert raw[51:59] == key_id and key_id.hex() == case["key_id_hex"]
    assert int.from_bytes(raw[59:61], "big") == case["kind"]
    assert case["url"].endswith("/v/" + case["code"].replace("-", "") + "#" + case["seal_base64url"])
    verify(raw)
tampered = v["invalid"][0]
assert tampered["reason"] == "seal_bad_signature"
try:
    verify(b64(tampered["text"]))
    sys.exit("tampered seal verified")
except InvalidSignature:
    pass
print(f"seals.json: {len(v['valid'])} valid seals verified independently, tampered seal rejected")

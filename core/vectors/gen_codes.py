#!/usr/bin/env python3
"""Independent reference implementation of the saoy verification code (docs/verification-code.md).

Writes codes.json, which the Rust tests (core/tests/core.rs) check the Rust implementation against.
Run: python3 core/vectors/gen_codes.py > core/vectors/codes.json
"""
import hashlib, json

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

def gmul(a, b):
    r = 0
    for i in range(5):
        if b >> i & 1:
            r ^= a << i
    for i in range(9, 4, -1):  # reduce modulo x^5 + x^2 + 1
        if r >> i & 1:
            r ^= 0b100101 << (i - 5)
    return r

def weights():
    w, p = [], 1
    for _ in range(20):
        w.append(p)
        p = gmul(p, 2)
    return w[::-1]  # position i has weight x^(19-i)

W = weights()

def from_random(b):
    bits = int.from_bytes(b, "big")  # 96 bits, use the top 95
    data = [(bits >> (96 - 5 * (k + 1))) & 31 for k in range(19)]
    chk = 0
    for s, w in zip(data, W):
        chk ^= gmul(s, w)
    return data + [chk]

def show(sy):
    s = "".join(ALPHABET[v] for v in sy)
    return "-".join(s[i:i + 4] for i in range(0, 20, 4))

valid = []
for i in range(16):
    rnd = hashlib.sha256(b"saoy code vector %d" % i).digest()[:12]
    sy = from_random(rnd)
    packed = 0
    for v in sy:
        packed = packed << 5 | v
    packed <<= 4
    valid.append({"random_hex": rnd.hex(), "code": show(sy), "compact": show(sy).replace("-", ""),
                  "symbols": sy, "packed_hex": packed.to_bytes(13, "big").hex()})

c0 = valid[0]["code"]
compact0 = valid[0]["compact"]
def sub(s, pos, ch):
    return s[:pos] + ch + s[pos + 1:]
# A confusable variant: replace every 0 by O and 1 by l in the lower-case form.
conf = c0.lower().replace("0", "O").replace("1", "l")
accepted = [
    {"input": c0.lower(), "code": c0},
    {"input": compact0, "code": c0},
    {"input": " ".join(compact0[i:i + 4] for i in range(0, 20, 4)), "code": c0},
    {"input": conf, "code": c0},
    {"input": "  " + c0 + "\t", "code": c0},
]
# rejected: one substitution, one adjacent transposition, bad characters, lengths
swap_pos = next(i for i in range(19) if compact0[i] != compact0[i + 1])
swapped = compact0[:swap_pos] + compact0[swap_pos + 1] + compact0[swap_pos] + compact0[swap_pos + 2:]
other = "A" if compact0[5] != "A" else "B"
rejected = [
    {"input": "", "error": "code_empty"},
    {"input": "----", "error": "code_empty"},
    {"input": sub(compact0, 5, other), "error": "code_check_mismatch"},
    {"input": swapped, "error": "code_check_mismatch"},
    {"input": sub(compact0, 2, "U"), "error": "code_invalid_character"},
    {"input": sub(compact0, 2, "*"), "error": "code_invalid_character"},
    {"input": compact0[:19], "error": "code_wrong_length"},
    {"input": compact0 + "0", "error": "code_wrong_length"},
    {"input": "A" * 200, "error": "code_too_long"},
]
print(json.dumps({
    "spec": "docs/verification-code.md",
    "alphabet": ALPHABET,
    "gf32_polynomial": "x^5 + x^2 + 1",
    "weights": W,
    "valid": valid,
    "accepted": accepted,
    "rejected": rejected,
}, indent=1))

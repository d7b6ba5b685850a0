"""`saoy.tune_malloc`: the glibc settings take effect, and it steps aside when it should.

Each case runs in a fresh interpreter: the settings are process-wide and a plain process is the
contrast. The probe allocates 16 MiB and frees it, reading glibc's `mallinfo2` around it: with
glibc's defaults the block is a fresh mapping (`hblkhd` grows) that goes back to the kernel when
freed; tuned, it comes from the heap and stays there free for reuse (`fordblks` grows).
"""

import json
import os
import subprocess
import sys

import pytest

import saoy

PROBE = r"""
import ctypes, json, sys
import saoy

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
t = saoy.tune_malloc() if sys.argv[1] == "tuned" else None
size = 16 << 20
before = libc.mallinfo2()
p = libc.malloc(size)
ctypes.memset(p, 1, size)
during = libc.mallinfo2()
libc.free(p)
after = libc.mallinfo2()
print(json.dumps({
    "applied": None if t is None else t.applied,
    "settings": None if t is None else t.settings,
    "mapped": during.hblkhd - before.hblkhd,
    "kept": after.fordblks - before.fordblks,
}))
"""


def _glibc() -> bool:
    import ctypes

    try:
        ctypes.CDLL(None).mallinfo2
        return sys.platform.startswith("linux")
    except (OSError, AttributeError):
        return False


def _probe(mode: str, env=None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not _glibc(), reason="glibc malloc only (mallinfo2: glibc >= 2.33)")
def test_tuned_process_keeps_large_blocks_in_the_heap():
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    plain, tuned = _probe("plain", env), _probe("tuned", env)
    # Contrast: glibc's defaults map a 16 MiB block and unmap it when freed.
    assert plain["mapped"] >= 16 << 20, plain
    assert plain["kept"] < 1 << 20, plain
    assert tuned["applied"] is True, tuned
    assert tuned["settings"] == {
        "mmap_threshold": 32 << 20,
        "trim_threshold": 2**31 - 1,
        "arena_max": 1,
    }
    assert tuned["mapped"] == 0, tuned
    assert tuned["kept"] >= 16 << 20, tuned


def test_launcher_tunables_are_left_alone(monkeypatch):
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")
    t = saoy.tune_malloc()
    assert not t.applied
    assert "GLIBC_TUNABLES" in t.reason
    assert t.settings == {}


def test_arena_max_must_be_positive():
    with pytest.raises(ValueError):
        saoy.tune_malloc(arena_max=0)

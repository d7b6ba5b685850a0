"""glibc malloc settings for a process that runs saoy's models: `saoy.tune_malloc()`.

ONNX Runtime allocates every intermediate tensor with `malloc` (saoy turns its own arena off: it
keeps the high-water mark of every input shape). Left to its defaults, glibc hands large blocks
back to the kernel when they are freed and gives each thread its own heap, so every operator
page-faults its output in again: up to 244 k page faults per A4 page measured in Python (as few
as 36 in a lucky process: glibc adapts its mmap threshold to what is freed). The `saoy` CLI
starts itself with `GLIBC_TUNABLES` to avoid that (bindings/cli/src/malloc_tuning.rs); a Python
process is already running when it imports saoy, so settings of the same kind are made here
with `mallopt`, which glibc accepts at any time. They are process-wide (memory freed by any
library in the process stays in the heap for reuse instead of going back to the kernel), so
this is opt-in: call it once, early, in a process whose main work is saoy's models (a batch
job, a kiosk).
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass, field

# mallopt parameters (glibc malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

# A 32 MiB mmap threshold still returns a one-off huge block (a large decoded scan) to the
# kernel when it is freed; the CLI's 2 GB kept a third fewer faults in one measurement (93 k
# against 137 k over three A4 pages, GLIBC_TUNABLES). mallopt takes a C int: the trim threshold
# is the largest one (2 GiB), which keeps freed memory for reuse.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2**31 - 1


@dataclass(frozen=True)
class MallocTuning:
    """What `tune_malloc` did: `applied`, the `reason` in English, and each setting made."""

    applied: bool
    reason: str
    settings: dict[str, int] = field(default_factory=dict)


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        version = libc.gnu_get_libc_version
    except (OSError, AttributeError):
        return None  # musl and other C libraries: their malloc has no such settings
    version.restype = ctypes.c_char_p
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc


def tune_malloc(arena_max: int = 1) -> MallocTuning:
    """Keep freed blocks in the heap and use `arena_max` heaps, as the `saoy` CLI does.

    Measured (`examples/python/bench_malloc_tuning.py`, the demo's A4 page, 2 threads, 2-core
    machine): from a few dozen to 244 k page faults per page without it (glibc adapts its mmap
    threshold to what is freed, so it varies from process to process), 14 to 23 k with it;
    0.92x the time and 415 instead of 502 MB at peak idle (0.80-1.09x the time in single runs
    on a loaded machine). Does nothing,
    and says why, off Linux glibc or when the process was started with `GLIBC_TUNABLES` (the
    launcher decided). The settings apply to the whole process and cannot be undone; call it
    before the first `Ocr`. If glibc refuses one, the result says which (those before it stay).
    """
    if arena_max < 1:
        raise ValueError("arena_max must be at least 1")
    if os.environ.get("GLIBC_TUNABLES"):
        return MallocTuning(False, "GLIBC_TUNABLES is set: left as the launcher decided")
    libc = _glibc()
    if libc is None:
        return MallocTuning(False, "not Linux with glibc: nothing to tune")
    settings = {}
    # The mmap threshold first: setting the trim threshold alone fixes the mmap threshold at
    # its 128 KiB default, and then every tensor is a fresh mapping (12.7 M page faults for
    # three A4 pages, against 1.4 M with glibc's defaults).
    for name, param, value in (
        ("mmap_threshold", M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        ("trim_threshold", M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        ("arena_max", M_ARENA_MAX, arena_max),
    ):
        if libc.mallopt(param, value) != 1:
            return MallocTuning(False, f"glibc refused {name}={value}", settings)
        settings[name] = value
    return MallocTuning(True, "applied", settings)

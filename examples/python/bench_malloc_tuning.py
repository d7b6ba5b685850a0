#!/usr/bin/env python3
"""What `saoy.tune_malloc()` does for a Python process running OCR: page faults, time, peak memory.

Runs the same job in fresh child processes, alternating plain and tuned (`--rounds` of each):
load the engine, OCR the demo's A4 page scan (or IMAGE) once to warm up, then `--runs` more
times. Each child reports the page faults (`ru_minflt`) and the median time of the timed runs,
and its peak RSS; the parent prints medians and ratios. These are reported, not gated: a plain
process is sometimes lucky (glibc adapts its mmap threshold to what is freed: 36 to 244 k faults
per page seen here), and a tuned one faults in each new high-water mark of its heap, which
depends on how the threads' allocations overlap (14 to 23 k seen here, the most under load with
one timed run). Whether the settings take effect is tested deterministically in
bindings/python/tests/test_malloc.py. Exit 1 only when `tune_malloc` does not apply.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def child(mode: str, image: str, threads: int, runs: int) -> None:
    import saoy

    tuning = saoy.tune_malloc() if mode == "tuned" else None
    data = Path(image).read_bytes() if image else saoy.demo_inputs(3).pages[0]
    engine = saoy.Ocr(threads=threads)
    engine(data)  # warm up: model load, first allocations
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        engine(data)
        times.append((time.perf_counter() - t0) * 1000.0)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    print(
        json.dumps(
            {
                "mode": mode,
                "applied": None if tuning is None else tuning.applied,
                "reason": None if tuning is None else tuning.reason,
                "faults_per_run": faults / runs,
                "median_ms": statistics.median(times),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            }
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("image", nargs="?", default="")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", choices=["plain", "tuned"])
    args = ap.parse_args()
    if args.child:
        child(args.child, args.image, args.threads, args.runs)
        return 0
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    results = {"plain": [], "tuned": []}
    for _ in range(args.rounds):
        for mode in ("plain", "tuned"):
            cmd = [sys.executable, __file__, args.image, "--threads", str(args.threads)]
            cmd += ["--runs", str(args.runs), "--child", mode]
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"  {mode}: {r['faults_per_run']:.0f} faults/run, median {r['median_ms']:.0f} ms, "
                f"peak {r['peak_mb']:.0f} MB" + (f" ({r['reason']})" if r["reason"] else "")
            )
            results[mode].append(r)
    refused = [r["reason"] for r in results["tuned"] if not r["applied"]]
    if refused:
        print(f"tune_malloc did not apply: {refused[0]}")
        return 1

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    plain_f, tuned_f = med("plain", "faults_per_run"), med("tuned", "faults_per_run")
    plain_ms, tuned_ms = med("plain", "median_ms"), med("tuned", "median_ms")
    print(
        f"tune_malloc [reported, no bar]: faults/run median {plain_f:.0f} -> {tuned_f:.0f}; "
        f"time {plain_ms:.0f} -> {tuned_ms:.0f} ms ({tuned_ms / plain_ms:.2f}x); "
        f"peak {med('plain', 'peak_mb'):.0f} -> {med('tuned', 'peak_mb'):.0f} MB; "
        f"{args.threads} threads, load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

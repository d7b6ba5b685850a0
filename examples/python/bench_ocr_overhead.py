#!/usr/bin/env python3
"""Python `saoy.ocr` overhead vs the native Rust call, same image, same threads, same process.

Native: `saoy._native._bench_native_ocr` runs the Rust engine's `recognize_bytes` in a Rust loop
(no Python per iteration). Python: `Ocr.__call__` on the same bytes (argument conversion, GIL
release, result objects). Rounds alternate native and Python blocks so load drift hits both.
Prints medians and the ratio; exits 1 when the overhead exceeds --max-overhead (default 5%).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import saoy
from saoy import _native


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("image", type=Path, nargs="?")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-round", type=int, default=3)
    ap.add_argument("--max-overhead", type=float, default=5.0, help="percent")
    args = ap.parse_args()
    data = args.image.read_bytes() if args.image else saoy.demo_inputs(7).id_front
    engine = saoy.Ocr(threads=args.threads)
    engine(data)  # warm up
    _native._bench_native_ocr(engine, data, 1)
    native, python = [], []
    for _ in range(args.rounds):
        native.extend(_native._bench_native_ocr(engine, data, args.per_round))
        for _ in range(args.per_round):
            t0 = time.perf_counter()
            engine(data)
            python.append((time.perf_counter() - t0) * 1000.0)
    n, p = statistics.median(native), statistics.median(python)
    overhead = (p / n - 1.0) * 100.0
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"ocr median over {len(native)} runs each, threads={args.threads}, image {len(data)} bytes, "
          f"load average {load}: native {n:.1f} ms, python {p:.1f} ms, ratio {p / n:.3f} "
          f"(overhead {overhead:+.1f}%, bar <= {args.max_overhead}%)")
    return 0 if overhead <= args.max_overhead else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""OCR a folder of scans in parallel into a pandas-friendly CSV or Parquet file.

    python batch_ocr.py SCANS_DIR --out results.csv [--workers 2] [--threads 1]
    python batch_ocr.py SCANS_DIR --out results.parquet      # needs pandas + pyarrow

One row per recognized line: file, line index, text, confidence, the line's box, and per file the
document kind and timing; files that fail get one row with `error_code` (the stable saoy code).
Workers are threads sharing one engine: `saoy` releases the GIL while it recognizes, so they
run in parallel. A progress bar uses tqdm when installed, else a plain one on stderr.
"""

import argparse
import csv
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import saoy

EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}
COLUMNS = [
    "file", "line", "text", "confidence", "x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3",
    "kind", "kind_confidence", "ms", "error_code", "error",
]


class Bar:
    """tqdm if available, else a minimal stderr bar."""

    def __init__(self, total: int):
        self.total, self.done, self.t0 = total, 0, time.perf_counter()
        try:
            from tqdm import tqdm

            self.tqdm = tqdm(total=total, unit="scan")
        except ImportError:
            self.tqdm = None

    def update(self):
        self.done += 1
        if self.tqdm is not None:
            self.tqdm.update(1)
            return
        width = 30
        filled = width * self.done // max(self.total, 1)
        rate = self.done / max(time.perf_counter() - self.t0, 1e-9)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {rate:.2f} scan/s")
        sys.stderr.flush()

    def close(self):
        if self.tqdm is not None:
            self.tqdm.close()
        else:
            sys.stderr.write("\n")


def rows_for(engine: saoy.Ocr, path: Path):
    try:
        r = engine(path)
    except saoy.SaoyError as e:
        return [dict(file=str(path), line=None, error_code=e.code, error=str(e))]
    rows = []
    for i, line in enumerate(r.lines):
        flat = [c for pt in line.quad for c in pt]
        rows.append(dict(
            file=str(path), line=i, text=line.text, confidence=round(line.confidence, 4),
            **{k: round(v, 1) for k, v in zip(["x0", "y0", "x1", "y1", "x2", "y2", "x3", "y3"], flat)},
            kind=r.kind, kind_confidence=round(r.kind_confidence, 3), ms=round(r.total_ms, 1),
        ))
    if not rows:
        rows.append(dict(file=str(path), line=None, kind=r.kind, ms=round(r.total_ms, 1)))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--out", type=Path, required=True, help="results .csv or .parquet")
    ap.add_argument("--workers", type=int, default=2, help="parallel scans (threads)")
    ap.add_argument("--threads", type=int, default=1, help="inference threads per scan")
    args = ap.parse_args(argv)

    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in EXTENSIONS)
    if not files:
        print(f"no images under {args.folder}", file=sys.stderr)
        return 2
    engine = saoy.Ocr(threads=args.threads)
    rows, bar, t0 = [], Bar(len(files)), time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        futures = {pool.submit(rows_for, engine, f): f for f in files}
        for fut in as_completed(futures):
            rows.extend(fut.result())
            bar.update()
    bar.close()
    rows.sort(key=lambda r: (r["file"], -1 if r.get("line") is None else r["line"]))
    wall = time.perf_counter() - t0

    if args.out.suffix == ".parquet":
        import pandas as pd

        df = pd.DataFrame(rows, columns=COLUMNS)
        df["line"] = df["line"].astype("Int64")  # nullable: failed files have no line
        df.to_parquet(args.out, index=False)
    else:
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows(rows)
    failed = sum(1 for r in rows if r.get("error_code"))
    print(f"{len(files)} scans, {sum(1 for r in rows if r.get('text'))} lines, {failed} failed, "
          f"{wall:.1f} s ({len(files) / wall:.2f} scans/s) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

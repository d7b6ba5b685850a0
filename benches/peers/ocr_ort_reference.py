#!/usr/bin/env python3
"""Python onnxruntime reference for the OCR benchmark (benches/peers/ocr_vs_tesseract.sh).

Runs the same ONNX models (store files text_det.onnx, text_cls.onnx, text_rec.onnx) on
exactly the sequence of input shapes saoy's pipeline fed them for one page (the
`shapes:` line of `ocr_eval profile`), with the same thread count, and prints the
median model-only time per page. Inference cost depends on the shapes, not on the
pixel values, so this is the floor the models themselves set for the same page.

Usage: ocr_ort_reference.py MODEL_DIR THREADS RUNS "det:1x3x896x1280 rec:4x3x32x1020 ..."
Needs numpy and onnxruntime (pip).
"""
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    model_dir, threads, runs, shapes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    names = {"det": ("text_det.onnx", "x"), "rec": ("text_rec.onnx", "images"), "cls": ("text_cls.onnx", "x")}
    sessions = {}
    calls = []
    rng = np.random.default_rng(0)
    for item in shapes.split():
        model, dims = item.split(":")
        if model not in sessions:
            sessions[model] = ort.InferenceSession(f"{model_dir}/{names[model][0]}", so, providers=["CPUExecutionProvider"])
        shape = [int(d) for d in dims.split("x")]
        calls.append((model, rng.random(shape, dtype=np.float32)))
    per_model_runs = []
    totals = []
    for _ in range(runs + 1):  # first run warms up
        per = {}
        t0 = time.perf_counter()
        for model, x in calls:
            t = time.perf_counter()
            sessions[model].run(None, {names[model][1]: x})
            per[model] = per.get(model, 0.0) + (time.perf_counter() - t) * 1000
        totals.append((time.perf_counter() - t0) * 1000)
        per_model_runs.append(per)
    totals, per_model_runs = totals[1:], per_model_runs[1:]
    order = sorted(range(len(totals)), key=lambda i: totals[i])
    mid = order[len(order) // 2]
    detail = " ".join(f"{k} {v:.0f} ms" for k, v in sorted(per_model_runs[mid].items()))
    print(f"python-ort median_ms={totals[mid]:.1f} ({detail}) calls={len(calls)} runs={len(totals)}")


if __name__ == "__main__":
    main()

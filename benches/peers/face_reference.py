#!/usr/bin/env python3
"""Independent Python reference of the saoy face pipeline (YuNet + SFace).

Written from the processing facts only (shared/FACTS.md section 2), with
numpy + onnxruntime + OpenCV, to cross-check the Rust crate saoy-faceauth:
per-pair cosine scores on the development pairs must agree within 0.02, and
it is the speed peer of `faceauth/benches/face.rs`.

  face_reference.py scores --models DIR --data DIR --pairs pairs.csv --out scores.csv
  face_reference.py bench  --models DIR --images IMG... [--threads N] [--repeat R]

Pipeline: YuNet: the image scaled to fit 640x640 and placed top-left on a zero
canvas (BGR 0-255) whose sides are the scaled sides rounded up to multiples of
32, as saoy-faceauth does (--canvas fit32, default), or the classic full
640x640 canvas (--canvas fixed; same scale, same grid, more zero padding); decode
strides 8/16/32 with score = sqrt(clip(cls)*clip(obj)); keep >= 0.6; NMS IoU 0.3;
landmarks voted over candidates with IoU >= 0.5 with the kept box (score-weighted
mean); undo the letterbox scale per axis. Letterbox sizes round half up; shrinking
uses area averaging, enlarging bilinear. SFace: least-squares 4-DoF similarity from the five
landmarks to the 112x112 template, bilinear warpAffine, RGB 0-255, L2 norm, cosine.
"""

import argparse
import csv
import os
import statistics
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort

TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)
SIDE = 640
SCORE_MIN = 0.6
NMS_IOU = 0.3
# Landmark voting (as saoy-faceauth does): the kept face's landmarks are the
# score-weighted mean of every candidate overlapping it by IoU >= 0.5. Without
# it, near-tied anchors ~10 px apart flip on +-1 grey-level JPEG decoder
# differences. Set SAOY_FACE_NO_VOTE=1 for the plain pipeline of FACTS 2.
VOTE_IOU = None if os.environ.get("SAOY_FACE_NO_VOTE") else 0.5


def session(path, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


class Reference:
    def __init__(self, models, threads, canvas="fit32"):
        self.canvas = canvas
        self.det = session(os.path.join(models, "face_det.onnx"), threads)
        self.emb = session(os.path.join(models, "face_embed.onnx"), threads)
        self.det_names = [o.name for o in self.det.get_outputs()]

    def letterbox(self, bgr):
        """Scale to fit 640x640 (aspect kept), top-left on a zero canvas: 640x640
        (canvas "fixed", the classic YuNet input) or the scaled size rounded up to
        multiples of 32 (canvas "fit32", what saoy-faceauth does; needs the
        store's converted model with symbolic input height/width)."""
        h, w = bgr.shape[:2]
        scale = min(SIDE / w, SIDE / h)
        nw, nh = max(1, int(w * scale + 0.5)), max(1, int(h * scale + 0.5))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        small = cv2.resize(bgr, (nw, nh), interpolation=interp)
        if self.canvas == "fit32":
            cw, ch = -(-nw // 32) * 32, -(-nh // 32) * 32
        else:
            cw, ch = SIDE, SIDE
        canvas = np.zeros((ch, cw, 3), dtype=np.float32)
        canvas[:nh, :nw] = small
        blob = canvas.transpose(2, 0, 1)[None]
        return blob, (w, h, nw, nh, cw, ch)

    def detect(self, bgr):
        blob, geom = self.letterbox(bgr)
        return self.detect_blob(blob, geom)

    def detect_blob(self, blob, geom):
        w, h, nw, nh, cw, ch = geom
        outs = dict(zip(self.det_names, self.det.run(None, {"input": blob})))
        faces = []
        for s in (8, 16, 32):
            cols = cw // s
            cls = np.clip(outs[f"cls_{s}"][0, :, 0], 0, 1)
            obj = np.clip(outs[f"obj_{s}"][0, :, 0], 0, 1)
            score = np.sqrt(cls * obj)
            bbox = outs[f"bbox_{s}"][0]
            kps = outs[f"kps_{s}"][0]
            for i in np.nonzero(score >= SCORE_MIN)[0]:
                r, c = divmod(int(i), cols)
                cx, cy = (c + bbox[i, 0]) * s, (r + bbox[i, 1]) * s
                bw, bh = np.exp(bbox[i, 2]) * s, np.exp(bbox[i, 3]) * s
                lm = [((c + kps[i, 2 * k]) * s, (r + kps[i, 2 * k + 1]) * s) for k in range(5)]
                faces.append((float(score[i]), [cx - bw / 2, cy - bh / 2, bw, bh], lm))
        faces.sort(key=lambda f: -f[0])
        kept = []
        for f in faces:
            if all(iou(f[1], k[1]) <= NMS_IOU for k in kept):
                kept.append(f)
        sx, sy = nw / w, nh / h
        out = []
        for score, box, lm in kept:
            if VOTE_IOU is not None:
                group = [f for f in faces if iou(f[1], box) >= VOTE_IOU]
                wsum = sum(f[0] for f in group)
                lm = np.sum([f[0] * np.array(f[2]) for f in group], axis=0) / wsum
            out.append(
                {
                    "score": score,
                    "box": [box[0] / sx, box[1] / sy, box[2] / sx, box[3] / sy],
                    "landmarks": np.array(lm, dtype=np.float64) / np.array([sx, sy]),
                }
            )
        return out

    def embed(self, bgr, face):
        src = face["landmarks"]
        # u = a x - b y + tx ; v = b x + a y + ty, solved by linear least squares.
        rows, rhs = [], []
        for (x, y), (u, v) in zip(src, TEMPLATE):
            rows.append([x, -y, 1, 0])
            rhs.append(u)
            rows.append([y, x, 0, 1])
            rhs.append(v)
        a, b, tx, ty = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
        m = np.array([[a, -b, tx], [b, a, ty]], dtype=np.float64)
        crop = cv2.warpAffine(bgr, m, (112, 112), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        rgb = crop[:, :, ::-1].astype(np.float32).transpose(2, 0, 1)[None]
        v = self.emb.run(None, {"data": np.ascontiguousarray(rgb)})[0][0].astype(np.float64)
        return v / np.linalg.norm(v)


def iou(a, b):
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def largest(faces):
    return max(faces, key=lambda f: f["box"][2] * f["box"][3]) if faces else None


def cmd_scores(args):
    ref = Reference(args.models, args.threads, args.canvas)
    emb = {}
    with open(args.pairs) as fh:
        pairs = list(csv.DictReader(fh))
    names = sorted({p["img_a"] for p in pairs} | {p["img_b"] for p in pairs})
    for n in names:
        img = cv2.imread(os.path.join(args.data, n), cv2.IMREAD_COLOR)
        faces = ref.detect(img) if img is not None else []
        f = largest(faces)
        emb[n] = ref.embed(img, f) if f is not None else None
        if args.landmarks and f is not None:
            pts = " ".join(f"{x:.2f} {y:.2f}" for x, y in f["landmarks"])
            print(f"landmarks {n}: {f['score']:.4f} {pts}")
    with open(args.out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["img_a", "img_b", "same", "score"])
        for p in pairs:
            ea, eb = emb[p["img_a"]], emb[p["img_b"]]
            s = "" if ea is None or eb is None else f"{float(ea @ eb):.6f}"
            w.writerow([p["img_a"], p["img_b"], p["same"], s])
    fte = sum(1 for v in emb.values() if v is None)
    print(f"reference: {len(names)} images, {len(pairs)} pairs, failure-to-enrol {fte}")


def cmd_bench(args):
    ref = Reference(args.models, args.threads, args.canvas)
    imgs = [cv2.imread(p, cv2.IMREAD_COLOR) for p in args.images]
    wall = {"letterbox": [], "detect": [], "align+embed": [], "per_image": []}
    cpu = {k: [] for k in wall}
    for _ in range(args.repeat):
        for img in imgs:
            marks = [(time.perf_counter(), time.thread_time())]
            blob, geom = ref.letterbox(img)
            marks.append((time.perf_counter(), time.thread_time()))
            faces = ref.detect_blob(blob, geom)
            marks.append((time.perf_counter(), time.thread_time()))
            f = largest(faces)
            if f is not None:
                ref.embed(img, f)
            marks.append((time.perf_counter(), time.thread_time()))
            for k, (i, j) in zip(wall, [(0, 1), (0, 2), (2, 3), (0, 3)]):
                wall[k].append(marks[j][0] - marks[i][0])
                cpu[k].append(marks[j][1] - marks[i][1])

    def fmt(d, agg):
        return " ".join(f"{k}={agg(v) * 1000.0:.2f}" for k, v in d.items())

    head = f"python-reference threads={args.threads} canvas={args.canvas} images={len(imgs)} repeat={args.repeat}"
    print(f"{head} wall median_ms {fmt(wall, statistics.median)}")
    if args.threads == 1:
        # Thread CPU time: with one intra-op thread onnxruntime runs on the
        # calling thread, so this is the work done (robust to a loaded machine).
        print(f"{head} cpu median_ms {fmt(cpu, statistics.median)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("scores")
    s.add_argument("--models", required=True)
    s.add_argument("--data", required=True)
    s.add_argument("--pairs", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--landmarks", action="store_true", help="print the landmarks of the face used")
    b = sub.add_parser("bench")
    b.add_argument("--models", required=True)
    b.add_argument("--images", nargs="+", required=True)
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--repeat", type=int, default=3)
    for p in (s, b):
        p.add_argument(
            "--canvas",
            choices=["fit32", "fixed"],
            default="fit32",
            help="detector canvas: fit32 (as saoy-faceauth, default) or fixed 640x640",
        )
    args = ap.parse_args()
    {"scores": cmd_scores, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())

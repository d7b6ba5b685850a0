#!/usr/bin/env bash
# Python side of the face evaluation (.ci/eval/face.sh): an independent
# onnxruntime + numpy + OpenCV reference pipeline of the same YuNet/SFace models
# (benches/peers/face_reference.py), used to cross-check per-pair scores and as
# the speed peer.
source "$(dirname "$0")/../lib.sh"

timed "face: pip (onnxruntime numpy opencv-python-headless)" \
  py_install "onnxruntime=onnxruntime==1.31.1" "numpy=numpy" "cv2=opencv-python-headless==4.12.0.88"

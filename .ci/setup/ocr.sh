#!/usr/bin/env bash
# Tools for the OCR evaluation (.ci/eval/ocr.sh): Tesseract with the Debian
# Vietnamese model, the peer printed side by side with saoy.
source "$(dirname "$0")/../lib.sh"

timed "ocr: apt (tesseract-ocr tesseract-ocr-vie)" \
  apt_install tesseract-ocr tesseract-ocr-vie

#!/usr/bin/env bash
# pneumo against ONNX Runtime on the CPU, inference at batch 1 and 32, two threads each, on the
# models pneumo exports: builds the release binary, exports every built-in model through
# Scripts/check-onnx.sh (which also checks they agree), then times both in one run.
#
# Usage: Scripts/peers/onnx_speed.sh [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
export POCL_MAX_PTHREAD_COUNT=2 POCL_CPU_MAX_CU_COUNT=2
source Scripts/lib/release-build.sh
models="$(mktemp -d)"
trap 'rm -rf "$models"' EXIT
PNEUMO_BIN="$pneumo" PNEUMO_ONNX_KEEP="$models" Scripts/check-onnx.sh "$@"
"${PNEUMO_ONNX_VENV:-.venv-onnx}/bin/python" Scripts/peers/onnx_inference.py --pneumo "$pneumo" --onnx-dir "$models"

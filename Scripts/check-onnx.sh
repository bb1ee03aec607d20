#!/usr/bin/env bash
# Checks the ONNX export against ONNX Runtime: every built-in model, an architecture file, a
# three-class model and an ensemble, each trained for one epoch on a few X-rays, exported,
# passed through onnx.checker and run by ONNX Runtime on 20 real test images, whose calibrated
# probabilities must match `pneumo predict` within 1e-5 (checkpoints calibrated with test-time
# augmentation: with the copies in the graph, and again in one pass). Needs PyPI for the first run.
#
# Usage: Scripts/check-onnx.sh [DATA_DIR]
#   DATA_DIR: a chest_xray folder with train/, val/ and test/ (default $PNEUMO_DATA, else
#             ../shared/data/chest_xray)
#   PNEUMO_BIN: a pneumo binary to use instead of the debug build
#   PNEUMO_ONNX_VENV: the virtual environment (default .venv-onnx)
#   PNEUMO_ONNX_KEEP: a folder to copy the one-pass .onnx models into (Scripts/peers/onnx_speed.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${PNEUMO_DATA:-../shared/data/chest_xray}}"
for split in train val test; do
    [ -d "$data/$split/NORMAL" ] || { echo "No $data/$split/NORMAL: pass a chest_xray folder holding train/, val/ and test/." >&2; exit 2; }
done
data="$(cd "$data" && pwd)"
export POCL_MAX_PTHREAD_COUNT="${POCL_MAX_PTHREAD_COUNT:-2}"
export POCL_CPU_MAX_CU_COUNT="${POCL_CPU_MAX_CU_COUNT:-2}"
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.pocl-cache}"

venv="${PNEUMO_ONNX_VENV:-.venv-onnx}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import onnx, onnxruntime" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check numpy onnx onnxruntime
fi

source Scripts/lib/check-binary.sh

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Training data: links to 8 images per class and split (bacterial and viral for three classes).
link() {  # link SOURCE_DIR PATTERN COUNT TARGET_DIR
    local files
    mkdir -p "$4"
    mapfile -t files < <(find "$(cd "$1" && pwd)" -maxdepth 1 -name "$2" | sort)
    ln -s "${files[@]:0:$3}" "$4/"
}
# The official val/ has no viral image, so validation borrows 4 from test (never compared below).
for split in train val; do
    link "$data/$split/NORMAL" "*.jpeg" 8 "$work/data/$split/NORMAL"
    link "$data/$split/PNEUMONIA" "*bacteria*" 4 "$work/data/$split/PNEUMONIA"
done
link "$data/train/PNEUMONIA" "*virus*" 4 "$work/data/train/PNEUMONIA"
link "$data/test/PNEUMONIA" "*virus*" 4 "$work/data/val/PNEUMONIA"
# The images compared: the first 10 of each class in test/.
images=()
while read -r file; do images+=("$file"); done < <(
    { find "$data/test/NORMAL" -maxdepth 1 -name "*.jpeg" | sort | head -n 10
      find "$data/test/PNEUMONIA" -maxdepth 1 -name "*.jpeg" | sort | head -n 10; })

keep=()
if [ -n "${PNEUMO_ONNX_KEEP:-}" ]; then
    mkdir -p "$PNEUMO_ONNX_KEEP"
    keep=(--keep "$PNEUMO_ONNX_KEEP")
fi
"$venv/bin/python" Scripts/check_onnx.py --pneumo "$pneumo" --data "$work/data" --work "$work" --images "${images[@]}" "${keep[@]}"

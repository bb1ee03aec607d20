#!/usr/bin/env bash
# The serve page in a real browser: trains a small model for one epoch on a few X-rays, serves
# it, and lets headless Chromium upload a JPEG, a DICOM and a cut-off DICOM on the page, wait
# for the three results, check the text each card shows and toggle the heatmaps
# (Scripts/serve_browser_test.py). Installs Debian's chromium when it is missing.
#
# Usage: Scripts/check-page.sh [DATA_DIR]
#   DATA_DIR: a chest_xray folder with train/ and val/ (default $PNEUMO_DATA, else ../shared/data/chest_xray)
#   PNEUMO_BIN: a pneumo binary to use instead of the debug build
#   PNEUMO_PAGE_SCREENSHOT: where to write the page's screenshot (none by default)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${PNEUMO_DATA:-../shared/data/chest_xray}}"
for split in train val; do
    [ -d "$data/$split/NORMAL" ] || { echo "No $data/$split/NORMAL: pass a chest_xray folder holding train/ and val/." >&2; exit 2; }
done
export POCL_MAX_PTHREAD_COUNT="${POCL_MAX_PTHREAD_COUNT:-2}"
export POCL_CPU_MAX_CU_COUNT="${POCL_CPU_MAX_CU_COUNT:-2}"
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.pocl-cache}"

if ! command -v chromium >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

source Scripts/lib/check-binary.sh

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# 12 X-rays per class and split are enough for a model that answers; the page is what is tested.
for split in train val; do
    for class in NORMAL PNEUMONIA; do
        mkdir -p "$work/data/$split/$class"
        mapfile -t files < <(find "$(cd "$data/$split/$class" && pwd)" -maxdepth 1 -name "*.jpeg" | sort)
        ln -s "${files[@]:0:12}" "$work/data/$split/$class/"
    done
done
"$pneumo" train --data "$work/data" --model pneumonet --input-size 64 --width 8 --epochs 1 --batch-size 8 \
    --val-fraction 0 --device cpu --out "$work/run" > "$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }

screenshot=()
[ -n "${PNEUMO_PAGE_SCREENSHOT:-}" ] && screenshot=(--out "$PNEUMO_PAGE_SCREENSHOT")
python3 Scripts/serve_browser_test.py --pneumo "$pneumo" --model "$work/run/best" \
    --jpeg Tests/Fixtures/DICOM/pneumonia.jpeg --dicom Tests/Fixtures/DICOM/normal-jpeg2000.dcm ${screenshot[@]+"${screenshot[@]}"}

#!/usr/bin/env bash
# Decode benchmark: pneumo's pipeline vs Pillow on ../shared/data/originals, plus cold vs
# warm decoded-cache loads of the train split. Installs Pillow into .venv-bench (git-ignored).
# Usage: Scripts/decode_bench.sh [DATA_DIR] [extra decode_bench.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
shift || true
if [ ! -x .venv-bench/bin/python ]; then
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --quiet pillow
fi
swift build -c release --product DecodeBench 2>&1 | grep -E "error|warning: .*Sources/" || true
binary="$(swift build -c release --product DecodeBench --show-bin-path)/DecodeBench"
.venv-bench/bin/python Scripts/decode_bench.py --binary "$binary" \
    --originals "$data/originals" --split "$data/chest_xray/train" "$@"

#!/usr/bin/env bash
# Trains and evaluates every built-in model on the test split, one after another, and prints
# one table: the notebook's three models with the notebook's own settings (`--recipe
# notebook`, evaluated on their final weights, as the notebook did) and pneumonet with the
# defaults (evaluated on its best checkpoint).
#
#   Scripts/compare_models.sh [--data ROOT] [--out DIR] [--models "seed-dense seed-cnn ..."]
#
# Each run lands in DIR/<model>/ (default DIR: runs/compare-<date>); the table is also
# written to DIR/summary.md. A model whose run folder already holds an evaluation is not
# trained again, so an interrupted comparison can simply be started again.
set -euo pipefail
cd "$(dirname "$0")/.."

data=()
out="runs/compare-$(date +%Y%m%d-%H%M%S)"
models="seed-dense seed-cnn seed-cnn-tuned pneumonet"
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data=(--data "${2:?--data needs a folder}"); shift 2 ;;
        --out) out="${2:?--out needs a folder}"; shift 2 ;;
        --models) models="${2:?--models needs a list}"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare_models.sh: unknown option $1" >&2; exit 64 ;;
    esac
done

# PoCL's threads and kernel cache, the release build, and $pneumo.
source Scripts/lib/release-build.sh
mkdir -p "$out"

for model in $models; do
    run="$out/$model"
    if [ -f "$run/evaluation/evaluation.json" ]; then
        echo "== $model: already evaluated in $run"
        continue
    fi
    if [ "$model" = pneumonet ]; then
        recipe=(); checkpoint="$run/best"
    else
        recipe=(--recipe notebook); checkpoint="$run/last"
    fi
    rm -rf "$run"
    echo "== $model: training into $run"
    start=$(date +%s)
    "$pneumo" train --model "$model" ${recipe[@]+"${recipe[@]}"} ${data[@]+"${data[@]}"} --out "$run" 2>&1 | tee "$out/$model.train.log"
    echo $(( $(date +%s) - start )) > "$run/train-seconds"
    "$pneumo" evaluate --model "$checkpoint" ${data[@]+"${data[@]}"} --split test --out "$run/evaluation" 2>&1 | tee "$out/$model.evaluate.log"
done

python3 Scripts/compare_summary.py "$out" $models | tee "$out/summary.md"

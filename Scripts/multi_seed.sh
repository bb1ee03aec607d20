#!/usr/bin/env bash
# The multi-seed protocol: trains K seeds of one recipe on one shared validation split,
# evaluates each on the test split, joins them into an ensemble (calibrated on that same
# validation split, never on test) and prints mean ± sd, range and the ensemble per metric.
#
#   Scripts/multi_seed.sh [--data ROOT] [--seeds 5] [--split-seed 42] [--out runs/multi-seed] [train options...]
#
# Seeds already trained in OUT are kept, so an interrupted protocol continues where it stopped.
# Checkpoints evaluated: best (by --monitor) and, with --average-epochs, averaged.
# Results: OUT/seed-N/evaluation-*/, OUT/ensemble-*, OUT/summary.md and OUT/summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."

data=""
seeds=5
split_seed=42
out="runs/multi-seed"
train_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data="${2:?--data needs a folder}"; shift 2 ;;
        --seeds) seeds="${2:?--seeds needs a number}"; shift 2 ;;
        --split-seed) split_seed="${2:?--split-seed needs a number}"; shift 2 ;;
        --out) out="${2:?--out needs a folder}"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) train_options+=("$1"); shift ;;
    esac
done

Scripts/install-deps.sh
source Scripts/lib/release-build.sh
data_option=()
[ -n "$data" ] && data_option=(--data "$data")
mkdir -p "$out"

for seed in $(seq 1 "$seeds"); do
    run="$out/seed-$seed"
    if [ -f "$run/best.json" ] && [ ! -f "$run/resume.json" ]; then
        echo "multi_seed: seed $seed already trained in $run"
    elif [ -f "$run/resume.json" ]; then
        "$pneumo" train --resume "$run" ${data_option[@]+"${data_option[@]}"}
    else
        "$pneumo" train --seed "$seed" --split-seed "$split_seed" --out "$run" ${data_option[@]+"${data_option[@]}"} \
            ${train_options[@]+"${train_options[@]}"}
    fi
done

kinds=(best)
[ -f "$out/seed-1/averaged.json" ] && kinds+=(averaged)
for kind in "${kinds[@]}"; do
    members=()
    for seed in $(seq 1 "$seeds"); do
        run="$out/seed-$seed"
        members+=("$run/$kind")
        [ -f "$run/evaluation-$kind/evaluation.json" ] ||
            "$pneumo" evaluate --model "$run/$kind" ${data_option[@]+"${data_option[@]}"} --split test --out "$run/evaluation-$kind"
    done
    if [ "$seeds" -ge 2 ]; then
        [ -f "$out/ensemble-$kind.json" ] ||
            "$pneumo" ensemble "${members[@]}" --out "$out/ensemble-$kind" ${data_option[@]+"${data_option[@]}"}
        [ -f "$out/evaluation-ensemble-$kind/evaluation.json" ] ||
            "$pneumo" evaluate --model "$out/ensemble-$kind" ${data_option[@]+"${data_option[@]}"} --split test \
                --out "$out/evaluation-ensemble-$kind"
        "$pneumo" card --model "$out/ensemble-$kind" --evaluation "$out/evaluation-ensemble-$kind" --out "$out/card-ensemble-$kind"
    fi
    # One member's card with every seed's test figures as mean ± sd.
    evaluations=()
    for seed in $(seq 1 "$seeds"); do evaluations+=(--evaluation "$out/seed-$seed/evaluation-$kind"); done
    "$pneumo" card --model "$out/seed-1/$kind" "${evaluations[@]}" --out "$out/card-seeds-$kind"
done

python3 Scripts/multi_seed_summary.py "$out" | tee "$out/summary.md"

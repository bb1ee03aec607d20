#!/usr/bin/env bash
# The main job: install what is missing, build pneumo (release), train the default model
# (pneumonet with the default options) and evaluate its best checkpoint on the test split.
#
#   Scripts/run.sh [--data ROOT] [--out RUN] [--device D] [other `pneumo train` options]
#   Scripts/run.sh --resume RUN            # continue an interrupted run, then evaluate it
#
# The data set is found at --data, else $PNEUMO_DATA, else ../shared/data/chest_xray.
# Results: RUN/best.{safetensors,json}, RUN/history.{csv,json}, RUN/evaluation/, RUN/MODEL_CARD.md.
set -euo pipefail
cd "$(dirname "$0")/.."

data=""
run=""
resume=""
device=()
train_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data="${2:?--data needs a folder}"; shift 2 ;;
        --data=*) data="${1#--data=}"; shift ;;
        --out) run="${2:?--out needs a folder}"; shift 2 ;;
        --out=*) run="${1#--out=}"; shift ;;
        --resume) resume="${2:?--resume needs a run folder}"; shift 2 ;;
        --resume=*) resume="${1#--resume=}"; shift ;;
        --device) device=(--device "${2:?--device needs a value}"); shift 2 ;;
        --device=*) device=("$1"); shift ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) train_options+=("$1"); shift ;;
    esac
done

Scripts/install-deps.sh

# PoCL's threads and kernel cache, the release build, and $pneumo.
source Scripts/lib/release-build.sh

data_option=()
[ -n "$data" ] && data_option=(--data "$data")

if [ -n "$resume" ]; then
    if [ ${#train_options[@]} -gt 0 ] || [ -n "$run" ]; then
        echo "run.sh: --resume continues with the run's own options; drop ${train_options[*]} ${run:+--out $run}" >&2
        exit 64
    fi
    run="$resume"
    train=("$pneumo" train --resume "$run" ${data_option[@]+"${data_option[@]}"} ${device[@]+"${device[@]}"})
else
    run="${run:-runs/pneumonet-$(date +%Y%m%d-%H%M%S)}"
    train=("$pneumo" train --out "$run" ${data_option[@]+"${data_option[@]}"} ${device[@]+"${device[@]}"}
        ${train_options[@]+"${train_options[@]}"})
fi

# `pneumo train` itself says where the data set is expected when it finds none.
status=0
"${train[@]}" || status=$?
if [ "$status" -eq 130 ] || [ "$status" -eq 143 ]; then
    echo "run.sh: training was interrupted; continue with: Scripts/run.sh --resume $run" >&2
    exit "$status"
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi

# Evaluate on the data the run was trained on (recorded in RUN/options.json) unless --data was given.
if [ -z "$data" ]; then
    data="$(sed -n 's/^  "data" : "\(.*\)",\{0,1\}$/\1/p' "$run/options.json" | head -n 1)"
fi
"$pneumo" evaluate --model "$run/best" --data "$data" --split test --out "$run/evaluation" ${device[@]+"${device[@]}"}
# The model card again, now with the test figures.
"$pneumo" card --model "$run/best" --evaluation "$run/evaluation"
echo "run.sh: done; checkpoint $run/best.safetensors, history $run/history.csv, evaluation $run/evaluation/, model card $run/MODEL_CARD.md"

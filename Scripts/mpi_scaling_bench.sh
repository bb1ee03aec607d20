#!/usr/bin/env bash
# Data-parallel training on this host, on a small subset of the training set (IMAGES per class,
# default 48; 4 per class to validate on), every run at the same global batch (16):
#   Scripts/mpi_scaling_bench.sh speed [ROUNDS]   pneumonet at 128 px: images/s of epoch 2 for
#       1 process on 1 core, 2 ranks on 1 core each, 2 ranks with --sync-batchnorm, and 1 process
#       on both cores, the four runs alternated in each round (default 3 rounds)
#   Scripts/mpi_scaling_bench.sh exchange         per model (pneumonet, pneumoresnet,
#       seed-cnn-tuned), 2 ranks, 2 epochs with and without --sync-batchnorm: the time per step in
#       the gradient exchange and in the synchronised BatchNorm's allreduces, as the runs report it
# Uses the release build (Scripts/lib/release-build.sh) unless $PNEUMO names a binary. Prints the
# load average before and after, since the figures move with it.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-speed}"
rounds="${2:-3}"
images="${IMAGES:-48}"
source_data="${DATA:-${PNEUMO_DATA:-../shared/data/chest_xray}}"
if [[ -n "${PNEUMO:-}" ]]; then
    pneumo="$PNEUMO"
    export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.pocl-cache}"
else
    # shellcheck source=lib/release-build.sh
    source Scripts/lib/release-build.sh
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for split in train val; do
    count=$([[ $split == train ]] && echo "$images" || echo 4)
    for label in NORMAL PNEUMONIA; do
        mkdir -p "$work/data/$split/$label"
        mapfile -t files < <(find "$source_data/$split/$label" -name '*.jpeg' | sort)
        cp "${files[@]:0:$count}" "$work/data/$split/$label/"
    done
done
common=(--data "$work/data" --epochs 2 --val-fraction 0 --augment none --seed 1 --cache-dir "$work/cache")
run_number=0

# Runs `pneumo train` as described by $1 and prints epoch 2's images/s and the exchange lines.
train() {
    local label="$1" model="$2"
    shift 2
    run_number=$((run_number + 1))
    local out="$work/run-$run_number" log="$work/run-$run_number.log"
    case "$label" in
        "1 process, 1 core") taskset -c 0 env POCL_MAX_PTHREAD_COUNT=1 POCL_CPU_MAX_CU_COUNT=1 \
            "$pneumo" train --model "$model" --batch-size 16 --out "$out" "${common[@]}" "$@" > "$log" 2>&1 ;;
        "1 process, 2 cores") env POCL_MAX_PTHREAD_COUNT=2 POCL_CPU_MAX_CU_COUNT=2 \
            "$pneumo" train --model "$model" --batch-size 16 --out "$out" "${common[@]}" "$@" > "$log" 2>&1 ;;
        # Unset, so each rank takes its share of the cores (one PoCL thread each).
        2\ ranks*) env -u POCL_MAX_PTHREAD_COUNT -u POCL_CPU_MAX_CU_COUNT mpirun --allow-run-as-root --bind-to core -np 2 \
            "$pneumo" train --model "$model" --batch-size 8 --out "$out" "${common[@]}" "$@" > "$log" 2>&1 ;;
    esac || { echo "run failed: $label $model $*"; tail -20 "$log"; exit 1; }
    local speed
    speed="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "images_per_second") c = i } NR == 3 { print $c }' "$out/history.csv")"
    printf '%-40s %-16s %8.1f img/s\n' "$label${*:+ $*}" "$model" "$speed"
    grep -ho "gradient exchange.*\|synchronised BatchNorm:.*" "$log" | sed 's/^/    /' || true
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; binary $pneumo"
case "$mode" in
    speed)
        # A first run fills the decoded-image and kernel caches; not counted.
        train "1 process, 2 cores" pneumonet > /dev/null
        for round in $(seq 1 "$rounds"); do
            echo "round $round (load $(cut -d' ' -f1 /proc/loadavg))"
            train "1 process, 1 core" pneumonet
            train "2 ranks, 1 core each" pneumonet
            train "2 ranks, 1 core each" pneumonet --sync-batchnorm
            train "1 process, 2 cores" pneumonet
        done ;;
    exchange)
        for model in pneumonet pneumoresnet seed-cnn-tuned; do
            train "2 ranks, 1 core each" "$model"
            train "2 ranks, 1 core each" "$model" --sync-batchnorm
        done ;;
    *) echo "usage: $0 speed [ROUNDS] | exchange"; exit 2 ;;
esac
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Median time of one MPI_Allreduce over buffers the size of each model's gradients (the
# parameter counts `pneumo train` prints at start), on RANKS ranks of this host (default 2),
# with the effective bus bandwidth 2 (N - 1) / N x bytes / time. Also a few small messages:
# synchronised BatchNorm sums C + 1, C and 2 C doubles per BatchNorm layer and step.
#   Scripts/mpi_allreduce_bench.sh [REPETITIONS]
# Extra mpirun arguments (a hostfile, --mca btl ...) go in $MPIRUN_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions="${1:-25}"
ranks="${RANKS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mpicc -O2 -o "$work/allreduce_bench" Scripts/mpi/allreduce_bench.c
# Float counts: 64 and 1024 floats are the bytes of synchronised BatchNorm's largest message
# (2 C doubles, backward) for 16 and 256 channels; then each model's parameter count (README).
# shellcheck disable=SC2086
mpirun --allow-run-as-root --oversubscribe -np "$ranks" ${MPIRUN_ARGS:-} "$work/allreduce_bench" "$repetitions" \
    64:sync-bn-16-channels 1024:sync-bn-256-channels \
    "${PNEUMONET_PARAMETERS:-393569}:pneumonet" \
    "${PNEUMORESNET_PARAMETERS:-308097}:pneumoresnet" \
    "${SEED_CNN_TUNED_PARAMETERS:-3304769}:seed-cnn-tuned"

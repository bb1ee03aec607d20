#!/usr/bin/env bash
# Runs on the GPU machine from the unpacked bundle that Scripts/gpu/pack.sh made:
#   1. lists the OpenCL platforms and devices the bundled ICD loader finds and runs a small kernel on each,
#   2. runs the engine's kernel tests (GEMM, convolution, pooling, ... against their CPU references) on the GPU,
#   3. tunes the GEMM and convolution tiles for the GPU and runs `pneumo bench` (text and JSON),
#   4. trains the same models with PyTorch on CUDA for comparison, where python3 with torch is installed.
# Everything is printed and also written to the results directory (default: ./results next to this script).
# Usage: run.sh [RESULTS_DIR]. Environment: BENCH_ARGS adds options to pneumo bench (e.g. "--batch 32,64");
# GEMM_SHAPES sets the GEMM shapes timed alone; DEVICE (default gpu) and ICD_VENDORS (default: the bundled
# ICD file) allow a dry run elsewhere, e.g. DEVICE=cpu ICD_VENDORS=/etc/OpenCL/vendors run.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results=${1:-$here/results}
mkdir -p "$results"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The bundled loader reads the bundled ICD file (it names libnvidia-opencl.so.1, which the driver installs).
export OCL_ICD_VENDORS="${ICD_VENDORS:-$here/etc/OpenCL/vendors}"
device=${DEVICE:-gpu}
require=$([ "$device" = gpu ] && echo --require-gpu)
export PNEUMO_TUNING_DIR="${PNEUMO_TUNING_DIR:-$results/tuning}"
export PNEUMO_KERNEL_CACHE="${PNEUMO_KERNEL_CACHE:-$results/kernels}"
pneumo="$here/bin/pneumo"
status=0

step() { echo; echo "== $1"; }

step "environment"
{ uname -a; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "nvidia-smi not found"; } | tee "$results/environment.txt"
if ! ldd "$pneumo" | tee "$results/ldd.txt" | grep -q "libOpenCL.so.1 => $here/lib"; then
    echo "warning: pneumo does not load the bundled libOpenCL.so.1 (see $results/ldd.txt)"
fi
if ! ldconfig -p 2>/dev/null | grep -q libnvidia-opencl.so.1 && ! ls /usr/lib*/libnvidia-opencl.so.1 /usr/lib/*/libnvidia-opencl.so.1 >/dev/null 2>&1; then
    echo "warning: libnvidia-opencl.so.1 is not installed: the NVIDIA driver's OpenCL part is missing, so no GPU will be found"
fi

step "devices"
"$pneumo" devices --check | tee "$results/devices.txt" || status=1
"$pneumo" devices --json > "$results/devices.json" 2>/dev/null || true

# Once with the device's own profile, once with the CPU profile forced onto it, so both
# families' kernel variants run on this driver too.
for profile in own cpu; do
    step "kernel tests on the $device ($profile profile)"
    (
        cd "$here/tests" || exit 1
        export LD_LIBRARY_PATH="$here/tests/lib:$LD_LIBRARY_PATH" PNEUMO_TEST_DEVICE=$device
        [ "$profile" = own ] || export PNEUMO_DEVICE_PROFILE=$profile
        classes=$(./pneumoPackageTests.xctest --list-tests 2>/dev/null | grep -oE '^Engine(Tuning)?Tests\.[A-Za-z0-9_]+' | sort -u | paste -sd, -)
        [ -n "$classes" ] || { echo "error: the test bundle lists no engine tests"; exit 1; }
        ./pneumoPackageTests.xctest "$classes" 2>&1
    ) | tee "$results/kernel-tests-$profile.txt" | grep -E "error|failed|Executed [0-9]+ tests" | tail -20
    summary=$(grep -E "Executed [0-9]+ tests" "$results/kernel-tests-$profile.txt" | tail -1)
    if ! echo "$summary" | grep -qE "Executed [1-9][0-9]* tests?, with (.* and )?0 failures"; then
        echo "kernel tests FAILED or did not run (see $results/kernel-tests-$profile.txt)"
        status=1
    fi
done

step "tuning and pneumo bench on the $device"
# shellcheck disable=SC2086
"$pneumo" bench --device "$device" $require --tune --model-shapes --gemm "${GEMM_SHAPES:-1024x1024x1024,4096x4096x4096}" ${BENCH_ARGS:-} \
    --json > "$results/bench.json" 2> "$results/bench.log" || { echo "bench FAILED (see $results/bench.log)"; status=1; }
# shellcheck disable=SC2086
"$pneumo" bench --device "$device" $require --profile-steps 0 --gemm none ${BENCH_ARGS:-} 2>> "$results/bench.log" | tee "$results/bench.txt" || status=1

step "PyTorch on CUDA, same models"
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    for arch in seed-cnn-tuned pneumonet; do
        (cd "$here/peers" && python3 torch_runner.py --arch "$arch" --device cuda --warmup 5 --windows 5 --steps 20) \
            | tee -a "$results/pytorch-cuda.jsonl" || status=1
    done
else
    echo "python3 with a CUDA-enabled torch is not available here; skipped" | tee "$results/pytorch-cuda.jsonl"
fi

step "done: results in $results (exit $status)"
exit $status

# Sourced (from the repository root) by the scripts that run pneumo here: gives PoCL, the CPU
# OpenCL driver, one thread per core and a kernel cache in the repository, builds the release
# binary and leaves its path in $pneumo.
cores="$(nproc 2>/dev/null || echo 2)"
export POCL_MAX_PTHREAD_COUNT="${POCL_MAX_PTHREAD_COUNT:-$cores}"
export POCL_CPU_MAX_CU_COUNT="${POCL_CPU_MAX_CU_COUNT:-$cores}"
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.pocl-cache}"

swift build -c release --product pneumo
pneumo="$(swift build -c release --show-bin-path)/pneumo"

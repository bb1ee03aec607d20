#!/usr/bin/env bash
# Builds and runs every test on the OpenCL CPU device (PoCL) unless PNEUMO_TEST_DEVICE says otherwise,
# then the engine tests again under the GPU profile (PNEUMO_SECOND_PROFILE picks another).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.pocl-cache}"
swift build --build-tests
# All tests are XCTest; without the flag the Swift Testing runner adds a "0 tests" summary last.
swift test --skip-build --disable-swift-testing "$@"
# Every kernel variant a device profile chooses runs here too: the engine's kernel checks once
# more with the other family's profile forced onto the same device, against the same references
# (on PoCL that runs the GPU variants: wide groups, strided loops, two-pass statistics).
if [ $# -eq 0 ]; then
    PNEUMO_DEVICE_PROFILE="${PNEUMO_SECOND_PROFILE:-gpu}" swift test --skip-build --disable-swift-testing --filter EngineTests
fi

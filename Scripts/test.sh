#!/usr/bin/env bash
# Builds and runs every test on the OpenCL CPU device (PoCL) unless PNEUMO_TEST_DEVICE says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.pocl-cache}"
swift build --build-tests
# All tests are XCTest; without the flag the Swift Testing runner adds a "0 tests" summary last.
swift test --skip-build --disable-swift-testing "$@"

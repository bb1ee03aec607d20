# Sourced (from the repository root) by the CI checks: leaves in $pneumo the binary named by
# $PNEUMO_BIN, else the debug build Scripts/test.sh makes (built with the tests, so the two
# share one build).
pneumo="${PNEUMO_BIN:-}"
if [ -z "$pneumo" ]; then
    swift build --build-tests
    pneumo="$(swift build --show-bin-path)/pneumo"
fi

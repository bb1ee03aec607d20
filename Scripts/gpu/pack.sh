#!/usr/bin/env bash
# Packs what a GPU machine with no package access needs to check and benchmark pneumo:
#   bin/pneumo                 release build, Swift standard library and Foundation linked statically
#   lib/                       the OpenCL ICD loader and TurboJPEG shared libraries, copied from their
#                              Debian packages (ocl-icd-libopencl1, libturbojpeg0)
#   etc/OpenCL/vendors/        an ICD file naming the NVIDIA OpenCL library (libnvidia-opencl.so.1,
#                              which the NVIDIA driver installs)
#   tests/                     the engine's test bundle (kernels against their CPU references) with
#                              the Swift runtime libraries it loads and its fixture files
#   peers/                     the PyTorch runner, for a CUDA run of the same models where torch exists
#   run.sh                     the runner (see Scripts/gpu/run.sh)
# Usage: Scripts/gpu/pack.sh [OUTPUT_DIR]   (default dist/pneumo-gpu; also writes OUTPUT_DIR.tar.gz)
# Run it on an x86_64 Debian or Ubuntu machine with the Swift toolchain and Scripts/install-deps.sh's
# packages; the GPU machine needs a glibc at least as new as this one's.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-dist/pneumo-gpu}

echo "building the release binary with the Swift runtime linked statically ..."
swift build -c release --product pneumo --static-swift-stdlib
echo "building the test bundle ..."
swift build --build-tests

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/tests/lib" "$out/etc/OpenCL/vendors" "$out/peers"
cp .build/release/pneumo "$out/bin/"
if ldd "$out/bin/pneumo" | grep -E "libswift|libFoundation|libdispatch" >&2; then
    echo "error: bin/pneumo still loads the Swift runtime dynamically (listed above)" >&2
    exit 1
fi

# Shared libraries (and their version symlinks) of a Debian package: from the installed package when
# it is installed, else from its .deb fetched with apt-get download.
copy_package_libraries() {
    local package=$1 files
    if files=$(dpkg -L "$package" 2>/dev/null | grep -E '/lib[^/]*\.so(\.[0-9]+)*$'); then
        for file in $files; do cp -P "$file" "$out/lib/"; done
    else
        local scratch
        scratch=$(mktemp -d)
        (cd "$scratch" && apt-get download "$package" >/dev/null)
        dpkg-deb -x "$scratch"/*.deb "$scratch/root"
        find "$scratch/root" -regextype posix-extended -regex '.*/lib[^/]*\.so(\.[0-9]+)*' -exec cp -P {} "$out/lib/" \;
        rm -rf "$scratch"
    fi
    echo "copied from $package: $(cd "$out/lib" && ls | tr '\n' ' ')"
}
copy_package_libraries ocl-icd-libopencl1
copy_package_libraries libturbojpeg0
for needed in libOpenCL.so.1 libturbojpeg.so.0; do
    [ -e "$out/lib/$needed" ] || { echo "error: $needed was not found in its Debian package" >&2; exit 1; }
done
echo "libnvidia-opencl.so.1" > "$out/etc/OpenCL/vendors/nvidia.icd"

# The test bundle loads the Swift runtime dynamically: copy what ldd resolves inside the toolchain.
tests=.build/debug/pneumoPackageTests.xctest
cp "$tests" "$out/tests/"
cp -R .build/debug/*.resources "$out/tests/" 2>/dev/null || true
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
ldd "$tests" | awk '{print $3}' | grep "^$toolchain/" | while read -r library; do cp "$library" "$out/tests/lib/"; done

cp Scripts/gpu/run.sh "$out/"
cp Scripts/peers/architectures.py Scripts/peers/timing.py Scripts/peers/torch_runner.py "$out/peers/"
chmod +x "$out/run.sh" "$out/bin/pneumo"
tar -C "$(dirname "$out")" -czf "$out.tar.gz" "$(basename "$out")"
echo "packed $out ($(du -sh "$out" | cut -f1)) and $out.tar.gz; on the GPU machine: tar xzf $(basename "$out").tar.gz && $(basename "$out")/run.sh"

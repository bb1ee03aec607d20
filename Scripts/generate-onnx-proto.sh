#!/usr/bin/env bash
# Regenerates Sources/ONNXProto/onnx.pb.swift from the ONNX schema. The generated file is
# committed, so neither building nor CI runs this; run it only to move to another onnx release.
#
# Schema: onnx/onnx.proto from PyPI's onnx 1.23.2 (ONNX_VERSION below).
# Needs: protoc (Debian's protobuf-compiler) and network access to PyPI. protoc-gen-swift is
# built from the swift-protobuf package this project depends on (1.39.0), so the generated
# code matches the runtime it links against.
set -euo pipefail
cd "$(dirname "$0")/.."
ONNX_VERSION="${ONNX_VERSION:-1.23.2}"

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The schema ships inside the onnx wheel; only the .proto is taken from it.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" download -q --no-deps --only-binary=:all: -d "$work/wheel" "onnx==$ONNX_VERSION"
python3 -m zipfile -e "$work/wheel"/onnx-*.whl "$work/unpacked"
mkdir -p "$work/proto"
cp "$work/unpacked/onnx/onnx.proto" "$work/proto/onnx.proto"

# protoc-gen-swift from the resolved swift-protobuf checkout, built in its own scratch folder
# (a few minutes), unless PROTOC_GEN_SWIFT names one already built from that version.
plugin="${PROTOC_GEN_SWIFT:-}"
if [ -z "$plugin" ]; then
    swift package resolve
    checkout=".build/checkouts/swift-protobuf"
    [ -d "$checkout" ] || { echo "no swift-protobuf checkout under .build/checkouts" >&2; exit 1; }
    cp -R "$checkout" "$work/swift-protobuf"
    swift build --package-path "$work/swift-protobuf" --product protoc-gen-swift
    plugin="$(swift build --package-path "$work/swift-protobuf" --show-bin-path)/protoc-gen-swift"
fi

protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$work/proto" \
    --swift_opt=Visibility=Public --swift_out="$work" "$work/proto/onnx.proto"
mv "$work/onnx.pb.swift" Sources/ONNXProto/onnx.pb.swift
echo "wrote Sources/ONNXProto/onnx.pb.swift from onnx $ONNX_VERSION"

#!/usr/bin/env bash
# Installs the Debian packages pneumo builds and runs with, when any is missing.
set -euo pipefail
packages=(ocl-icd-opencl-dev opencl-headers pocl-opencl-icd libturbojpeg0-dev zlib1g-dev libgdcm-dev clinfo pkg-config libopenmpi-dev openmpi-bin)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"
fi

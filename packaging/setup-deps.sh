#!/usr/bin/env bash
# Installs every Debian package memloc needs to build, test and run (idempotent).
# Usage: bash packaging/setup-deps.sh        (run as root, or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread libgloo-dev
  libhdf5-dev nlohmann-json3-dev zlib1g-dev
  libmatio-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  dataset-fashion-mnist
  xvfb xauth imagemagick xdotool
  dpkg-dev appstream desktop-file-utils
  python3-torch python3-h5py python3-numpy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

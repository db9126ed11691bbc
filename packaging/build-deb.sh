#!/usr/bin/env bash
# Builds the memloc Debian package from a clean build folder, installs it, runs the demo and the
# figure export from the INSTALLED binaries, checks the desktop integration, then uninstalls.
#   bash packaging/build-deb.sh           full check (the demo takes ~5 min on 2 cores)
#   bash packaging/build-deb.sh --quick   a 2-epoch synthetic run instead of the demo
#   bash packaging/build-deb.sh --keep    leave the package installed
# The .deb is left in build-deb/ (MEMLOC_DEB_BUILD_DIR overrides).
set -euo pipefail

quick=0
keep=0
from=""
usage() { echo "usage: bash packaging/build-deb.sh [--quick] [--keep] [--from BUILD_DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --keep) keep=1 ;;
    --from) [ $# -ge 2 ] || usage; from="$2"; shift ;;
    *) usage ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MEMLOC_DEB_BUILD_DIR:-$root/build-deb}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

bash "$root/packaging/setup-deps.sh"
if [ -n "$from" ]; then
  build="$(cd "$from" && pwd)"
  [ -f "$build/CPackConfig.cmake" ] || { echo "FAIL: $from is not a configured memloc build folder" >&2; exit 1; }
  grep -q '^MEMLOC_BUILD_GUI:BOOL=ON' "$build/CMakeCache.txt" || { echo "FAIL: $from was configured without the GUI" >&2; exit 1; }
  grep -q '^CMAKE_BUILD_TYPE:STRING=Release' "$build/CMakeCache.txt" || { echo "FAIL: $from is not a Release build" >&2; exit 1; }
  rm -f "$build"/memloc_*.deb
else
  rm -rf "$build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMLOC_BUILD_TESTS=OFF \
        -DCMAKE_INSTALL_PREFIX=/usr
fi
cmake --build "$build" -j "$(nproc)"
(cd "$build" && cpack -G DEB)
deb="$(ls "$build"/memloc_*.deb | head -n 1)"
echo "package: $deb"
dpkg-deb --info "$deb" | grep -E "Package|Version|Depends|Recommends"

DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$deb"
for exe in memloc memloc-cli; do
  [ "$(command -v $exe)" = "/usr/bin/$exe" ] || { echo "FAIL: $exe is not installed in /usr/bin"; exit 1; }
done
/usr/bin/memloc --version
/usr/bin/memloc-cli --version
for f in /usr/share/applications/memloc.desktop /usr/share/metainfo/org.memloc.memloc.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/memloc.svg /usr/share/icons/hicolor/256x256/apps/memloc.png \
         /usr/share/memloc/demo.json /usr/share/memloc/guide/index.html /usr/share/memloc/guide/run-file.html \
         /usr/share/memloc/python/memloc_run.py; do
  [ -s "$f" ] || { echo "FAIL: $f missing"; exit 1; }
done
if command -v appstreamcli > /dev/null; then appstreamcli validate --no-net /usr/share/metainfo/org.memloc.memloc.metainfo.xml; fi
if command -v desktop-file-validate > /dev/null; then desktop-file-validate /usr/share/applications/memloc.desktop; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if [ "$quick" = 1 ]; then
  /usr/bin/memloc-cli train --dataset synthetic --width 0.125 --epochs 2 --out run.h5 --quiet
  run="$work/run.h5"
else
  /usr/bin/memloc-cli demo --out demo --quiet
  run="$work/demo/demo.h5"
fi
/usr/bin/memloc-cli inspect "$run"
QT_QPA_PLATFORM=offscreen /usr/bin/memloc export "$run" --out figures --formats png,pdf,csv
count="$(find figures -type f -size +0 | wc -l)"
[ "$count" -gt 0 ] || { echo "FAIL: memloc export wrote no figures"; exit 1; }
echo "memloc export wrote $count files"

if [ "$keep" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq memloc
  for exe in /usr/bin/memloc /usr/bin/memloc-cli /usr/share/applications/memloc.desktop; do
    [ ! -e "$exe" ] || { echo "FAIL: $exe left behind after removal"; exit 1; }
  done
  echo "uninstalled cleanly"
fi
echo "build-deb: OK ($deb)"

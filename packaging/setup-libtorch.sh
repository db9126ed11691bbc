#!/usr/bin/env bash
# Provides a current CUDA LibTorch (2.x) beside Debian's 1.13, for the second build flavour.
#
#   bash packaging/setup-libtorch.sh            prints the LibTorch prefix (for CMAKE_PREFIX_PATH)
#
# The LibTorch comes from the PyPI `torch` wheel (the CUDA build; pinned below). Only the parts a
# C++ build needs are unpacked: torch/lib (without the Python bindings), torch/include and
# torch/share/cmake. The wheel's CUDA libraries are expected from the CUDA toolkit (cudart,
# cuBLAS, cuDNN, NCCL, cuFFT, cuRAND, cuSOLVER, cuSPARSE, CUPTI, nvJitLink; see the README);
# the three it needs that a CUDA toolkit does not ship (cuFile, cuSPARSELt, NVSHMEM) are taken
# from their own pinned PyPI wheels and placed beside libtorch, where its $ORIGIN run path finds
# them. Nothing else is downloaded. A CUDA LibTorch also runs on a machine without a GPU.
#
# Environment: MEMLOC_DEPS_DIR (default: <repo>/.deps), PYTHON (default: python3).
# Idempotent: a finished unpack is reused. All progress goes to stderr; stdout is the prefix.
set -euo pipefail

torch_version=2.11.0          # LibTorch 2.11, CUDA 13.0 (the PyPI default build of this release)
cuda_tag=cu130
extra_wheels=(                 # exactly the versions torch==2.11.0 declares
  "nvidia-cufile==1.15.1.6"
  "nvidia-cusparselt-cu13==0.8.0"
  "nvidia-nvshmem-cu13==3.4.5"
)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="${MEMLOC_DEPS_DIR:-$root/.deps}"
prefix="$deps/libtorch-$torch_version-$cuda_tag"
python="${PYTHON:-python3}"

say() { echo "setup-libtorch: $*" >&2; }

if [ -f "$prefix/.complete" ]; then
  echo "$prefix"
  exit 0
fi

if ! "$python" -m pip --version >/dev/null 2>&1; then
  say "installing pip for $python"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-pip >&2
fi

wheels="$deps/wheels"
mkdir -p "$wheels"
# The LibTorch inside is the same for every Python version; ask for one explicitly so that the
# download does not depend on the Python that runs pip.
say "fetching torch==$torch_version and ${extra_wheels[*]} (no other dependencies)"
"$python" -m pip download --quiet --no-deps --only-binary=:all: \
  --python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$wheels" "torch==$torch_version" "${extra_wheels[@]}" >&2

rm -rf "$prefix.tmp"
mkdir -p "$prefix.tmp"
say "unpacking into $prefix"
"$python" - "$wheels" "$prefix.tmp" "$torch_version" <<'PY' >&2
import os, shutil, sys, zipfile, glob
wheels, out, version = sys.argv[1:4]
def extract(whl, keep):
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            dest = keep(info.filename)
            if not dest or info.is_dir():
                continue
            path = os.path.join(out, dest)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with z.open(info) as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode)
torch = glob.glob(os.path.join(wheels, f"torch-{version}-*.whl"))
if len(torch) != 1:
    sys.exit(f"expected one torch-{version} wheel in {wheels}, found {torch}")
def torch_part(name):
    if not name.startswith("torch/"):
        return None
    rel = name[len("torch/"):]
    if rel.startswith("lib/") and "libtorch_python" not in rel:
        return rel
    if rel.startswith("include/") or rel.startswith("share/cmake/"):
        return rel
    return None
extract(torch[0], torch_part)
def nvidia_lib(name):
    # nvidia/<pkg>/lib/libX.so.N -> lib/libX.so.N (beside libtorch, found through $ORIGIN)
    parts = name.split("/")
    if len(parts) >= 4 and parts[0] == "nvidia" and parts[-2] == "lib" and ".so" in parts[-1]:
        return "lib/" + parts[-1]
    return None
for pattern in ("nvidia_cufile-*.whl", "nvidia_cusparselt_cu13-*.whl", "nvidia_nvshmem_cu13-*.whl"):
    found = glob.glob(os.path.join(wheels, pattern))
    if len(found) != 1:
        sys.exit(f"expected one {pattern} in {wheels}, found {found}")
    extract(found[0], nvidia_lib)
PY
rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"
touch "$prefix/.complete"
# The wheels are not needed once unpacked.
rm -rf "$wheels"
say "LibTorch $torch_version ($cuda_tag) ready in $prefix"
echo "$prefix"

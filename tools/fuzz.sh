#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time and prints executions and crashes per target.
#
# usage: tools/fuzz.sh [SECONDS_PER_TARGET (60)] [BUILD_DIR (build-fuzz)] [TARGET ...]
#
# Build the targets first (clang, ASan + UBSan + libFuzzer; see README "Reliability"):
#   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
#         -DMEMLOC_BUILD_FUZZERS=ON -DMEMLOC_BUILD_TESTS=OFF -DMEMLOC_BUILD_GUI=OFF
#   cmake --build build-fuzz --target fuzz_all
# Each target starts from its seed corpus tests/fuzz-corpus/<target>/ (never modified) plus the
# corpus grown by earlier runs in $MEMLOC_FUZZ_WORK (default /tmp/memloc-fuzz). Crashes, leaks,
# timeouts (> 30 s per input) and out-of-memory inputs (> 4 GB) are kept, not fatal (fork mode):
# their inputs land in $MEMLOC_FUZZ_WORK/artifacts/<target>/, with the sanitizer's SUMMARY line
# printed for each. Exit status: 0 when no target found anything.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
build=${2:-build-fuzz}
shift 2 2>/dev/null || shift $#
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_idx fuzz_cifar fuzz_torch_file fuzz_unpickler fuzz_safetensors fuzz_torchscript fuzz_run_file fuzz_config)
fi
work=${MEMLOC_FUZZ_WORK:-/tmp/memloc-fuzz}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tools/fuzz-lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE

printf '%-18s %10s %8s %6s %6s %6s %s\n' target execs exec/s crash leak/oom timeout corpus
found=0
for t in "${targets[@]}"; do
  exe="$build/fuzz/$t"
  if [ ! -x "$exe" ]; then
    echo "$t: $exe not built" >&2
    found=1
    continue
  fi
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  log="$work/$t.log"
  "$exe" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 -max_total_time="$seconds" \
    -timeout=30 -rss_limit_mb=4096 -artifact_prefix="$work/artifacts/$t/" \
    "$work/corpus/$t" "tests/fuzz-corpus/$t" >"$log" 2>&1
  # Fork-mode status lines: "#EXECS: cov: .. exec/s: N oom/timeout/crash: O/T/C time: ..".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  rate=$(sed -E 's/.*exec\/s:? ([0-9]+).*/\1/' <<<"$last")
  crash=$(find "$work/artifacts/$t" -name 'crash-*' | wc -l)
  leak=$(find "$work/artifacts/$t" \( -name 'leak-*' -o -name 'oom-*' \) | wc -l)
  timeout=$(find "$work/artifacts/$t" -name 'timeout-*' | wc -l)
  corpus=$(find "$work/corpus/$t" -type f | wc -l)
  printf '%-18s %10s %8s %6s %6s %6s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$crash" "$leak" "$timeout" "$corpus"
  if [ $((crash + leak + timeout)) -gt 0 ]; then
    found=1
    for a in "$work/artifacts/$t"/*; do
      summary=$(timeout 60 "$exe" -runs=1 -timeout=10 "$a" 2>&1 | grep -m1 -E '^SUMMARY:|runtime error:|ERROR: libFuzzer|terminate called|what\(\)|timeout after')
      echo "    $(basename "$a"): ${summary:-(no report on rerun)}"
    done
  fi
done
exit $found

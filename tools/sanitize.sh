#!/usr/bin/env bash
# Builds memloc with sanitizers and runs the tests under them.
#
# usage: tools/sanitize.sh address|thread [BUILD_DIR] [-R CTEST_REGEX]
#   address  ASan + UBSan (gcc, -fno-sanitize-recover=undefined) in build-asan; runs every test.
#   thread   TSan in build-tsan; runs the tests with threads of their own: the engine-thread and
#            job tests of the GUI (test_ui_jobs, test_ui_analyses, test_ui_import) and test_cli
#            (Ctrl-C from a signal handler while training).
# LibTorch, HDF5 and Qt are Debian's uninstrumented builds; only memloc's own code is instrumented.
# TSan sees what those libraries do only through its interceptors (malloc/free, new/delete,
# memcpy, pthread_*), not their futex- and atomics-based synchronisation (Qt's QMutex, libgomp's
# barriers), so some of their own accesses look racy.
# Suppressions name third-party code only, each entry with its reason in the file:
# tools/lsan.supp (static allocations LibTorch and its libraries never free) and tools/tsan.supp
# (races where LibTorch's kernel libraries, glib, QtGui or QtTest made one of the accesses, and
# named QtCore internals: QWaitCondition, the global thread pool, posted-event deletion and the
# slot-object code of qobjectdefs_impl.h).
# What is still reported (a few reports a run, in test_ui_jobs and test_ui_analyses) are races
# between two accesses made inside unnamed libQt6Core functions (its post-event list, thread-pool
# and QObject bookkeeping, under futex QMutexes). TSan names those only by module, and a
# libQt6Core-wide entry would also hide every race in a memloc slot (Qt calls them), so they are
# not suppressed; tools/tsan-triage.py sorts every remaining report instead: it counts against
# memloc when either racing access is made by memloc code (the first frame below the TSan runtime
# and libstdc++ templates), and the thread run passes when no report does and every test passed.
# TSAN_OPTIONS=ignore_noninstrumented_modules=1 is not used: with gcc's libtsan on Linux it stops
# checking every interceptor, memloc's own memcpy, new/delete and free included, and drops all
# lock-order-inversion and mutex-misuse reports.
# Thread runs write each process's reports and matched suppressions (memloc-cli children of
# test_cli included) to BUILD_DIR/tsan-logs/tsan.EXE.PID.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

kind=${1:?usage: tools/sanitize.sh address|thread [BUILD_DIR] [-R REGEX]}
case "$kind" in
  address) build=${2:-build-asan}; default_regex='.' ;;
  thread)  build=${2:-build-tsan}; default_regex='^(test_ui_jobs|test_ui_analyses|test_ui_import|test_cli)$' ;;
  *) echo "usage: tools/sanitize.sh address|thread [BUILD_DIR] [-R REGEX]" >&2; exit 2 ;;
esac
shift $(( $# >= 2 ? 2 : $# ))
regex=$default_regex
if [ "${1:-}" = "-R" ]; then regex=$2; fi

# Sanitized builds do not share objects with plain ones; one job keeps a 2-core machine usable.
jobs=${MEMLOC_JOBS:-1}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMLOC_SANITIZE="$kind" \
  -DMEMLOC_BUILD_GUI=ON -DMEMLOC_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j "$jobs"

export QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE
if [ "$kind" = address ]; then
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_odr_violation=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$root/tools/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  # history_size=7: the longest per-thread history, so both stacks of a report are restored.
  logs=$(cd "$build" && pwd)/tsan-logs
  rm -rf "$logs" && mkdir -p "$logs"
  # exitcode=0: a report does not change a process's exit status (test_cli checks memloc-cli's);
  # the verdict on the reports is tools/tsan-triage.py's.
  export TSAN_OPTIONS="suppressions=$root/tools/tsan.supp:halt_on_error=0:exitcode=0:report_signal_unsafe=0:history_size=7:print_suppressions=1:log_path=$logs/tsan:log_exe_name=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
fi
status=0
ctest --test-dir "$build" --output-on-failure -j 1 -R "$regex" --timeout 3600 || status=$?
if [ "$kind" = thread ]; then
  reports=$(cat "$logs"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
  echo "ThreadSanitizer: ${reports:-0} unsuppressed report(s); reports and matched suppressions per process in $logs"
  python3 "$root/tools/tsan-triage.py" "$logs" "$root" || { [ "$status" -ne 0 ] || status=1; }
fi
exit "$status"

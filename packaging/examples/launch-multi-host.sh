#!/bin/bash
# Example: one memloc-cli job over two hosts without a scheduler (two processes per host).
# Run this on every host with HOST_INDEX=0 on the first (whose address is MASTER_ADDR) and
# HOST_INDEX=1 on the second. The run file must be on a file system both hosts see.
#   MASTER_ADDR=10.0.0.1 HOST_INDEX=0 bash launch-multi-host.sh flip /shared/run.h5 --noisy 200
#   MASTER_ADDR=10.0.0.1 HOST_INDEX=1 bash launch-multi-host.sh flip /shared/run.h5 --noisy 200
# On one machine, the same with HOSTS=1 runs PER_HOST processes locally over loopback.
set -euo pipefail
: "${MASTER_ADDR:?set MASTER_ADDR to the address of the first host}"
HOSTS=${HOSTS:-2}
PER_HOST=${PER_HOST:-2}
HOST_INDEX=${HOST_INDEX:-0}
export MASTER_ADDR MASTER_PORT=${MASTER_PORT:-29500} WORLD_SIZE=$((HOSTS * PER_HOST))

pids=()
for local in $(seq 0 $((PER_HOST - 1))); do
  RANK=$((HOST_INDEX * PER_HOST + local)) LOCAL_RANK=$local memloc-cli "$@" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
exit $status

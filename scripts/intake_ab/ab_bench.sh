#!/bin/bash
# `askes bench submit|fhir ...` through gunicorn + wrk, base vs branch interleaved (base, branch,
# base, branch), each from its own checkout and var/, this checkout's virtualenv.
#   scripts/intake_ab/ab_bench.sh BASE_CHECKOUT submit --clients 1,8 --seconds 10 --web-processes 2
#   scripts/intake_ab/ab_bench.sh BASE_CHECKOUT fhir --claims 1000 --clients 8 --seconds 10 --web-processes 2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
BASE=$1
shift
ASKES=$HERE/.venv/bin/askes
for side in base branch base branch; do
  if [ "$side" = base ]; then
    out=$(cd "$BASE" && PYTHONPATH=$BASE:$BASE/fhir ASKES_VAR_DIR=$BASE/var \
          "$ASKES" bench "$@" --json 2>/dev/null | tail -1)
  else
    out=$(cd "$HERE" && ASKES_VAR_DIR=$HERE/var "$ASKES" bench "$@" --json 2>/dev/null | tail -1)
  fi
  echo "{\"side\": \"$side\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"result\": $out}"
done

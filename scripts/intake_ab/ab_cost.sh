#!/bin/bash
# CPU and round trips per single-claim submission (intake_cost.py), base vs branch, interleaved:
# base, branch, base, branch for each channel. Each side runs from its own checkout with its own
# var/ (embedded PostgreSQL and Redis) and this checkout's virtualenv.
#   scripts/intake_ab/ab_cost.sh [BASE_CHECKOUT] [CLAIMS]
# Base checkout: git worktree add --detach ../base-52da200 52da200
HERE=$(cd "$(dirname "$0")/../.." && pwd)
BASE=${1:-$HERE/../base-52da200}
CLAIMS=${2:-300}
PY=$HERE/.venv/bin/python
TOOL=$HERE/scripts/intake_ab/intake_cost.py
for round in 1 2; do
  for channel in rest fhir; do
    for side in base branch; do
      if [ "$side" = base ]; then
        out=$(cd "$BASE" && PYTHONPATH=$BASE:$BASE/fhir ASKES_VAR_DIR=$BASE/var \
              ASKES_RATE_LIMITS=0 "$PY" "$TOOL" $channel "$CLAIMS" 2>/dev/null | head -1)
      else
        out=$(cd "$HERE" && ASKES_VAR_DIR=$HERE/var ASKES_RATE_LIMITS=0 \
              "$PY" "$TOOL" $channel "$CLAIMS" 2>/dev/null | head -1)
      fi
      echo "{\"side\": \"$side\", \"round\": $round, \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"result\": $out}"
    done
  done
done

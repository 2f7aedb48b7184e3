#!/usr/bin/env bash
# Side-by-side ingest timing of two or more `akutt` binaries on the same extract: runs
# alternate (A B A B …) so that a noisy machine weighs on all of them alike; prints the
# median and the fastest wall time of each. See docs/PERFORMANCE.md.
# Usage: bash bench/ingest_ab.sh RUNS EXTRACT MAPPING BIN_A [BIN_B …]
set -euo pipefail
runs=$1 extract=$2 mapping=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export AKUTT_KEY_FILE="$work/key/pseudonym.key"
declare -A times
for _ in $(seq "$runs"); do
  for bin in "$@"; do
    rm -rf "$work/data"
    "$bin" --data "$work/data" mappings load "$mapping" --centre OSL >/dev/null
    start=$(date +%s.%N)
    "$bin" --data "$work/data" ingest "$extract" --json >/dev/null
    end=$(date +%s.%N)
    times[$bin]="${times[$bin]:-} $(echo "$end - $start" | bc -l)"
  done
done
rows=$(($(wc -l <"$extract") - 1))
for bin in "$@"; do
  sorted=$(echo "${times[$bin]}" | tr ' ' '\n' | grep . | sort -n)
  median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  fastest=$(echo "$sorted" | head -1)
  printf '%s: median %.2f s (%.0f rows/s), fastest %.2f s (%.0f rows/s); runs:%s\n' "$bin" "$median" "$(echo "$rows/$median" | bc -l)" \
    "$fastest" "$(echo "$rows/$fastest" | bc -l)" "$(printf ' %.2f' ${times[$bin]})"
done

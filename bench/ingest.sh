#!/usr/bin/env bash
# Ingest benchmark: throughput (rows/s, end to end) and peak memory (max RSS) of
# `akutt ingest` on generated extracts of two sizes, so that flat memory is visible.
# Usage: bash bench/ingest.sh [ROWS_SMALL] [ROWS_LARGE]      (defaults 1000000 4000000)
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-1000000}
large=${2:-4000000}
out=${BENCH_OUT:-bench-out}
mkdir -p "$out"
cargo build --release --locked -p akutt 2>&1 | tail -1
cargo build --release --locked -p akutt-ingest --example gen_extract 2>&1 | tail -1
for rows in "$small" "$large"; do
  f="$out/extract-$rows.csv"
  [ -f "$f" ] || ./target/release/examples/gen_extract "$rows" "$f" "$out/mapping.csv"
  data="$out/data-$rows"
  rm -rf "$data"
  export AKUTT_KEY_FILE="$out/key/pseudonym.key"
  ./target/release/akutt --data "$data" mappings load "$out/mapping.csv" --centre OSL >/dev/null
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$out/rss-$rows" ./target/release/akutt --data "$data" ingest "$f" --json >"$out/report-$rows.json" || true
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc -l)
  rss_kib=$(cat "$out/rss-$rows")
  bytes=$(stat -c %s "$f")
  accepted=$(python3 -c "import json,sys; r=json.load(open('$out/report-$rows.json')); print(r['counts']['incidents_accepted'], r['counts']['incidents_rejected'], r['submission']['status'])")
  printf 'rows=%s  size=%.0f MiB  time=%.2f s  rows/s=%.0f  MiB/s=%.1f  peak_rss=%.0f MiB  (accepted rejected status: %s)\n' \
    "$rows" "$(echo "$bytes/1048576" | bc -l)" "$secs" "$(echo "$rows/$secs" | bc -l)" \
    "$(echo "$bytes/1048576/$secs" | bc -l)" "$(echo "$rss_kib/1024" | bc -l)" "$accepted"
done

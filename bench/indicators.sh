#!/usr/bin/env bash
# Indicator benchmark, side by side with DuckDB on the same Parquet files (docs/PERFORMANCE.md).
# Usage: bash bench/indicators.sh DATA_DIR [FROM yyyymm] [TO yyyymm] [RUNS]
# DATA_DIR: a registry with ingested synthetic years (see docs/PERFORMANCE.md for how the
# ten-year world is made). Needs python3 with duckdb (pip install duckdb).
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1; from=${2:-201501}; to=${3:-202412}; runs=${4:-20}
out=${BENCH_OUT:-bench-out}; mkdir -p "$out"
cargo build --release -p akutt --example bench_indicators 2>/dev/null
./target/release/examples/bench_indicators "$data" "$from" "$to" "$runs" "$out/akutt-p90.csv"
python3 bench/duckdb_indicators.py "$data" "$from" "$to" "$runs" "$out/duckdb-p90.csv"
if cmp -s <(sort "$out/akutt-p90.csv") <(sort "$out/duckdb-p90.csv"); then
  echo "figures: identical ($(($(wc -l < "$out/akutt-p90.csv") - 1)) groups)"
else
  echo "figures DIFFER: diff $out/akutt-p90.csv $out/duckdb-p90.csv"; exit 1
fi

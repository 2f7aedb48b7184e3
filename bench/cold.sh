#!/usr/bin/env bash
# Cold answers (issue 17): `akutt indicators` and DuckDB, each a fresh process, side by side
# on the same data directory, the page cache dropped before every run where permitted.
# Builds (or reuses) the ten-year national world (2015–2024, all centres, scale 1.0).
# Usage: bash bench/cold.sh [WORK_DIR=/tmp/b10] [RUNS=5]
# Needs python3 with duckdb (pip install duckdb). Results in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/b10}; runs=${2:-5}
cargo build --release -p akutt 2>/dev/null
A=$PWD/target/release/akutt
export AKUTT_DATA=$work/data AKUTT_KEY_FILE=$work/key
if [ ! -f "$work/built" ]; then
  rm -rf "$work"; mkdir -p "$work"
  $A synth --out "$work/world" --from 2015-01 --to 2024-12 --seed 10 > /dev/null
  $A mappings load "$work/world/mappings" > /dev/null
  /usr/bin/time -f "ingest of the ten years: %e s, peak RSS %M KiB" $A ingest "$work/world/extracts"
  $A population load "$work/world/population.csv" > /dev/null
  $A release create --through 2024-12 --note "bench" > /dev/null
  touch "$work/built"
fi
out=${BENCH_OUT:-bench-out}/cold; mkdir -p "$out"
cold() { if [ -w /proc/sys/vm/drop_caches ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One akutt question: RUNS cold runs; prints "median wall s, median peak RSS MiB".
akutt_q() {
  local name=$1; shift
  : > "$out/$name.times"
  for _ in $(seq "$runs"); do
    cold
    /usr/bin/time -f "%e %M" -o "$out/$name.t" $A indicators "$@" --json > "$out/$name.json"
    cat "$out/$name.t" >> "$out/$name.times"
  done
  echo "$(cut -d' ' -f1 "$out/$name.times" | median) s, $(( $(cut -d' ' -f2 "$out/$name.times" | median) / 1024 )) MiB"
}
duck_q() {
  local name=$1 from=$2 to=$3 by=$4
  : > "$out/$name.duck.times"
  for _ in $(seq "$runs"); do
    cold
    /usr/bin/time -f "%e %M" -o "$out/$name.duck.t" python3 bench/duckdb_cold.py "$AKUTT_DATA" "$from" "$to" "$by" "$out/$name.duck.csv" > /dev/null
    cat "$out/$name.duck.t" >> "$out/$name.duck.times"
  done
  echo "$(cut -d' ' -f1 "$out/$name.duck.times" | median) s, $(( $(cut -d' ' -f2 "$out/$name.duck.times" | median) / 1024 )) MiB"
}
# akutt's response_time figures as DuckDB's CSV, to compare.
as_csv() {
  python3 - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1])); by = sys.argv[2]
print(("centre" if by == "centre" else "centre,month") + ",n,median_s,p90_s")
rows = []
for f in v["indicators"]:
    if f["id"] != "response_time" or not f.get("n"):
        continue
    g = f["group"]
    key = [g["centre"]] if by == "centre" else [g["centre"], g["month"].replace("-", "")]
    rows.append(key + [str(f["n"]), str(f["median_s"]), str(f["p90_s"])])
for r in sorted(rows):
    print(",".join(r))
PY
}
same() { # akutt.json duck.csv by
  if cmp -s <(as_csv "$1" "$3" | tail -n +2 | sort) <(tail -n +2 "$2" | sort); then
    echo "identical ($(($(wc -l < "$2") - 1)) groups)"
  else echo "DIFFER: diff <(...$1) $2"; return 1; fi
}

echo "data version $($A submissions --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["data_version"])'), $runs cold runs each, medians (wall, peak RSS)"
echo "Q1 response_time by centre, 2024"
echo "  akutt:  $(akutt_q q1 --from 2024-01 --to 2024-12 --indicator response_time --by centre)"
echo "  duckdb: $(duck_q q1 202401 202412 centre)"
echo "  figures: $(same "$out/q1.json" "$out/q1.duck.csv" centre)"
echo "Q2 all indicators, 2024"
echo "  akutt:  $(akutt_q q2 --from 2024-01 --to 2024-12)"
echo "Q3 all indicators by centre x month, ten years"
echo "  akutt:  $(akutt_q q3 --from 2015-01 --to 2024-12 --by centre,month)"
echo "  duckdb (response_time part): $(duck_q q3 201501 202412 centre,month)"
echo "  figures: $(same "$out/q3.json" "$out/q3.duck.csv" centre,month)"

#!/usr/bin/env bash
# Bounded load test of the public indicator endpoint on loopback (docs/PERFORMANCE.md).
# Usage: bash bench/load.sh DATA_DIR [SECONDS] [CONNECTIONS]
# Needs wrk (apt-get install wrk). Serves DATA_DIR with the release binary on 127.0.0.1:8181,
# requests each of 192 distinct public queries once (warm-up), then runs wrk over them.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1; secs=${2:-30}; conns=${3:-32}
cargo build --release 2>/dev/null
# The public sees released data only: a world without a release is released through its
# last year first (the benchmark's own world, never a registry's).
if ! ./target/release/akutt --data "$data" release list --json | grep -q '"id"'; then
  ./target/release/akutt --data "$data" release create --through 2024-12 --note "load test"
fi
./target/release/akutt --data "$data" serve --addr 127.0.0.1:8181 > /tmp/akutt-load-serve.log 2>&1 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8181/api/openapi.json && break; sleep 0.2; done
start=$(date +%s.%N)
# 4 years x 8 centre choices x 6 groupings = 192 distinct queries.
export PATHS=$(mktemp)
for y in 2019 2021 2023 2024; do
  for c in "" OSL BGO TRD KKN VTE INN SOR; do
    for b in "" centre month urgency area centre,month; do
      p="/api/indicators?from=$y-01&to=$y-12"
      [ -n "$c" ] && p="$p&centre=$c"
      [ -n "$b" ] && p="$p&by=$b"
      echo "$p"
    done
  done
done > "$PATHS"
while read -r p; do curl -s -o /dev/null -w "%{http_code}\n" "http://127.0.0.1:8181$p"; done < "$PATHS" | sort | uniq -c
echo "warm-up: $(echo "$(date +%s.%N) - $start" | bc) s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/load.lua http://127.0.0.1:8181
echo "server peak RSS: $(grep VmHWM /proc/$server/status)"

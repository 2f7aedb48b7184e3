#!/usr/bin/env bash
# Server memory under a large upload (issue 14): starts `akutt serve` on loopback, then
# posts a 300 MB multipart body three ways — unauthenticated, as an analyst (refused by
# role), and as an admin over the upload limit — and prints the server's RSS before and
# after each. Traffic stays on 127.0.0.1. See docs/PERFORMANCE.md.
# Usage: bash bench/upload_rss.sh [path/to/akutt]
set -euo pipefail
bin=${1:-target/release/akutt}
work=$(mktemp -d)
port=18$((RANDOM % 900 + 100))
export AKUTT_KEY_FILE="$work/key/pseudonym.key"
admin=$("$bin" --data "$work/data" users add bench-admin --role admin)
analyst=$("$bin" --data "$work/data" users add bench-analyst --role analyst)
"$bin" --data "$work/data" serve --addr "127.0.0.1:$port" --upload-limit-mib 64 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
body() {
  printf -- '--B\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'
  head -c 300000000 /dev/zero | tr '\0' 'a'
  printf -- '\r\n--B--\r\n'
}
post() { # name, extra curl args…
  local name=$1; shift
  local before; before=$(rss)
  local code; code=$(body | curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: multipart/form-data; boundary=B' -H 'Expect:' "$@" \
    --data-binary @- "http://127.0.0.1:$port/last-opp" || true)
  sleep 0.5
  printf '%-34s HTTP %s  RSS %6d KiB -> %6d KiB (%+d KiB)\n' "$name" "$code" "$before" "$(rss)" "$(( $(rss) - before ))"
}
post "unauthenticated, 300 MB"
post "analyst, 300 MB" -H "Authorization: Bearer $analyst"
post "admin, 300 MB over a 64 MiB limit" -H "Authorization: Bearer $admin"

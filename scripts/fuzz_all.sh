#!/bin/sh
# Runs each fuzz target for SECONDS (default 600) one after another at low
# priority; logs to fuzz/logs/<target>.log. Uses nightly (with ASan) when
# installed, else stable with `-s none`.
set -u
secs=${1:-600}
cd "$(dirname "$0")/../fuzz" || exit 1
mkdir -p logs
if cargo +nightly --version >/dev/null 2>&1; then tc="+nightly"; san=""; else tc=""; san="-s none"; fi
status=0
for t in lang_yaml expr_yaql api_json; do
    mkdir -p "corpus/$t"
    # shellcheck disable=SC2086
    nice -n 19 cargo $tc fuzz run $san "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=2 -rss_limit_mb=1024 -max_len=65536 \
        >"logs/$t.log" 2>&1 || status=1
    tail -n 3 "logs/$t.log"
done
exit $status

#!/usr/bin/env bash
# Runs every criterion bench of augur-benches and prints one table of mean times, read from
# criterion's own estimates (target/criterion/<bench>/new/estimates.json).
# Usage: benches/report.sh [--quick]   (--quick: 1 s warm-up, 3 s measurement per bench)
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
if [ "${1:-}" = "--quick" ]; then args=(-- --warm-up-time 1 --measurement-time 3); fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench -p augur-benches --benches "${args[@]}" >/dev/null
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-78s | %12s |\n' "bench" "mean"
printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..80})" "$(printf -- '-%.0s' {1..14})"
find target/criterion -path '*/new/estimates.json' | sort | while read -r f; do
  name=$(dirname "$(dirname "$f")"); name=${name#target/criterion/}
  python3 - "$f" "$name" <<'PY'
import json, sys
ns = json.load(open(sys.argv[1]))["mean"]["point_estimate"]
unit = [(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1, "ns")]
v, u = next((ns / d, u) for d, u in unit if ns >= d or d == 1)
print(f"| {sys.argv[2]:<78} | {v:9.2f} {u:<2} |")
PY
done

#!/usr/bin/env bash
# Load bench for `augur serve` (issue 5). Prints a table; asserts nothing.
#
#   1. RUNS (10,000) active runs, one web metric each at INTERVAL (1s), against a loopback
#      provider (a second augur process's /healthz), with the service pinned to CORES (2).
#      After SETTLE seconds, for MEASURE seconds: scheduling lag p99 (from the service's own
#      augur_scheduler_lag_seconds histogram, interpolated like histogram_quantile),
#      measurements/s, passes/s and peak RSS.
#   2. The verdict endpoint of a fresh instance under wrk at 64 connections: req/s and p99.
#
# Needs python3, wrk and taskset. Prints the load average too: the figures depend on it.
# Usage: benches/service_load.sh   (env: RUNS INTERVAL SETTLE MEASURE WRK_SECS CORES)
set -euo pipefail

RUNS=${RUNS:-10000}
INTERVAL=${INTERVAL:-1s}
SETTLE=${SETTLE:-20}
MEASURE=${MEASURE:-30}
WRK_SECS=${WRK_SECS:-15}
CORES=${CORES:-0,1}

root=$(cd "$(dirname "$0")/.." && pwd)
# Other work on the machine (compiles) moves every figure here: say how busy it was.
load_at() { cut -d' ' -f1-3 /proc/loadavg; }
cargo build --quiet --release -p evaluator-bin --manifest-path "$root/Cargo.toml"
bin="$root/target/release/augur"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME [flags...]: starts augur on free ports; sets URL and PID.
start() {
  local name=$1; shift
  taskset -c "$CORES" "$bin" serve --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 \
    --data-dir "$work/$name" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 1 300); do
    URL=$(sed -n 's/^augur: listening on //p' "$work/$name.out" 2>/dev/null || true)
    [ -n "$URL" ] && return 0
    sleep 0.1
  done
  echo "augur ($name) did not start:" >&2; cat "$work/$name.err" >&2; exit 1
}

start backend
BACKEND=$URL
start service --provider-concurrency 1024
SERVICE=$URL
SERVICE_PID=$PID

python3 - "$SERVICE" "$BACKEND" "$RUNS" "$INTERVAL" <<'PY'
import http.client, json, sys, urllib.parse
service, backend, runs, interval = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlparse(service)
conn = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body):
    conn.request(method, path, json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse(); data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
call("PUT", "/api/v1/analysistemplates/load", {
    "kind": "AnalysisTemplate", "metadata": {"name": "load"},
    "spec": {"metrics": [{"name": "up", "interval": interval, "successCondition": 'result == "ok"',
                          "provider": {"web": {"url": backend + "/healthz"}}}]}})
for i in range(runs):
    call("POST", "/api/v1/analysisruns", {"name": f"load-{i}", "templateRef": {"name": "load"}})
PY

sleep "$SETTLE"
load_before=$(load_at)
curl -sf "$SERVICE/metrics" >"$work/m0"
peak_kb=0
for _ in $(seq 1 "$MEASURE"); do
  kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVICE_PID/status")
  [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb
  sleep 1
done
curl -sf "$SERVICE/metrics" >"$work/m1"
read -r lag_p99_ms passes_per_s active measured_per_s < <(python3 - "$work/m0" "$work/m1" "$MEASURE" <<'PY'
import re, sys
def scrape(path):
    b, passes, running, measured = {}, 0.0, 0, 0.0
    for line in open(path):
        m = re.match(r'augur_measurements_total\{[^}]*\} (\S+)', line)
        if m: measured += float(m[1])
        m = re.match(r'augur_scheduler_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        if m: b[float("inf") if m[1] == "+Inf" else float(m[1])] = float(m[2])
        m = re.match(r'augur_passes_total (\S+)', line)
        if m: passes = float(m[1])
        m = re.match(r'augur_analysis_runs\{phase="Running"\} (\S+)', line)
        if m: running = int(float(m[1]))
    return b, passes, running, measured
b0, p0, _, n0 = scrape(sys.argv[1]); b1, p1, running, n1 = scrape(sys.argv[2])
bounds = sorted(b1); counts = [b1[k] - b0.get(k, 0) for k in bounds]
total = counts[-1] if counts else 0
q, prev_b, prev_c, p99 = 0.99 * total, 0.0, 0.0, float("nan")
for bound, c in zip(bounds, counts):
    if c >= q and total > 0:
        p99 = prev_b if bound == float("inf") else prev_b + (bound - prev_b) * ((q - prev_c) / max(c - prev_c, 1e-9))
        break
    prev_b, prev_c = bound, c
secs = float(sys.argv[3])
print(f"{p99 * 1000:.1f} {(p1 - p0) / secs:.0f} {running} {(n1 - n0) / secs:.0f}")
PY
)
kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true

# The verdict endpoint on a fresh instance holding one run.
start verdict
VERDICT=$URL
curl -sf -XPUT "$VERDICT/api/v1/analysistemplates/one" -H 'content-type: application/json' \
  -d "{\"kind\":\"AnalysisTemplate\",\"metadata\":{\"name\":\"one\"},\"spec\":{\"metrics\":[{\"name\":\"up\",\"interval\":\"1s\",\"successCondition\":\"result == \\\"ok\\\"\",\"provider\":{\"web\":{\"url\":\"$BACKEND/healthz\"}}}]}}" >/dev/null
curl -sf -XPOST "$VERDICT/api/v1/analysisruns" -H 'content-type: application/json' \
  -d '{"name":"target","templateRef":{"name":"one"}}' >/dev/null
wrk -t2 -c64 -d"${WRK_SECS}s" --latency "$VERDICT/api/v1/analysisruns/target/verdict" >"$work/wrk"
rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/wrk")
p99_ms=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f", v}' "$work/wrk")

verdict() { python3 -c "nan = float('nan'); print('ok' if $1 else 'MISSED')"; }
load_after=$(load_at)
rss_mib=$((peak_kb / 1024))
printf '\n%-44s %14s %12s %8s\n' "augur serve load ($(nproc) cpus, pinned to $CORES)" "measured" "target" ""
printf '%-44s %14s %12s %8s\n' "active runs ($RUNS created, $INTERVAL interval)" "$active" "$RUNS" "$(verdict "$active >= $RUNS")"
printf '%-44s %14s %12s %8s\n' "measurements/s" "$measured_per_s" "~$RUNS" ""
printf '%-44s %14s %12s %8s\n' "passes/s (incl. the engine's at-once passes)" "$passes_per_s" "" ""
printf '%-44s %14s %12s %8s\n' "scheduling lag p99 (ms)" "$lag_p99_ms" "< 100" "$(verdict "$lag_p99_ms < 100")"
printf '%-44s %14s %12s %8s\n' "peak RSS (MiB)" "$rss_mib" "< 512" "$(verdict "$rss_mib < 512")"
printf '%-44s %14s %12s %8s\n' "verdict endpoint, wrk -c64 (req/s)" "$rps" ">= 20000" "$(verdict "$rps >= 20000")"
printf '%-44s %14s %12s %8s\n' "verdict endpoint, wrk -c64 p99 (ms)" "$p99_ms" "< 5" "$(verdict "$p99_ms < 5")"
printf '%-44s %14s\n' "load average (1/5/15 min) before measuring" "$load_before"
printf '%-44s %14s\n' "load average (1/5/15 min) after wrk" "$load_after"

#!/usr/bin/env bash
# Peak memory of `augur replay` over recordings of 10k, 100k and 1M lines: it should stay
# flat, since recordings are streamed (one cursor per metric) and text output keeps only the
# first 200 timeline rows. Prints a table; needs python3 (for getrusage) and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p evaluator-bin
augur="${CARGO_TARGET_DIR:-target}/release/augur"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat >"$work/template.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: memory
spec:
  metrics:
    - name: success-rate
      interval: 1m
      successCondition: result[0] >= 0.95
      provider:
        prometheus:
          address: http://prometheus:9090
          query: sum(rate(ok[5m])) / sum(rate(all[5m]))
YAML

printf '%-10s %-10s %-14s %-12s %s\n' lines kind file_MiB peak_RSS_MiB seconds
for kind in result response; do
  for n in 10000 100000 1000000; do
    rec="$work/$kind-$n.jsonl"
    python3 - "$rec" "$n" "$kind" <<'PY'
import sys
path, n, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    for i in range(n):
        v = 0.95 + (i % 50) / 1000
        if kind == "result":
            f.write('{"metric":"success-rate","result":[%s]}\n' % v)
        else:
            f.write('{"metric":"success-rate","response":{"status":200,"body":{"status":"success",'
                    '"data":{"resultType":"vector","result":[{"metric":{},"value":[%d,"%s"]}]}}}}\n'
                    % (1714564800 + 60 * i, v))
PY
    python3 - "$augur" "$work/template.yaml" "$rec" "$n" "$kind" <<'PY'
import os, resource, subprocess, sys, time
augur, template, rec, n, kind = sys.argv[1:]
start = time.monotonic()
p = subprocess.run([augur, "replay", template, rec], stdout=subprocess.DEVNULL)
took = time.monotonic() - start
if p.returncode != 4:  # 4: the recording ran out, which is how these runs end
    sys.exit(f"augur replay exited {p.returncode}")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
size = os.path.getsize(rec) / 2**20
print(f"{n:<10} {kind:<10} {size:<14.1f} {rss:<12.1f} {took:.2f}")
PY
  done
done

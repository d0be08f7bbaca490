#!/usr/bin/env bash
# Huge but valid inputs complete in bounded memory (docs/robustness.md):
#   1. a trace 10x larger than the largest a shipped config uses (GPT-2, 346 ops): the GPT-2
#      training step repeated 10 times in one trace (3,460 ops, 6,050 tensors);
#   2. a 1,000-iteration run of the default ResNet-50 job, against a 10-iteration run.
# Prints peak resident memory (GNU time) and wall time of each run.
# Usage: scripts/huge_inputs.sh [build-dir]
set -euo pipefail
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/aisim" -q trace --model gpt2 --batch 8 --seq 1024 --precision bf16 -o "$tmp/gpt2.json"
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
t = json.load(open(f"{tmp}/gpt2.json"))
n_ops, n_tensors = len(t["ops"]), len(t["tensors"])
ops, tensors = [], []
for k in range(10):  # ten steps back to back, each with its own tensors
    for x in t["tensors"]:
        y = dict(x); y["id"] = x["id"] + k * n_tensors; tensors.append(y)
    for o in t["ops"]:
        y = dict(o); y["id"] = o["id"] + k * n_ops
        y["deps"] = [d + k * n_ops for d in o.get("deps", [])] + ([k * n_ops - 1] if k and o["id"] == 0 else [])
        y["inputs"] = [i + k * n_tensors for i in o.get("inputs", [])]
        y["outputs"] = [i + k * n_tensors for i in o.get("outputs", [])]
        ops.append(y)
t["ops"], t["tensors"] = ops, tensors
json.dump(t, open(f"{tmp}/gpt2_x10.json", "w"))
PY
root=$(cd "$(dirname "$0")/.." && pwd)
cat > "$tmp/big_trace.json" <<JSON
{"extends": "$root/configs/nodes/paper_node.json",
 "jobs": [{"name": "gpt2x10", "trace": "$tmp/gpt2_x10.json", "dataset_size": 80, "iterations": 3, "device": "a100"}],
 "policies": {"scheduler": "cfs", "memory": "caching"}, "run": {"warmup_iterations": 1}}
JSON
for n in 10 1000; do
  cat > "$tmp/iter_$n.json" <<JSON
{"extends": "$root/configs/nodes/paper_node.json",
 "jobs": [{"name": "resnet50", "model": "resnet50", "batch_size": 256, "precision": "tf32", "dataset_size": 1281167, "iterations": $n, "device": "a100"}],
 "policies": {"scheduler": "cfs", "memory": "caching"}}
JSON
done
declare -A rss
for c in big_trace iter_10 iter_1000; do
  /usr/bin/time -o "$tmp/time_$c" -f "%M %e" "$build/aisim" -q --config "$tmp/$c.json" --output "$tmp/out_$c"
  read -r kb seconds < "$tmp/time_$c"
  rss[$c]=$kb
  echo "$c: peak RSS $kb KB, $seconds s"
done
# Memory must not grow with the number of iterations: 1,000 iterations within 10% of 10.
if (( rss[iter_1000] * 10 > rss[iter_10] * 11 )); then
  echo "FAIL: 1000 iterations need ${rss[iter_1000]} KB against ${rss[iter_10]} KB for 10" >&2
  exit 1
fi
echo "OK: 1000 iterations within 10% of the memory of 10"

#!/usr/bin/env bash
# Issue 21: where a full-size rollout's time goes on the GPU, phase by phase, before any more speed work.
#
# For each precision, `wmq bench rollout --profile` on the full-size config (models/configs/dinov2-vits14.yaml, random
# weights) with what CEM calls (--final-only, horizon 5 from one observed frame), at BATCHES rows per call (300: one
# episode's samples; 1500: what a 50-episode plan sends per chunk on the H100 before it ran out of memory at 6000).
# Each run times REPEAT calls after 2 warm-ups, then profiles one more call that waits for the device around every
# phase (PhaseProfile): read the shares, since the waits make that call slower than the timed ones. Last, bf16 once more
# with --no-math-attention, to see whether the default path's attention already runs on the fused kernels.
#
#   bash build/measurements/rollout-profile.sh        (through the device tool, carry [".device"]; about a minute)
# PRECISIONS="fp32", BATCHES="8", DEVICE=cpu and WMQ="dotnet src/WmQuant.Cli/bin/Release/net10.0/wmq.dll" make a quick
# local check. What comes back under $OUT: rollout-profile.jsonl (one bench JSON object per run),
# rollout-profile.md (a table per run: phase, own ms, share) and rollout-profile.log.
set -euo pipefail
source "$(dirname "$0")/device-env.sh"
device=${DEVICE:-cuda}
precisions=(${PRECISIONS:-fp32 tf32 bf16})
batches=(${BATCHES:-300 1500})
log=$OUT/rollout-profile.log
: > "$OUT/rollout-profile.jsonl"
for precision in "${precisions[@]}"; do
  for batch in "${batches[@]}"; do
    if wmq bench rollout --config "$root/models/configs/dinov2-vits14.yaml" --device "$device" --dtype "$precision" \
        --batch "$batch" --horizon 5 --final-only --repeat "${REPEAT:-3}" --warmup 2 --profile --json \
        > "$OUT/run.json" 2>> "$log"; then
      cat "$OUT/run.json" >> "$OUT/rollout-profile.jsonl"
    else
      echo "== $precision batch $batch failed (exit $?); see rollout-profile.log" >> "$log"
    fi
  done
done
# Does the default path get the fused attention kernels? The same bf16 call with the unfused (math) kernel forbidden:
# the same time means yes; WMQ3301 "no fused attention kernel" means no (and says where the bf16 time goes).
if [[ " ${precisions[*]} " == *" bf16 "* ]]; then
  if wmq bench rollout --config "$root/models/configs/dinov2-vits14.yaml" --device "$device" --dtype bf16 \
      --batch "${batches[0]}" --horizon 5 --final-only --repeat "${REPEAT:-3}" --warmup 2 --profile --json --no-math-attention \
      > "$OUT/run.json" 2>> "$log"; then
    cat "$OUT/run.json" >> "$OUT/rollout-profile.jsonl"
  else
    echo "== bf16 batch ${batches[0]} with --no-math-attention failed (exit $?): see the error above" >> "$log"
  fi
fi
rm -f "$OUT/run.json"

python3 - "$OUT/rollout-profile.jsonl" > "$OUT/rollout-profile.md" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    run = json.loads(line)
    total = run["profiled_ms"]
    fused = "" if run.get("math_attention", True) else ", math attention off"
    print(f'## {run["dtype"]}, batch {run["batch"]}{fused} on {run["device"]}: timed {run["ms_per_rollout"]:.1f} ms per call, '
          f'profiled call {total:.1f} ms\n')
    print("| phase | calls | own ms | share |\n|---|---|---|---|")
    phases = sorted(run["phases"], key=lambda p: -p["ms"])
    for p in phases:
        print(f'| {p["phase"]} | {p["calls"]} | {p["ms"]:.2f} | {100 * p["ms"] / total:.1f}% |')
    rest = total - sum(p["ms"] for p in phases)
    print(f'| (outside the phases) | | {rest:.2f} | {100 * rest / total:.1f}% |\n')
PY
cat "$OUT/rollout-profile.md"

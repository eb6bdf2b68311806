#!/usr/bin/env bash
# Issue 21: does planning in TF32 or bf16 change planning success, and what memory does it take?
#
# Part 1, the bundled models: `wmq eval` of models/wall and models/pusht with the study planner (Wall 10 CEM steps,
# ≤ 50 MPC iterations; PushT 30 steps, ≤ PUSHT_ITERATIONS MPC iterations, default 6: on 2026-12-03 the 6-iteration
# cap gave the same PushT episodes, seed by seed, as 30 for FP32, RTN and AWQ; see
# pusht-smoothquant-omniquant-2026-12-03-gpu/), 50 episodes on the evaluation seeds, once per precision.
# Each result is paired by seed with the fp32 run (lost / gained, exact two-sided McNemar p).
# Part 2, the full-size config (random weights): `wmq bench plan` with 50 episodes × 300 samples planned together, per
# precision. It gives the time per CEM step and the peak device memory, and only 2 CEM steps are run: the memory does
# not depend on the step count, and the time scales with it.
# Peak memory is nvidia-smi's memory.used sampled every 100 ms: it includes the CUDA context and PyTorch's cached
# blocks, so it is an upper bound on what the tensors need.
#
#   bash build/measurements/precision-planning.sh          (through the device tool, carry [".device"])
# PRECISIONS="fp32", MODELS="wall", EPISODES, FULLSIZE=0, DEVICE=cpu and WMQ="dotnet src/WmQuant.Cli/bin/Release/net10.0/wmq.dll"
# make a quick local check. What comes back under $OUT: precision-planning.tsv (part 1), precision-fullsize.tsv
# (part 2), precision-planning.log and precision-results.tar.gz (every result JSON).
set -euo pipefail
source "$(dirname "$0")/device-env.sh"
work=$root/build/measurements/.study-tmp/precision
rm -rf "$work" && mkdir -p "$work"
device=${DEVICE:-cuda}
precisions=(${PRECISIONS:-fp32 tf32 bf16})
models=(${MODELS:-wall pusht})
log=$OUT/precision-planning.log

# peak: runs a command while sampling device memory; the peak in MiB goes to $work/<name>.peak ("n/a" without nvidia-smi).
peak() {
  local name=$1; shift
  local sampler=""
  if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$work/$name.mem" 2>/dev/null &
    sampler=$!
  fi
  local status=0
  "$@" > "$work/$name.out" 2>&1 || status=$?
  cat "$work/$name.out" >> "$log"
  if [[ -n $sampler ]]; then
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sort -n "$work/$name.mem" | tail -n 1 > "$work/$name.peak"
  else
    echo n/a > "$work/$name.peak"
  fi
  echo "== $name: exit $status" >> "$log"
  return 0
}

for model in "${models[@]}"; do
  case $model in
    wall) planner=(--opt-steps 10 --max-iterations 50) ;;
    pusht) planner=(--opt-steps 30 --max-iterations "${PUSHT_ITERATIONS:-6}") ;;
    *) echo "unknown model $model" >&2; exit 2 ;;
  esac
  for precision in "${precisions[@]}"; do
    peak "$model-$precision" wmq eval --model "$root/models/$model/model.safetensors" --env "$model" --episodes "${EPISODES:-50}" \
      "${planner[@]}" --precision "$precision" --device "$device" --out "$work/$model-$precision.json"
  done
done

if [[ ${FULLSIZE:-1} == 1 ]]; then
  for precision in "${precisions[@]}"; do
    start=$SECONDS
    peak "fullsize-$precision" wmq bench plan --config "$root/models/configs/dinov2-vits14.yaml" --env pusht --device "$device" \
      --episodes 50 --samples 300 --top-k 30 --opt-steps 2 --iterations 1 --dtype "$precision"
    echo "$((SECONDS - start))" > "$work/fullsize-$precision.seconds"
  done
fi

python3 - "$work" "$OUT" "${models[*]}" "${precisions[*]}" <<'PY'
import json, math, os, re, sys
work, out, models, precisions = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()

def mcnemar(b, c):
    n = b + c
    if n == 0:
        return 1.0
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2 ** n)

def peak(name):
    path = os.path.join(work, name + ".peak")
    return open(path).read().strip() if os.path.exists(path) else "n/a"

def outcomes(result):
    # wmq eval --out: one entry per episode with its seed and success.
    return {e["seed"]: bool(e["success"]) for e in result["episodes"]}

rows = ["model\tprecision\tsuccesses\trate\tlost_vs_fp32\tgained_vs_fp32\tmcnemar_p\tpeak_device_mib"]
for model in models:
    base = None
    for precision in precisions:
        path = os.path.join(work, f"{model}-{precision}.json")
        if not os.path.exists(path):
            rows.append(f"{model}\t{precision}\t(no result)\t\t\t\t\t{peak(model + '-' + precision)}")
            continue
        result = json.load(open(path))
        o = outcomes(result)
        if precision == "fp32":
            base = o
        lost = gained = 0
        p = ""
        if base is not None and precision != "fp32":
            lost = sum(1 for s, ok in base.items() if ok and not o.get(s, False))
            gained = sum(1 for s, ok in o.items() if ok and not base.get(s, False))
            p = f"{mcnemar(lost, gained):.3g}"
        rows.append(f"{model}\t{precision}\t{sum(o.values())}/{len(o)}\t{sum(o.values()) / max(1, len(o)):.2f}\t{lost}\t{gained}\t{p}\t{peak(model + '-' + precision)}")
open(os.path.join(out, "precision-planning.tsv"), "w").write("\n".join(rows) + "\n")

full = ["precision\tper_episode_s_for_2_cem_steps\twall_s\tpeak_device_mib"]
for precision in precisions:
    name = f"fullsize-{precision}"
    if not os.path.exists(os.path.join(work, name + ".out")):
        continue
    # wmq bench plan prints "per episode   X s per MPC iteration".
    found = re.findall(r"per episode\s+([0-9.]+) s per MPC iteration", open(os.path.join(work, name + ".out")).read())
    seconds = open(os.path.join(work, name + ".seconds")).read().strip()
    full.append(f"{precision}\t{found[-1] if found else '(failed)'}\t{seconds}\t{peak(name)}")
if len(full) > 1:
    open(os.path.join(out, "precision-fullsize.tsv"), "w").write("\n".join(full) + "\n")
PY
tar -C "$work" -czf "$OUT/precision-results.tar.gz" $(cd "$work" && ls *.json *.peak *.out 2>/dev/null)
cat "$OUT/precision-planning.tsv"
[[ -f $OUT/precision-fullsize.tsv ]] && cat "$OUT/precision-fullsize.tsv"
exit 0

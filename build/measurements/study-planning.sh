#!/usr/bin/env bash
# Planning success of quantization methods on a bundled model, each combination its own `wmq run` (paired with the
# FP32 evaluation in the model's baseline.json), one after another (JOBS side by side) on one GPU. Issues 18 and 19.
#
#   TASK=wall|pusht METHODS="rtn omse awq gptq" SETTINGS="w4g128 w3g128" bash build/measurements/study-planning.sh
# MAX_ITERATIONS caps the MPC iterations (then the FP model is evaluated with the same cap, once, from the shared cache
# instead of baseline.json). (EPISODES, PROFILE=cpu, DEVICE=cpu and WMQ="dotnet src/WmQuant.Cli/bin/Release/net10.0/wmq.dll" make a quick local check.)
#
# Run on the GPU machine through the device tool after ../shared/device/bundle.sh src/WmQuant.Cli/WmQuant.Cli.csproj
# (carry [".device"]). Recipes are written into build/measurements/.study-tmp/ (inside the repository, as recipes must
# be); every run shares one stage cache, so calibration runs once per task. What comes back under $OUT: one
# <task>.tsv (method, setting, successes, rate, Wilson interval, lost/gained vs FP, bits/weight, mean relative output
# error, seconds) and <task>-records.tar.gz (manifests and logs).
set -euo pipefail
source "$(dirname "$0")/device-env.sh"
task=${TASK:-wall}
methods=(${METHODS:-rtn omse awq gptq})
settings=(${SETTINGS:-w4g128 w3g128})
device=${DEVICE:-cuda}
work=$root/build/measurements/.study-tmp/$task
rm -rf "$work" && mkdir -p "$work/artifacts" "$work/logs"
# A setting names weights and (optionally) activations: w4g128, w3g128, w4ch, w8ch (weight-only), and
# w8a8t / w6a6t (per-channel weights, static per-tensor inputs), w8a8k / w6a6k / w4a8k (per-token inputs).
weights() {
  case $1 in
    w4ch) echo "{ bits: 4, granularity: channel }" ;;
    w4g128) echo "{ bits: 4, granularity: group, group_size: 128 }" ;;
    w3g128) echo "{ bits: 3, granularity: group, group_size: 128 }" ;;
    w8ch|w8a8t|w8a8k) echo "{ bits: 8, granularity: channel }" ;;
    w6a6t|w6a6k) echo "{ bits: 6, granularity: channel }" ;;
    w4a8k) echo "{ bits: 4, granularity: channel }" ;;
    *) echo "unknown setting $1" >&2; exit 2 ;;
  esac
}
activations() {
  case $1 in
    w8a8t) echo "{ bits: 8, granularity: per-tensor }" ;;
    w6a6t) echo "{ bits: 6, granularity: per-tensor }" ;;
    w8a8k) echo "{ bits: 8, granularity: per-token }" ;;
    w6a6k) echo "{ bits: 6, granularity: per-token }" ;;
    w4a8k) echo "{ bits: 8, granularity: per-token }" ;;
    *) echo none ;;
  esac
}
# COMBOS="method:setting ..." replaces the methods x settings product.
combos=(${COMBOS:-})
if ((${#combos[@]} == 0)); then
  for method in "${methods[@]}"; do for setting in "${settings[@]}"; do combos+=("$method:$setting"); done; done
fi
for combo in "${combos[@]}"; do
  method=${combo%%:*} setting=${combo#*:}
  {
    cat > "$work/$method-$setting.yaml" <<RECIPE
version: 1
name: $task-$method-$setting
model: { checkpoint: ../../../../models/$task/model.safetensors, config: ../../../../models/$task/model.yaml }
environment: $task
device: $device
seed: 0
calibration: { episodes: 50, seed_offset: 2, mpc_iterations: 2 }
quantization:
  method: $method
  weights: $(weights "$setting")
  activations: $(activations "$setting")
evaluation: { episodes: ${EPISODES:-50}, planner: { profile: ${PROFILE:-default}${MAX_ITERATIONS:+, max_iterations: $MAX_ITERATIONS} } }
gates:
  - { metric: success_rate, max_drop_vs_baseline: 0.0, confidence: 0.95 }
artifact: { name: $task-$method-$setting }
RECIPE
  }
done
# The first combination runs alone first: it fills the shared cache with the calibration and the FP evaluation (when
# baseline.json does not match the planner), so the runs side by side do not each compute them. FIRST_ALONE=0 skips
# that when every run is long anyway (each then calibrates on its own, ~18 s for PushT OmniQuant alone on the H200).
if [[ ${FIRST_ALONE:-1} == 1 ]]; then
  first=$work/${combos[0]%%:*}-${combos[0]#*:}.yaml
  timeout "${DEADLINE:-86400}" "${wmq_command[@]}" run "$first" --skip-gates --out "$work/artifacts" --cache "$work/cache" \
    --quiet > "$work/logs/first.log" 2>&1 || echo "the first run ($first) failed (see logs/first.log); the runs calibrate on their own" >&2
fi
# summarize: one TSV row per finished run, rewritten after every run so that a call cut short still returns them.
summarize() {
python3 - "$work" "$task" > "$OUT/$task.tsv.part" <<'PY'
import json, os, sys
work, task = sys.argv[1], sys.argv[2]
print("method\tsetting\tsuccesses\trate\twilson95\tlost\tgained\tbits_per_weight\tmean_rel_output_error\tquantize_s\tevaluate_s")
for name in sorted(os.listdir(os.path.join(work, "artifacts"))):
    path = os.path.join(work, "artifacts", name, "manifest.json")
    if not os.path.exists(path):
        continue
    m = json.load(open(path))
    q, fp = m.get("quantized"), m.get("baseline")
    if q is None:
        continue
    pairs = {e["seed"]: e["success"] for e in fp["episodes"]}
    lost = sum(1 for e in q["episodes"] if pairs.get(e["seed"]) and not e["success"])
    gained = sum(1 for e in q["episodes"] if e["success"] and not pairs.get(e["seed"]))
    errors = [l["relative_output_error"] for l in m["quantization"]["layers"] if l.get("relative_output_error") is not None]
    method, setting = name[len(task) + 1:].split("-", 1)
    print(f'{method}\t{setting}\t{q["successes"]}/{q["episode_count"]}\t{q["success_rate"]:.2f}\t'
          f'[{q["success_interval95"][0]:.2f}, {q["success_interval95"][1]:.2f}]\t{lost}\t{gained}\t'
          f'{m["sizes"]["effective_bits_per_quantized_weight"]:.3f}\t{sum(errors) / max(1, len(errors)):.3e}\t'
          f'{m["timings"].get("quantize", 0):.1f}\t{m["timings"].get("evaluate", 0):.1f}')
PY
  mv "$OUT/$task.tsv.part" "$OUT/$task.tsv"
  tar -C "$work" -czf "$OUT/$task-records.tar.gz" logs $(cd "$work" && ls -d artifacts/*/manifest.json 2>/dev/null)
}
# JOBS runs side by side (default 1: on the H200 four PushT runs side by side each took longer than four in a row).
# DEADLINE (seconds from the script's start) cuts every run at that point and starts none after it; RUN_TIMEOUT cuts one run short
# (a cut run has no manifest and no row). Runs start in COMBOS order, so put the ones that matter most first.
start=$SECONDS
deadline=${DEADLINE:-86400}
running=0
for combo in "${combos[@]}"; do
  name=${combo%%:*}-${combo#*:} recipe=$work/${combo%%:*}-${combo#*:}.yaml
  left=$((deadline - SECONDS))
  limit=$(( left < ${RUN_TIMEOUT:-86400} ? left : ${RUN_TIMEOUT:-86400} ))
  if ((limit <= 0)); then echo "not started (deadline): $name" >&2; continue; fi
  timeout "$limit" "${wmq_command[@]}" run "$recipe" --out "$work/artifacts" --cache "$work/cache" --quiet \
    --threads "${THREADS:-$(( $(nproc) / ${JOBS:-1} ))}" > "$work/logs/$name.log" 2>&1 &
  running=$((running + 1))
  if ((running >= ${JOBS:-1})); then wait -n || true; running=$((running - 1)); summarize; fi
done
wait || true
echo "planning took $((SECONDS - start)) s for ${#combos[@]} combinations, ${JOBS:-1} at a time" >&2
summarize
cat "$OUT/$task.tsv" >&2

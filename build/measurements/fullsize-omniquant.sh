#!/usr/bin/env bash
# OmniQuant's quantize time on the full-size DINO-WM config (models/configs/dinov2-vits14.yaml: ViT-S/14 encoder at
# 196 px, predictor depth 6), on the GPU machine. Issue 19.
#
# No trained full-size checkpoint exists here (issue 22), and the time does not depend on the weights' values: it
# depends on the shapes, the calibration tokens and the optimisation settings. So the script makes a full-size model
# with `wmq train` for one encoder and one predictor step on a small generated PushT dataset, then quantizes it with
# the study's OmniQuant defaults (20 epochs, 128 samples) at W4A8 per-token and W4 g128, timing calibration and the
# optimisation apart. It reports no planning success: a model trained for one step plans nothing.
# Calibration is cut down so that the call fits the device tool's 10 minutes: 24 episodes, one MPC iteration, 3 CEM
# steps (the study: 50 episodes, 2 iterations, 30 steps; at full size in fp32 that is about 20 minutes of planning).
# OmniQuant's optimisation cost depends on its samples (128 sequences per block) and epochs, not on how many
# episodes the sequences came from, so the optimisation time is the study's; the calibration time is not.
#
#   bash build/measurements/fullsize-omniquant.sh        (through the device tool, carry [".device"])
# SETTINGS="w4a8k w4g128", EPOCHS, SAMPLES, DEVICE=cpu and WMQ="dotnet src/WmQuant.Cli/bin/Release/net10.0/wmq.dll"
# make a quick local check. What comes back under $OUT: fullsize-omniquant.tsv, fullsize-omniquant.log and
# fullsize-omniquant-manifests.tar.gz (each run's manifest.json).
set -euo pipefail
source "$(dirname "$0")/device-env.sh"
work=$root/build/measurements/.study-tmp/fullsize
rm -rf "$work" && mkdir -p "$work"
device=${DEVICE:-cuda}
settings=(${SETTINGS:-w4a8k w4g128})
log=$OUT/fullsize-omniquant.log
start=$SECONDS
wmq data generate --env pusht --out "$work/data" --trajectories ${TRAJECTORIES:-16} --steps 30 --seed 0 >> "$log" 2>&1
wmq train --device "$device" --config "$root/models/configs/dinov2-vits14.yaml" --data "$work/data" --out "$work/model" \
  --encoder-steps 1 --predictor-steps 1 --batch-size 2 --log-every 1 --checkpoint-every 0 >> "$log" 2>&1
echo "model made in $((SECONDS - start)) s" >> "$log"
# calibrate_s and optimise_s come from wmq's progress lines (the manifest times the quantize stage as a whole):
# calibration ends when "<method> over the model" starts, the optimisation ends at "N layers quantized".
printf 'setting\tcalibrate_s\toptimise_s\tquantize_s\twall_s\tlayers\n' > "$OUT/fullsize-omniquant.tsv"
for setting in "${settings[@]}"; do
  case $setting in
    w4a8k) weights="{ bits: 4, granularity: channel }" activations="{ bits: 8, granularity: per-token }" ;;
    w4g128) weights="{ bits: 4, granularity: group, group_size: 128 }" activations=none ;;
    *) echo "unknown setting $setting" >&2; exit 2 ;;
  esac
  cat > "$work/$setting.yaml" <<RECIPE
version: 1
name: fullsize-omniquant-$setting
model: { checkpoint: model/model.safetensors, config: model/model.yaml }
environment: pusht
device: $device
seed: 0
calibration: { episodes: ${CALIBRATION_EPISODES:-24}, seed_offset: 2, mpc_iterations: 1 }
quantization:
  method: omniquant
  weights: $weights
  activations: $activations
  method_options:
    omniquant: { epochs: ${EPOCHS:-20}, samples: ${SAMPLES:-128} }
evaluation: { episodes: 1, planner: { opt_steps: ${OPT_STEPS:-3} } }
artifact: { name: fullsize-omniquant-$setting }
RECIPE
  t0=$SECONDS
  wmq quantize "$work/$setting.yaml" --out "$work/artifacts" --cache "$work/cache-$setting" > "$work/$setting.log" 2>&1 || status=$?
  cat "$work/$setting.log" >> "$log"
  if ((${status:-0} != 0)); then echo "wmq quantize failed for $setting (exit $status); see $log" >&2; exit "$status"; fi
  wall=$((SECONDS - t0))
  manifest=$work/artifacts/fullsize-omniquant-$setting/manifest.json
  mkdir -p "$work/manifests" && cp "$manifest" "$work/manifests/$setting.manifest.json"
  python3 - "$manifest" "$setting" "$wall" "$work/$setting.log" >> "$OUT/fullsize-omniquant.tsv" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
log = open(sys.argv[4]).read()
begun = re.search(r"([0-9.]+)s quantize \[0/1\] \w+ over the model", log)
ended = re.search(r"([0-9.]+)s quantize \[1/1\] \d+ layers quantized", log)
calibrate = f"{float(begun.group(1)):.1f}" if begun else "n/a"
optimise = f"{float(ended.group(1)) - float(begun.group(1)):.1f}" if begun and ended else "n/a"
print(f'{sys.argv[2]}\t{calibrate}\t{optimise}\t{m["timings"].get("quantize", 0):.1f}\t{sys.argv[3]}\t{len(m["quantization"]["layers"])}')
PY
done
tar -C "$work" -czf "$OUT/fullsize-omniquant-manifests.tar.gz" manifests
cat "$OUT/fullsize-omniquant.tsv"

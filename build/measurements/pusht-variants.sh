#!/usr/bin/env bash
# PushT reference-model variants, trained side by side on the lent GPU, optionally ranked with a quick
# CPU-profile evaluation (50 episodes, 64 samples × 5 CEM steps, 30 MPC iterations).
#   usage (device tool, carry [".device"]):
#     bash build/measurements/pusht-variants.sh "<name>|<extra data args>|<train args>" ...
# Data: `wmq data generate --env pusht --trajectories 3000 --steps 100 --seed 0 --action-noise 0.2` plus the
# variant's data args (e.g. --exploration-share 0.4 --demo-pace-share 0.5); see models/pusht/MODEL_CARD.md.
# Everything comes back as one tarball in $OUT (the device tool returns few files).
# EVAL=0 skips the quick evaluation.
set -uo pipefail
out=/tmp/pusht-variants
results=${OUT:-/tmp}
train_limit=${TRAIN_LIMIT:-470}
eval_limit=${EVAL_LIMIT:-110}
mkdir -p "$out"
for spec in "$@"; do
  IFS='|' read -r name data_args train_args <<< "$spec"
  data=/tmp/pusht-data-$(echo "$data_args" | md5sum | cut -c1-8)
  # shellcheck disable=SC2086
  [[ -d $data ]] || bash .device/run.sh data generate --env pusht --out "$data" --trajectories 3000 --steps 100 --seed 0 \
    --action-noise 0.2 $data_args > "$out/$name.data.log" 2>&1
  # shellcheck disable=SC2086
  ( /usr/bin/time -f "%e s wall" timeout "$train_limit" bash .device/run.sh train --config models/configs/reference-pusht.yaml \
      --data "$data" --out "$out/$name" --device cuda --threads 4 --log-every 500 --checkpoint-every 2000 $train_args \
      > "$out/$name.train.log" 2>&1 ) &
done
wait
if [[ ${EVAL:-1} != 0 ]]; then
  for spec in "$@"; do
    name=${spec%%|*}
    [[ -f $out/$name/model.safetensors ]] || continue
    ( /usr/bin/time -f "%e s wall" timeout "$eval_limit" bash .device/run.sh eval --model "$out/$name/model.safetensors" --env pusht \
        --episodes 50 --samples 64 --top-k 8 --opt-steps 5 --max-iterations 30 --device cuda --threads 4 \
        --out "$out/$name.cpu-profile.json" > "$out/$name.eval.log" 2>&1 ) &
  done
  wait
fi
for spec in "$@"; do name=${spec%%|*}; echo "== $name"; tail -n 3 "$out/$name.train.log"; tail -n 4 "$out/$name.eval.log" 2>/dev/null; done
tar -C "$out" -czf "$results/pusht-variants.tgz" --exclude=checkpoints .

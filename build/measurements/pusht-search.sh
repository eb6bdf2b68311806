#!/usr/bin/env bash
# Second PushT search (2026-11-25): trains variants side by side on the lent GPU, then scores them with the
# study's planner on *selection* episodes (seeds 99·n+4, disjoint from the reported 99·n+1), so the model
# that is kept is not chosen on the episodes its card reports.
#   usage (device tool, carry [".device"]):
#     PHASE=train  bash build/measurements/pusht-search.sh "<name>|<data args>|<train args>" ...
#     PHASE=select bash build/measurements/pusht-search.sh <name> ...        (EPISODES, default 30)
#     PHASE=report bash build/measurements/pusht-search.sh <name> ...        (50 reported episodes)
# Data args default to `--trajectories 3000 --steps 100 --seed 0 --action-noise 0.2 --exploration-share 0.4
# --demo-pace-share 0.5` (models/pusht's data); train args default to models/pusht's recipe. A variant's own
# --config or --trajectories replaces the default. Training that hits TRAIN_LIMIT leaves its checkpoints;
# rerunning PHASE=train on the same warm machine resumes it. Results come back as one tarball per phase.
set -uo pipefail
work=/tmp/pusht-search
results=${OUT:-/tmp}
mkdir -p "$work"
with_default() { # with_default "<args>" <option> <value>: append the option unless the args name it
  if [[ " $1 " == *" $2 "* ]]; then echo "$1"; else echo "$1 $2 $3"; fi
}
bash .device/run.sh --version > /dev/null  # unpacks the runtime once, before the parallel runs
case ${PHASE:-train} in
train)
  for spec in "$@"; do
    IFS='|' read -r name data_args train_args <<< "$spec"
    data_args=$(with_default "$data_args" --trajectories 3000)
    for d in "--steps 100" "--seed 0" "--action-noise 0.2" "--exploration-share 0.4" "--demo-pace-share 0.5"; do
      data_args=$(with_default "$data_args" $d)
    done
    train_args=$(with_default "$train_args" --config models/configs/reference-pusht.yaml)
    for d in "--seed 0" "--encoder-steps 3000" "--predictor-steps 10000"; do train_args=$(with_default "$train_args" $d); done
    data=/tmp/pusht-data-$(echo "$data_args" | md5sum | cut -c1-8)
    (
      # shellcheck disable=SC2086
      mkdir -p "$data.lock" 2>/dev/null && { [[ -f $data/dataset.json ]] || bash .device/run.sh data generate --env pusht --out "$data" $data_args > "$work/$name.data.log" 2>&1; }; touch "$data.ready"
      until [[ -f $data.ready ]]; do sleep 1; done
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e s wall" timeout "${TRAIN_LIMIT:-540}" bash .device/run.sh train --data "$data" --out "$work/$name" \
        --device cuda --threads 3 --log-every 1000 --checkpoint-every 1000 $train_args >> "$work/$name.train.log" 2>&1
    ) &
  done
  wait
  for spec in "$@"; do name=${spec%%|*}; echo "== $name"; tail -n 2 "$work/$name.train.log"; done
  names=(); for spec in "$@"; do names+=("${spec%%|*}"); done
  ;;
select|report)
  if [[ $PHASE == select ]]; then extra="--seed-offset 4 --episodes ${EPISODES:-30}"; else extra="--episodes 50"; fi
  for name in "$@"; do
    # shellcheck disable=SC2086
    ( /usr/bin/time -f "%e s wall" timeout "${EVAL_LIMIT:-540}" bash .device/run.sh eval --model "$work/$name/model.safetensors" --env pusht \
        --samples 300 --top-k 30 --opt-steps 30 --max-iterations 30 --device cuda --threads 3 $extra \
        --out "$work/$name.$PHASE.json" > "$work/$name.$PHASE.log" 2>&1 ) &
  done
  wait
  for name in "$@"; do echo "== $name"; grep -E "^(success|iterations|time)" "$work/$name.$PHASE.log"; tail -n 1 "$work/$name.$PHASE.log"; done
  names=("$@")
  ;;
esac
# one tarball per variant (model without checkpoints when finished, logs, records); at most 8 come back
for name in "${names[@]}"; do
  excl=(); [[ -f $work/$name/model.safetensors ]] && excl=(--exclude="$name/checkpoints")
  tar -C "$work" -czf "$results/$name.${PHASE:-train}.tgz" "${excl[@]}" $(cd "$work" && ls -d "$name" "$name".* 2>/dev/null)
done
ls -la "$results"

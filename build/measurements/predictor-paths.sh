#!/usr/bin/env bash
# The predictor's two inference paths on the full-size DINO-WM (models/configs/dinov2-vits14.yaml, random
# weights: timing does not depend on values), side by side in one device call:
#   full         every rollout call runs the masked predictor over the whole window (--full-predictor);
#   incremental  the default: keys/values cached while the window grows, unmasked attention per frame,
#                the last layer on the last frame only;
# and, in bf16, with and without tensor-core padding of the 404-wide products (--no-padding).
# Writes one <name>.log per command under $OUT.
#
# Run on the GPU machine through the device tool, after ../shared/device/bundle.sh src/WmQuant.Cli/WmQuant.Cli.csproj:
#   carry [".device"], command: PART=rollout|plan-bf16|plan-fp32-tf32 bash build/measurements/predictor-paths.sh
set -euo pipefail
: "${OUT:?OUT must name the output folder (the device tool sets it)}"
mkdir -p "$OUT"
config=models/configs/dinov2-vits14.yaml

bench() {
  local name=$1
  shift
  echo "== $name: wmq $*" >&2
  bash .device/run.sh "$@" >"$OUT/$name.log" 2>&1 || echo "== $name failed (exit $?)" >&2
  grep -E '^(ms per rollout|effective|total|per episode|predictor|call)' "$OUT/$name.log" | sed "s/^/   $name: /" >&2 || true
}

both() {
  local name=$1
  shift
  bench "$name-full" "$@" --full-predictor
  bench "$name-incremental" "$@"
}

case ${PART:?PART must be rollout, plan-bf16 or plan-fp32-tf32} in
  rollout)
    # What one CEM step costs: PredictFinal of 300 samples over horizon 5 from one observed frame.
    for dtype in fp32 tf32 bf16; do
      both "rollout-$dtype" bench rollout --config "$config" --device cuda --dtype "$dtype" --batch 300 --horizon 5 --repeat 5 --warmup 2 --final-only
    done
    # bf16 without tensor-core padding (404-wide rows), and an aligned 408-wide model (embeddings of 12) for reference.
    both rollout-bf16-nopad bench rollout --config "$config" --device cuda --dtype bf16 --batch 300 --horizon 5 --repeat 5 --warmup 2 --final-only --no-padding
    sed -e "s/^action_emb_dim: 10/action_emb_dim: 12/" -e "s/^proprio_emb_dim: 10/proprio_emb_dim: 12/" -e "s/^name: .*/name: width-408/" "$config" >/tmp/width-408.yaml
    bench rollout-bf16-width408-nopad bench rollout --config /tmp/width-408.yaml --device cuda --dtype bf16 --batch 300 --horizon 5 --repeat 5 --warmup 2 --final-only --no-padding
    ;;
  plan-bf16)
    bench plan-bf16-full-nopad bench plan --config "$config" --env pusht --device cuda --dtype bf16 --episodes 10 --samples 300 --top-k 30 --opt-steps 30 --max-batch 1500 --full-predictor --no-padding
    bench plan-bf16-incremental bench plan --config "$config" --env pusht --device cuda --dtype bf16 --episodes 10 --samples 300 --top-k 30 --opt-steps 30 --max-batch 1500
    ;;
  plan-fp32-tf32)
    both plan-tf32 bench plan --config "$config" --env pusht --device cuda --dtype tf32 --episodes 4 --samples 300 --top-k 30 --opt-steps 30 --max-batch 600
    both plan-fp32 bench plan --config "$config" --env pusht --device cuda --dtype fp32 --episodes 2 --samples 300 --top-k 30 --opt-steps 30 --max-batch 600
    ;;
  *) echo "unknown PART '$PART'" >&2; exit 2 ;;
esac

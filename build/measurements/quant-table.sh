#!/usr/bin/env bash
# Issue 7's RTN table on a bundled model, study planner settings, 50 evaluation episodes (seeds 99·n+1),
# fake quantization, symmetric weights with fp16 scales; activations per-token dynamic, asymmetric.
# Each row writes <name>.json (wmq eval --out) and <name>.log under $OUT.
#
# TASK=wall (default; models/wall, 10 CEM steps, ≤ 50 MPC iterations) or TASK=pusht (models/pusht,
# 30 CEM steps, ≤ 30 MPC iterations), as the study plans each task.
#
# Run on the GPU machine through the device tool, after ../shared/device/bundle.sh src/WmQuant.Cli/WmQuant.Cli.csproj:
#   carry [".device"], command: TASK=pusht bash build/measurements/quant-table.sh [name ...]
# With names, only those rows run (the whole table may not fit one 10-minute device command); names are
# the first argument of each `row` line below. Rows of one table were run side by side on one GPU
# (one process per row), so their times are not speeds.
set -euo pipefail
: "${OUT:?OUT must name the output folder (the device tool sets it)}"
mkdir -p "$OUT"

case ${TASK:-wall} in
  wall) study=(--model models/wall/model.safetensors --env wall --opt-steps 10 --max-iterations 50) ;;
  pusht) study=(--model models/pusht/model.safetensors --env pusht --opt-steps 30 --max-iterations 30) ;;
  *) echo "TASK must be wall or pusht (got '$TASK')" >&2; exit 2 ;;
esac
study+=(--episodes 50 --samples 300 --top-k 30 --sigma 1 --seed 0 --device cuda --method rtn)
wanted=("$@")

row() {
  local name=$1
  shift
  if ((${#wanted[@]})) && [[ ! " ${wanted[*]} " == *" $name "* ]]; then
    return 0
  fi
  echo "== $name: wmq eval $*" >&2
  local start=$SECONDS
  bash .device/run.sh eval "${study[@]}" "$@" --out "$OUT/$name.json" >"$OUT/$name.log" 2>&1
  echo "== $name done in $((SECONDS - start)) s: $(grep -m1 '^success' "$OUT/$name.log" || true)" >&2
}

row fp32
row w8         --weight-bits 8 --granularity channel --scope all
row w6         --weight-bits 6 --granularity channel --scope all
row w4-channel --weight-bits 4 --granularity channel --scope all
row w4-g128    --weight-bits 4 --granularity group --group-size 128 --scope all
row w3-channel --weight-bits 3 --granularity channel --scope all
row w3-g128    --weight-bits 3 --granularity group --group-size 128 --scope all
row w4-g32     --weight-bits 4 --granularity group --group-size 32 --scope all
row w3-g32     --weight-bits 3 --granularity group --group-size 32 --scope all
row w8a8-token --weight-bits 8 --granularity channel --scope all --act-bits 8
row enc-w4     --weight-bits 4 --granularity channel --scope encoder
row pred-w4    --weight-bits 4 --granularity channel --scope predictor
# Once `wmq eval` has --act-granularity (static ranges need a calibration run first):
# row w8a8-tensor --weight-bits 8 --granularity channel --scope all --act-bits 8 --act-granularity tensor
row enc-w3     --weight-bits 3 --granularity channel --scope encoder
row pred-w3    --weight-bits 3 --granularity channel --scope predictor

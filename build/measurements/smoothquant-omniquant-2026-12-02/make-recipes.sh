#!/usr/bin/env bash
# Writes the recipes of this measurement into recipes/ (paths relative to each recipe, inside the repository).
# Usage: bash make-recipes.sh   (from this folder)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p recipes
write() { # model config-name method weights activations [method options]
  local model=$1 name=$2 method=$3 weights=$4 activations=$5 options=${6:-}
  local file="recipes/${model}-${name}-${method}.yaml"
  local real_method=$method
  if [ "$method" = rtnq ]; then
    # RTN with calibrated reports: smoothquant with both smoothing sites off quantizes exactly as rtn
    # (tested: Unsmoothed_layers_are_quantized_exactly_as_rtn_quantizes_them) and, unlike rtn without
    # static ranges, always calibrates, so the manifest carries per-layer output MSEs.
    real_method=smoothquant
    options="method_options: { smoothquant: { smooth_qkv: false, smooth_fc1: false } }"
  fi
  {
    echo "# Measurement recipe (quantize only): $model $name $method"
    echo "version: 1"
    echo "name: ${model}-${name}-${method}"
    echo "model: { checkpoint: ../../../../models/${model}/model.safetensors, config: ../../../../models/${model}/model.yaml }"
    echo "environment: ${model}"
    echo "device: cpu"
    echo "seed: 0"
    echo "calibration: { episodes: 50, seed_offset: 2, mpc_iterations: 2 }"
    echo "quantization:"
    echo "  method: ${real_method}"
    echo "  weights: ${weights}"
    echo "  activations: ${activations}"
    if [ -n "$options" ]; then echo "  ${options}"; fi
    echo "evaluation:"
    echo "  episodes: 50"
    echo "  planner: { profile: cpu }"
    echo "artifact: { name: ${model}-${name}-${method}, version: 1.0.0 }"
  } > "$file"
}
for model in wall pusht; do
  for method in rtn rtnq smoothquant omniquant; do
    [ "$method" = rtn ] && continue
    write $model w8a8-tensor $method "{ bits: 8, granularity: channel }" "{ bits: 8, granularity: per-tensor }"
    write $model w8a8-token $method "{ bits: 8, granularity: channel }" "{ bits: 8, granularity: per-token }"
    write $model w6a6-tensor $method "{ bits: 6, granularity: channel }" "{ bits: 6, granularity: per-tensor }"
    write $model w6a6-token $method "{ bits: 6, granularity: channel }" "{ bits: 6, granularity: per-token }"
    write $model w4a8-token $method "{ bits: 4, granularity: channel }" "{ bits: 8, granularity: per-token }"
  done
  # rtn itself where it calibrates (static ranges): the same numbers as rtnq, checked.
  write $model w8a8-tensor rtn "{ bits: 8, granularity: channel }" "{ bits: 8, granularity: per-tensor }"
  for method in rtnq awq omniquant; do
    write $model w4a16-g128 $method "{ bits: 4, granularity: group, group_size: 128 }" none
    write $model w3a16-g128 $method "{ bits: 3, granularity: group, group_size: 128 }" none
  done
done
ls recipes | wc -l

#!/usr/bin/env bash
# Quantizes the measurement recipes with the CLI (quantize only, no planning evaluation) and keeps each manifest here.
# Usage: bash run.sh timed|cached RECIPE...   (from the repository root; wmq built with
#   dotnet build WmQuantPipeline.sln -c Release)
#   timed:  --no-cache, so the manifest's timings.quantize is calibration + method
#   cached: a shared stage cache (/tmp/wmq-sq-omni-cache): calibration runs once per model and key
#           (omniquant's differs: it also records block inputs) and is reused bit for bit by the others
set -uo pipefail
mode=$1; shift
here=build/measurements/smoothquant-omniquant-2026-12-02
out=/tmp/wmq-sq-omni-artifacts
mkdir -p "$out" "$here/manifests" "$here/logs"
for recipe in "$@"; do
  name=$(basename "$recipe" .yaml)
  if [ "$mode" = timed ]; then cache=(--no-cache); else cache=(--cache /tmp/wmq-sq-omni-cache); fi
  start=$(date +%s.%N)
  dotnet src/WmQuant.Cli/bin/Release/net10.0/wmq.dll quantize "$recipe" "${cache[@]}" --device cpu --threads 1 --quiet \
    --out "$out" > "$here/logs/$name.$mode.log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  printf '%s\t%s\trc=%s\twall=%.1fs\tload=%s\n' "$name" "$mode" "$rc" "$(echo "$end - $start" | bc)" "$load" >> "$here/logs/runs.tsv"
  [ -f "$out/$name/manifest.json" ] && cp "$out/$name/manifest.json" "$here/manifests/$name.$mode.json"
done

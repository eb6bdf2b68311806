#!/usr/bin/env bash
# The GPU job of .github/workflows/quantize.yml, run the way its self-hosted runner would, on the lent GPU machine.
# Its steps in order, with the job's environment (CI=true, DOTNET_NOLOGO, DOTNET_CLI_TELEMETRY_OPTOUT):
#   checkout            -> the device tool's copy of the working tree
#   setup-dotnet, Build -> replaced by their effect: ../shared/device/bundle.sh published wmq with a .NET runtime
#                          (the GPU machine has no SDK and no package registry; carry [".device"])
#                          (its `dotnet publish -r linux-x64` adds a runtime section to src/WmQuant/packages.lock.json:
#                          restore the committed file afterwards with `git checkout src/WmQuant/packages.lock.json`)
#   Publish wmq         -> the bundle (CPU libtorch removed, LIBTORCH_DIR/LD_LIBRARY_PATH from the PyTorch install)
#   Doctor (CUDA)       -> wmq doctor --device cuda
#   Quantize, evaluate, gate -> what `dotnet cake build/build.cake --target=Gate --device=cuda` runs per recipe:
#                          wmq quantize, wmq run --skip-gates, then wmq run --junit (each later pass from the cache)
#   Upload              -> $OUT: one log per recipe, the summary table and the exit codes
# Every recipe matrix entry of the job: pipelines/*.yaml except base*.yaml. RECIPES overrides the list.
#   bash build/measurements/gpu-job.sh [recipe ...]
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export CI=true DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
cd "$root"
recipes=("$@")
if ((${#recipes[@]} == 0)); then
  for f in pipelines/*.yaml; do
    case "$(basename "$f")" in base.yaml|base-*.yaml|*.base.yaml) continue ;; esac
    recipes+=("$f")
  done
fi
# Logs go to a scratch folder and travel back as one archive (the device tool returns at most 8 files).
records=$(mktemp -d)
summary=$records/gpu-job.md
{
  echo "| recipe | quantize | evaluate (--skip-gates) | gate | seconds | status |"
  echo "|---|---|---|---|---|---|"
} > "$summary"
wmq doctor --device cuda > "$records/doctor.log" 2>&1
echo "doctor exit $?" >&2
worst=0
for recipe in "${recipes[@]}"; do
  name=$(basename "$recipe" .yaml)
  out=artifacts/$name
  log=$records/$name.log
  start=$SECONDS
  wmq quantize "$recipe" --json --quiet --out "$out/quantized" --cache .wmq/cache --device cuda > "$records/$name.quantize.json" 2> "$log"
  q=$?
  wmq run "$recipe" --json --quiet --out "$out/quantized" --cache .wmq/cache --device cuda --skip-gates > /dev/null 2>> "$log"
  e=$?
  mkdir -p "$out/junit"
  wmq run "$recipe" --json --quiet --out "$out/quantized" --cache .wmq/cache --device cuda --junit "$out/junit/$name.xml" > "$records/$name.json" 2>> "$log"
  g=$?
  status=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['status'])" "$records/$name.json" 2>/dev/null || echo "no result")
  echo "| $recipe | $q | $e | $g | $((SECONDS - start)) | $status |" >> "$summary"
  echo "== $recipe: quantize $q, evaluate $e, gate $g ($status) in $((SECONDS - start)) s" >&2
  ((g > worst)) && worst=$g
  cp "$summary" "$OUT/"   # so that a job cut short by the device's time limit still returns what it finished
done
cat "$summary" >&2
cp "$summary" "$OUT/"
tar -C "$records" -czf "$OUT/gpu-job-records.tar.gz" .
exit "$worst"

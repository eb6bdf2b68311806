# Sourced by the measurement scripts that run on the GPU machine through the device tool (gpu-job.sh,
# study-planning.sh, fullsize-omniquant.sh, precision-planning.sh, rollout-profile.sh): what each needs the same way.
#   OUT   the folder whose files come back (the device tool sets it); required.
#   root  the repository root.
#   wmq   starts wmq: the device bundle (bash .device/run.sh, from ../shared/device/bundle.sh) unless WMQ names
#         another command, e.g. WMQ="dotnet src/WmQuant.Cli/bin/Release/net10.0/wmq.dll" for a local check;
#         wmq_command holds the same as an array, for commands that take a program (timeout).
: "${OUT:?OUT must name the output folder (the device tool sets it)}"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -n ${WMQ:-} ]]; then read -r -a wmq_command <<< "$WMQ"; else wmq_command=(bash "$root/.device/run.sh"); fi
wmq() { "${wmq_command[@]}" "$@"; }

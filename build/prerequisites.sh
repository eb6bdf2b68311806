#!/usr/bin/env bash
# Installs what the build and tests need beyond the .NET SDK, once, idempotently:
#   gcc          builds the one-function libstdc++ shim for TorchSharp on older distributions
#   libchipmunk7 the 2-D physics engine the PushT parity tests compare against (tests only)
#   chromium     Debian's headless browser the HTML report test opens report.html in (tests only)
#   fonts-dejavu-core  the one font report images are drawn with (fixed, so PNGs are byte-stable)
#   python3      runs the standard-library compressed-tensors reader the artifact interoperability test checks against (tests only)
# Needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
ldconfig -p 2>/dev/null | grep -q 'libchipmunk.so.7' || missing+=(libchipmunk7)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ((${#missing[@]})); then
  echo "prerequisites: installing ${missing[*]}" >&2
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

#!/usr/bin/env bash
# Upstream DINO-WM's own CEM planner and `wmq bench plan`, side by side on the same GPU (PERFORMANCE.md, 2026-12-02).
#
# NOT YET RUN ON A GPU. Checked without one: upstream_plan_bench.py ran end to end on the CPU (Debian's torch 1.13 /
# torchvision 0.14, 'cuda' mapped to the CPU by a throwaway harness, 2 samples, 1 CEM step); this script ran with a
# made-up wmq (figures, a failure, a timeout, the time budget) and a missing torch for the upstream part.
#
# Parts, in order (PARTS picks them; each one's results are written as soon as they exist):
#   upstream  build/measurements/upstream_plan_bench.py: upstream's CEMPlanner + VWorldModel + ViTPredictor + DINOv2
#             vit_small (random weights), one episode per plan(), 1 warm-up + UPSTREAM_RUNS timed runs, per setting
#             (PushT 30 CEM steps, Wall 10) and mode (strict fp32, TF32) -> $OUT/upstream.json, $OUT/upstream.log
#   ours      `wmq bench plan --config models/configs/dinov2-vits14.yaml --env E --device cuda --samples 300
#             --top-k 30 --opt-steps 30|10 --episodes N --dtype D` per env E and dtype D -> $OUT/ours.tsv, $OUT/ours.log
#   summary   per-episode seconds side by side and the ratios against the targets: upstream fp32 / ours fp32 >= 1,
#             upstream TF32 / ours TF32 >= 3, upstream fp32 / ours bf16 >= 15 -> $OUT/side-by-side.{json,md}
#             (run again after every step, so a call cut at its limit still returns a summary of what finished)
#
# Upstream sources: the ignored folder .upstream/ (never committed; the device tool carries it). Fill it on the
# development machine from the fetch tool's mirrors (fetch github:gaoyuezhou/dino_wm and github:facebookresearch/dinov2
# return the two git directories), only the files needed, ~0.3 MB (the carried tree must stay under 64 MiB in all):
#   m1=/work/.mirror/gaoyuezhou+dino_wm/repo m2=/work/.mirror/facebookresearch+dinov2/repo
#   rm -rf .upstream && mkdir -p .upstream/dino_wm .upstream/dinov2
#   git --git-dir=$m1 archive HEAD -- LICENSE README.md conf models planning utils.py preprocessor.py \
#       datasets/img_transforms.py plan.py train.py | tar -x -C .upstream/dino_wm
#   git --git-dir=$m2 archive HEAD -- LICENSE hubconf.py dinov2/__init__.py dinov2/hub dinov2/models dinov2/layers \
#       | tar -x -C .upstream/dinov2
#   printf 'dino_wm %s\ndinov2 %s\n' "$(git --git-dir=$m1 rev-parse HEAD)" "$(git --git-dir=$m2 rev-parse HEAD)" \
#       > .upstream/COMMITS
# (As filled on 2026-12-03: dino_wm 0a9492fa12044b852ae9e001cc74604b79c8bb0c, dinov2
#  b8931f7bf91576930313be2c6d6af376033b35f0.)
#
# On the device (one call; carry [".device", ".upstream"]; timeout_s 600):
#   PARTS=upstream bash build/measurements/upstream-side-by-side.sh
# Estimated from the 2026-12-02 figures: upstream all four ≈ 4.5 min (PushT fp32 3 × 42 s, TF32 3 × 21 s, Wall a
# third of that); ours per episode (episodes together, plus a one-episode warm-up) PushT fp32 ~23 s, TF32 ~11 s,
# bf16 ~4 s, Wall a third. Everything does not fit one 10-minute call: split it with PARTS / OURS_ENVS / OURS_MODES /
# EPISODES*, and give a later call the earlier results through PREVIOUS (folders holding upstream.json / ours.tsv,
# copied into .upstream/results/ so that they travel). The summary alone runs anywhere, no GPU or torch needed:
#   OUT=/tmp/sbs PARTS=summary PREVIOUS=dir1:dir2 bash build/measurements/upstream-side-by-side.sh
#
# Settings (environment): PARTS ("upstream ours summary"), UPSTREAM_DIR (.upstream), UPSTREAM_MODES (fp32,tf32),
# UPSTREAM_SETTINGS (pusht,wall), UPSTREAM_RUNS (2), OURS_ENVS ("pusht wall"), OURS_MODES ("bf16 tf32 fp32"),
# EPISODES (50) with EPISODES_FP32 (10), EPISODES_TF32, EPISODES_BF16 (EPISODES) per dtype, BUDGET_S (570: no
# command starts, and each is cut by `timeout`, so that all is over this many seconds after the start),
# STEP_TIMEOUT (570: at most this per command), PREVIOUS, WMQ (the wmq command; default bash .device/run.sh).
set -uo pipefail
: "${OUT:?OUT must name the output folder (the device tool sets it)}"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
parts=" ${PARTS:-upstream ours summary} "
upstream=${UPSTREAM_DIR:-$root/.upstream}
budget=${BUDGET_S:-570}
step_timeout=${STEP_TIMEOUT:-570}
if [[ -n ${WMQ:-} ]]; then read -r -a wmq <<< "$WMQ"; else wmq=(bash "$root/.device/run.sh"); fi

# limit: seconds the next command may take (0 when the budget is spent).
limit() {
  local left=$((budget - SECONDS - 15))
  ((left > step_timeout)) && left=$step_timeout
  ((left < 0)) && left=0
  echo "$left"
}

summarize() {
  [[ $parts == *" summary "* ]] || return 0
  python3 - "$OUT" "${PREVIOUS:-}" "$upstream/COMMITS" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import csv, json, os, sys
out, previous, commits_file, ours_commit = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
TARGETS = {  # name: (upstream mode, ours dtype, the least upstream/ours ratio that meets the target)
    "fp32 vs upstream fp32": ("fp32", "fp32", 1.0),
    "tf32 vs upstream tf32": ("tf32", "tf32", 3.0),
    "bf16 vs upstream fp32": ("fp32", "bf16", 15.0),
}
REFERENCE = {("pusht", "fp32"): 42.30, ("pusht", "tf32"): 20.80}  # upstream on the H200, 2026-12-02

upstream, ours, sources, notes = {}, {}, [], []
for folder in [d for d in previous.split(":") if d] + [out]:  # later folders win: this call last
    path = os.path.join(folder, "upstream.json")
    if os.path.isfile(path):
        try:
            report = json.load(open(path))
        except ValueError as e:
            notes.append(f"{path}: unreadable ({e})")
            report = {}
        for r in report.get("results", []):
            upstream[(r["setting"], r["mode"])] = r
        notes += [f"upstream: {e}" for e in report.get("errors", [])]
        if report.get("results") and "finished" not in report:
            notes.append(f"{path}: cut short (no 'finished' time): the modes and settings listed are those that ended")
        if report:
            sources.append({"file": path, "torch": report.get("torch"), "device": report.get("device"),
                            "replacements": report.get("replacements")})
    path = os.path.join(folder, "ours.tsv")
    if os.path.isfile(path):
        for r in csv.DictReader(open(path), delimiter="\t"):
            if r["exit"] != "0" or not r["per_episode_s"]:
                notes.append(f"ours {r['env']} {r['dtype']} ({r['episodes']} episodes): exit {r['exit']}, no figure")
                continue
            ours[(r["env"], r["dtype"])] = r
        sources.append({"file": path})

commits = open(commits_file).read().split("\n") if os.path.isfile(commits_file) else []
rows, lines = [], []
lines.append("| setting | comparison | upstream per episode | ours per episode (episodes together) | upstream / ours | target | met |")
lines.append("|---|---|---|---|---|---|---|")
for env in ("pusht", "wall"):
    for name, (umode, dtype, target) in TARGETS.items():
        u, o = upstream.get((env, umode)), ours.get((env, dtype))
        if u is None and o is None:
            continue
        us = u["per_episode_s"] if u else None
        ours_s = float(o["per_episode_s"]) if o else None
        ratio = us / ours_s if us and ours_s else None
        met = None if ratio is None else ratio >= target
        rows.append({"setting": env, "comparison": name, "upstream_mode": umode, "ours_dtype": dtype,
                     "upstream_per_episode_s": us, "upstream_runs_s": u["runs_s"] if u else None,
                     "upstream_peak_allocated_gib": u["peak_allocated_gib"] if u else None,
                     "upstream_reference_2026_12_02_s": REFERENCE.get((env, umode)),
                     "ours_per_episode_s": ours_s, "ours_episodes": int(o["episodes"]) if o else None,
                     "ratio": ratio, "target": target, "met": met})
        ref = REFERENCE.get((env, umode))
        ucell = f"{us:.2f} s" + (f" (ref. {ref:.2f})" if ref else "") if us else "—"
        ocell = f"{ours_s:.3f} s ({o['episodes']})" if o else "—"
        rcell = f"{ratio:.2f}×" if ratio else "—"
        mcell = "—" if met is None else ("yes" if met else "no")
        lines.append(f"| {env} | {name} | {ucell} | {ocell} | {rcell} | ≥ {target:g}× | {mcell} |")
peaks = [f"{k[0]} {k[1]} {v['peak_allocated_gib']:.2f} / {v['peak_reserved_gib']:.2f} GiB" for k, v in sorted(upstream.items())]
md = ["# Upstream planner and wmq bench plan, side by side", "",
      f"ours at {ours_commit}; upstream {', '.join(c for c in commits if c) or 'commits unknown'}", "", *lines, ""]
if peaks:
    md += ["Upstream peak memory (allocated / reserved): " + "; ".join(peaks) + ".", ""]
if notes:
    md += ["Notes:", *[f"- {n}" for n in notes], ""]
json.dump({"ours_commit": ours_commit, "upstream_commits": [c for c in commits if c], "rows": rows,
           "upstream": [dict(v) for v in upstream.values()], "ours": list(ours.values()), "notes": notes,
           "sources": sources}, open(os.path.join(out, "side-by-side.json"), "w"), indent=2)
open(os.path.join(out, "side-by-side.md"), "w").write("\n".join(md))
print("\n".join(md))
PY
}

if [[ $parts == *" upstream "* ]]; then
  if [[ ! -f $upstream/dino_wm/planning/cem.py || ! -f $upstream/dinov2/hubconf.py ]]; then
    echo "no upstream sources under $upstream (see this script's header; carry .upstream)" | tee -a "$OUT/upstream.log"
  else
    cat "$upstream/COMMITS" >> "$OUT/upstream.log" 2>/dev/null
    t=$(limit)  # never 0 here: `timeout 0` would mean no limit at all
    ((t < 30)) && t=30
    echo "== upstream_plan_bench.py (timeout ${t}s)" >> "$OUT/upstream.log"
    timeout --kill-after=10 "$t" python3 build/measurements/upstream_plan_bench.py \
      --upstream "$upstream/dino_wm" --dinov2 "$upstream/dinov2" --modes "${UPSTREAM_MODES:-fp32,tf32}" \
      --settings "${UPSTREAM_SETTINGS:-pusht,wall}" --runs "${UPSTREAM_RUNS:-2}" --json "$OUT/upstream.json" \
      2>&1 | tee -a "$OUT/upstream.log"
    status=${PIPESTATUS[0]}
    echo "== upstream exit $status after ${SECONDS}s" | tee -a "$OUT/upstream.log"
    [[ -f $OUT/upstream.json ]] || printf '{"results": [], "errors": ["upstream_plan_bench.py exit %s before any result (upstream.log)"]}\n' \
      "$status" > "$OUT/upstream.json"
  fi
  summarize > /dev/null
fi

if [[ $parts == *" ours "* ]]; then
  tsv=$OUT/ours.tsv
  [[ -f $tsv ]] || printf 'env\tdtype\tepisodes\topt_steps\tper_episode_s\ttotal_s\texit\twall_s\n' > "$tsv"
  for env in ${OURS_ENVS:-pusht wall}; do
    case $env in pusht) steps=30 ;; wall) steps=10 ;; *) echo "unknown env $env" >&2; continue ;; esac
    for dtype in ${OURS_MODES:-bf16 tf32 fp32}; do
      case $dtype in
        fp32) episodes=${EPISODES_FP32:-10} ;;
        tf32) episodes=${EPISODES_TF32:-${EPISODES:-50}} ;;
        bf16) episodes=${EPISODES_BF16:-${EPISODES:-50}} ;;
        *) echo "unknown dtype $dtype" >&2; continue ;;
      esac
      t=$(limit)
      if ((budget - SECONDS - 15 < 30)); then
        echo "== ours $env $dtype: skipped, no time left" | tee -a "$OUT/ours.log"
        printf '%s\t%s\t%s\t%s\t\t\tskipped\t0\n' "$env" "$dtype" "$episodes" "$steps" >> "$tsv"
        continue
      fi
      echo "== ours $env $dtype, $episodes episodes (timeout ${t}s)" | tee -a "$OUT/ours.log"
      start=$SECONDS
      log=$(mktemp)
      timeout --kill-after=10 "$t" "${wmq[@]}" bench plan --config models/configs/dinov2-vits14.yaml --env "$env" \
        --device cuda --samples 300 --top-k 30 --opt-steps "$steps" --episodes "$episodes" --dtype "$dtype" 2>&1 \
        | tee "$log" | tee -a "$OUT/ours.log"
      status=${PIPESTATUS[0]}
      per=$(sed -n 's/^per episode *\([0-9.]*\) s.*/\1/p' "$log" | tail -n 1)
      total=$(sed -n 's/^total *\([0-9.]*\) s.*/\1/p' "$log" | tail -n 1)
      rm -f "$log"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$env" "$dtype" "$episodes" "$steps" "$per" "$total" "$status" \
        "$((SECONDS - start))" >> "$tsv"
      summarize > /dev/null
    done
  done
fi

summarize

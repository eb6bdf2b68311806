#!/usr/bin/env python3
"""Tables of per-layer output MSE (manifest quantization.layers[].output_mse) for this measurement.

Usage: python3 table.py > tables.md   (from this folder; reads manifests/*.json and logs/runs.tsv)
"""
import glob
import json
import math
import os

CONFIGS = [
    ("w8a8-tensor", "W8A8 per-tensor (static)", ["rtn", "smoothquant", "omniquant"]),
    ("w8a8-token", "W8A8 per-token", ["rtn", "smoothquant", "omniquant"]),
    ("w6a6-tensor", "W6A6 per-tensor (static)", ["rtn", "smoothquant", "omniquant"]),
    ("w6a6-token", "W6A6 per-token", ["rtn", "smoothquant", "omniquant"]),
    ("w4a8-token", "W4A8 per-token", ["rtn", "smoothquant", "omniquant"]),
    ("w4a16-g128", "W4A16 g128", ["rtn", "awq", "omniquant"]),
    ("w3a16-g128", "W3A16 g128", ["rtn", "awq", "omniquant"]),
]
LABEL = {"rtn": "RTN", "smoothquant": "SmoothQuant", "omniquant": "OmniQuant", "awq": "AWQ"}


def load(model, config, method):
    # RTN runs are named "rtn" or "rtnq" (the same method; rtnq recipes share the others' calibration key).
    names = ["rtn", "rtnq"] if method == "rtn" else [method]
    for name in names:
        for mode in ("timed", "cached"):
            path = f"manifests/{model}-{config}-{name}.{mode}.json"
            if os.path.exists(path):
                with open(path) as f:
                    return json.load(f), mode
    return None, None


def layers(manifest):
    return {l["name"]: l["output_mse"] for l in manifest["quantization"]["layers"]}


def fmt(x):
    return "—" if x is None else f"{x:.3e}"


def main():
    runs = {}
    if os.path.exists("logs/runs.tsv"):
        for line in open("logs/runs.tsv"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4:
                runs[(parts[0], parts[1])] = (parts[2], parts[3], parts[4] if len(parts) > 4 else "")
    out = []
    out.append("## Summary: summed per-layer output MSE (encoder | predictor), ratio to RTN, layers better than RTN\n")
    for model in ("wall", "pusht"):
        out.append(f"### {model}\n")
        out.append("| setting | method | Σ encoder | Σ predictor | enc / RTN | pred / RTN | geo-mean layer ratio | layers < RTN |")
        out.append("|---|---|---|---|---|---|---|---|")
        for config, title, methods in CONFIGS:
            base, _ = load(model, config, "rtn")
            if base is None:
                continue
            b = layers(base)
            for method in methods:
                m, _ = load(model, config, method)
                if m is None:
                    out.append(f"| {title} | {LABEL[method]} | not run | | | | | |")
                    continue
                v = layers(m)
                enc = sum(x for k, x in v.items() if k.startswith("encoder") and x is not None)
                pred = sum(x for k, x in v.items() if k.startswith("predictor") and x is not None)
                benc = sum(x for k, x in b.items() if k.startswith("encoder") and x is not None)
                bpred = sum(x for k, x in b.items() if k.startswith("predictor") and x is not None)
                ratios = [v[k] / b[k] for k in b if b[k] and v.get(k) is not None]
                geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else float("nan")
                better = sum(1 for k in b if b[k] is not None and v.get(k) is not None and v[k] < b[k])
                out.append(f"| {title} | {LABEL[method]} | {enc:.3e} | {pred:.3e} | {enc / benc:.3f} | {pred / bpred:.3f} | {geo:.3f} | {better}/{len(ratios)} |")
        out.append("")
    out.append("## Time (wmq quantize --threads 1; calibration and method split from the progress lines of logs/)\n")
    out.append("| recipe | mode | timings.quantize (s) | calibration (s) | method (s) | process wall (s) | load average at the end |")
    out.append("|---|---|---|---|---|---|---|")
    for path in sorted(glob.glob("manifests/*.json")):
        name, mode = os.path.basename(path)[:-5].rsplit(".", 1)
        with open(path) as f:
            m = json.load(f)
        rc, wall, loadavg = runs.get((name, mode), ("", "", ""))
        calibrated, quantized, started = None, None, None
        log = f"logs/{name}.{mode}.log"
        if os.path.exists(log):
            for line in open(log):
                fields = line.split()
                if len(fields) > 2 and fields[0].endswith("s") and fields[1] in ("calibrate", "quantize"):
                    t = float(fields[0][:-1])
                    if fields[1] == "calibrate":
                        calibrated = t
                    elif fields[2] == "[0/1]" and "over" in line:
                        started = t
                    elif fields[2] == "[1/1]":
                        quantized = t
        calibration = "cached" if calibrated is None else f"{calibrated:.1f}"
        method = "" if quantized is None or started is None else f"{quantized - started:.1f}"
        out.append(f"| {name} | {mode} | {m['timings'].get('quantize', 0):.1f} | {calibration} | {method} | "
                   f"{wall.replace('wall=', '').rstrip('s')} | {loadavg.replace('load=', '')} |")
    out.append("")
    out.append("## Per-layer output MSE\n")
    for model in ("wall", "pusht"):
        for config, title, methods in CONFIGS:
            loaded = [(method, load(model, config, method)[0]) for method in methods]
            if all(m is None for _, m in loaded):
                continue
            out.append(f"### {model}, {title}\n")
            out.append("| layer | " + " | ".join(LABEL[m] for m, _ in loaded) + " |")
            out.append("|---|" + "---|" * len(loaded))
            names = [l["name"] for l in next(m for _, m in loaded if m is not None)["quantization"]["layers"]]
            for name in names:
                cells = [fmt(layers(m).get(name)) if m is not None else "not run" for _, m in loaded]
                out.append(f"| {name} | " + " | ".join(cells) + " |")
            out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Times upstream DINO-WM's own CEM planner on its own world model, one episode per plan(), as upstream plans.

NOT YET RUN ON A GPU. Written from a reading of the upstream sources; checked only on the CPU with Debian's torch
1.13 / torchvision 0.14 through a throwaway harness that mapped 'cuda' to the CPU and stood in for SDPA (imports,
stand-ins, model build and plan() ran end to end at 2 samples, 1 CEM step). upstream-side-by-side.sh runs it on the
lent GPU machine.

What runs is upstream's code, imported from the source folders given (nothing of it is copied here):
  models.visual_world_model.VWorldModel, models.vit.ViTPredictor, models.dino.DinoV2Encoder,
  models.proprio.ProprioceptiveEmbedding, planning.cem.CEMPlanner, planning.objectives.create_objective_fn,
  preprocessor.Preprocessor and datasets/img_transforms.default_transform (loaded from its file).
It is built the way upstream's train.py / plan.py build it from conf/train.yaml and conf/plan_{pusht,wall}.yaml:
  encoder dinov2_vits14 patch tokens (emb 384), image 224 -> encoder input 196 (14 x 14 patches),
  proprio and action encoders ProprioceptiveEmbedding(emb 10), concat_dim 1, num_action/proprio_repeat 1,
  action dim 2 x frameskip 5 = 10, proprio dim 4 (PushT, with velocity) or 2 (Wall), num_hist 3, num_pred 1,
  predictor ViTPredictor(num_patches 196, num_frames 3, dim 404, depth 6, heads 16, mlp_dim 2048), no decoder;
  CEMPlanner(horizon 5, topk 30, num_samples 300, var_scale 1, opt_steps 30 (PushT) / 10 (Wall)),
  objective "last", alpha 1. Random weights (seeded); eval mode; encoder parameters frozen as train.py does.

What differs from upstream, and why (each is recorded in the JSON under "replacements"):
  * models/dino.py calls torch.hub.load("facebookresearch/dinov2", name), which needs the network: torch.hub.load
    is wrapped so that this one call loads the local dinov2 checkout (source="local", pretrained=False).
  * planning/cem.py imports `utils` (upstream's utils.py) for move_to_device; utils.py imports omegaconf (not
    installed there, and only needed by its cfg_to_dict), psutil and PIL. A module missing from these three is
    replaced in sys.modules by an empty stand-in before the import; nothing of them is called on the planning path.
  * No simulator, evaluator or wandb: evaluator=None (plan() then skips its evaluation), a wandb stand-in whose
    log() does nothing, log_filename=None. Start and goal observations are random 224 px images and proprio.

  python3 upstream_plan_bench.py --upstream .upstream/dino_wm --dinov2 .upstream/dinov2 \
      [--modes fp32,tf32] [--settings pusht,wall] [--runs 2] [--json upstream.json]
  (--samples / --opt-steps shrink the work for a quick smoke test.)
The JSON is rewritten after every finished (setting, mode), so a run cut short keeps what finished.
"""
import argparse
import importlib.util
import json
import os
import platform
import sys
import time
import traceback
import types

SETTINGS = {  # conf/plan_pusht.yaml, conf/plan_wall.yaml; proprio dims from datasets/{pusht,wall}_dset.py
    "pusht": {"opt_steps": 30, "proprio_dim": 4},
    "wall": {"opt_steps": 10, "proprio_dim": 2},
}
ACTION_DIM, FRAMESKIP, HORIZON, TOPK, VAR_SCALE = 2, 5, 5, 30, 1.0
IMG_SIZE, NUM_HIST, EMB_DIM_ACTION, EMB_DIM_PROPRIO = 224, 3, 10, 10
GIB = 1024 ** 3


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--upstream", required=True, help="dino_wm source folder")
    p.add_argument("--dinov2", required=True, help="dinov2 source folder (the one holding hubconf.py)")
    p.add_argument("--modes", default="fp32,tf32", help="fp32 (strict: no TF32 anywhere) and/or tf32")
    p.add_argument("--settings", default="pusht,wall", help=",".join(SETTINGS))
    p.add_argument("--runs", type=int, default=2, help="timed plan() calls after one warm-up")
    p.add_argument("--samples", type=int, default=300, help="CEM samples (300 upstream)")
    p.add_argument("--opt-steps", type=int, default=0, help="override CEM steps (0: the setting's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default="upstream.json", help="output file")
    args = p.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    args.settings = [s for s in args.settings.split(",") if s]
    bad = [m for m in args.modes if m not in ("fp32", "tf32")] + [s for s in args.settings if s not in SETTINGS]
    if bad:
        p.error(f"unknown mode or setting: {bad}")
    return args


def import_upstream(upstream, dinov2, replacements):
    """Puts upstream's folder first on sys.path, stands in for what it imports but does not need, and imports it."""
    import torch

    upstream, dinov2 = os.path.abspath(upstream), os.path.abspath(dinov2)
    for path in (os.path.join(upstream, "models", "visual_world_model.py"), os.path.join(dinov2, "hubconf.py")):
        if not os.path.isfile(path):
            sys.exit(f"missing {path}")
    sys.path.insert(0, upstream)
    for name in ("omegaconf", "psutil", "PIL"):  # imported by upstream's utils.py at module level only
        if importlib.util.find_spec(name) is None:
            stand_in = types.ModuleType(name)
            if name == "omegaconf":
                stand_in.OmegaConf = type("OmegaConf", (), {})
            if name == "PIL":
                stand_in.Image = types.ModuleType("PIL.Image")
                sys.modules["PIL.Image"] = stand_in.Image
            sys.modules[name] = stand_in
            replacements.append(f"{name}: not installed, empty stand-in module (only upstream utils.py imports it)")

    hub_load = torch.hub.load

    def local_hub_load(repo_or_dir, model, *args, **kwargs):
        if str(repo_or_dir).startswith("facebookresearch/dinov2"):
            return hub_load(dinov2, model, source="local", pretrained=False)
        return hub_load(repo_or_dir, model, *args, **kwargs)

    torch.hub.load = local_hub_load
    replacements.append(f"torch.hub.load('facebookresearch/dinov2', ...) -> local {dinov2}, pretrained=False")

    from models.dino import DinoV2Encoder
    from models.proprio import ProprioceptiveEmbedding
    from models.visual_world_model import VWorldModel
    from models.vit import ViTPredictor
    from planning.cem import CEMPlanner
    from planning.objectives import create_objective_fn
    from preprocessor import Preprocessor

    # datasets/ shares its name with a PyPI package; load the one file by path.
    spec = importlib.util.spec_from_file_location("dino_wm_img_transforms", os.path.join(upstream, "datasets", "img_transforms.py"))
    img_transforms = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(img_transforms)
    return types.SimpleNamespace(
        DinoV2Encoder=DinoV2Encoder, ProprioceptiveEmbedding=ProprioceptiveEmbedding, VWorldModel=VWorldModel,
        ViTPredictor=ViTPredictor, CEMPlanner=CEMPlanner, create_objective_fn=create_objective_fn,
        Preprocessor=Preprocessor, default_transform=img_transforms.default_transform)


def build_world_model(up, proprio_dim, seed):
    """Upstream's train.py init_models + plan.py load_model, with random weights."""
    import torch

    torch.manual_seed(seed)
    encoder = up.DinoV2Encoder(name="dinov2_vits14", feature_key="x_norm_patchtokens")
    for p in encoder.parameters():  # train_encoder: False
        p.requires_grad = False
    proprio_encoder = up.ProprioceptiveEmbedding(num_frames=1, tubelet_size=1, in_chans=proprio_dim,
                                                 emb_dim=EMB_DIM_PROPRIO, use_3d_pos=False)
    action_encoder = up.ProprioceptiveEmbedding(num_frames=1, tubelet_size=1, in_chans=ACTION_DIM * FRAMESKIP,
                                                emb_dim=EMB_DIM_ACTION, use_3d_pos=False)
    num_patches = (IMG_SIZE // 16) ** 2  # decoder_scale 16; concat_dim 1 adds no tokens
    predictor = up.ViTPredictor(num_patches=num_patches, num_frames=NUM_HIST,
                                dim=encoder.emb_dim + EMB_DIM_PROPRIO + EMB_DIM_ACTION,
                                depth=6, heads=16, mlp_dim=2048, dropout=0.1, emb_dropout=0, pool="mean")
    wm = up.VWorldModel(image_size=IMG_SIZE, num_hist=NUM_HIST, num_pred=1, encoder=encoder,
                        proprio_encoder=proprio_encoder, action_encoder=action_encoder, decoder=None,
                        predictor=predictor, proprio_dim=EMB_DIM_PROPRIO, action_dim=EMB_DIM_ACTION, concat_dim=1,
                        num_action_repeat=1, num_proprio_repeat=1, train_encoder=False, train_predictor=True,
                        train_decoder=True)
    wm.to("cuda")
    wm.eval()
    return wm


class NoWandb:
    def log(self, *args, **kwargs):
        pass


def set_tf32(on):
    """Legacy flags, as the 2026-12-02 measurement set them; the newer fp32_precision API if they are gone."""
    import torch

    try:
        torch.backends.cuda.matmul.allow_tf32 = on
        torch.backends.cudnn.allow_tf32 = on
        return f"allow_tf32={on}"
    except (AttributeError, RuntimeError):
        torch.backends.cuda.matmul.fp32_precision = "tf32" if on else "ieee"
        torch.backends.cudnn.conv.fp32_precision = "tf32" if on else "ieee"
        return f"fp32_precision={'tf32' if on else 'ieee'}"


def time_setting(up, wm, name, setting, mode, args, rng_seed):
    import numpy as np
    import torch

    proprio_dim = setting["proprio_dim"]
    opt_steps = args.opt_steps or setting["opt_steps"]
    how = set_tf32(mode == "tf32")
    preprocessor = up.Preprocessor(
        action_mean=torch.zeros(ACTION_DIM), action_std=torch.ones(ACTION_DIM),
        state_mean=torch.zeros(proprio_dim), state_std=torch.ones(proprio_dim),
        proprio_mean=torch.zeros(proprio_dim), proprio_std=torch.ones(proprio_dim),
        transform=up.default_transform(img_size=IMG_SIZE))
    planner = up.CEMPlanner(
        horizon=HORIZON, topk=TOPK, num_samples=args.samples, var_scale=VAR_SCALE, opt_steps=opt_steps,
        eval_every=1, wm=wm, action_dim=ACTION_DIM * FRAMESKIP,
        objective_fn=up.create_objective_fn(alpha=1, base=2, mode="last"), preprocessor=preprocessor,
        evaluator=None, wandb_run=NoWandb(), log_filename=None)
    rng = np.random.default_rng(rng_seed)

    # One episode, one frame: (1, 1, H, W, C) uint8 images and (1, 1, D) proprio, as plan.py passes them. Keep 224 px:
    # default_transform's Resize(224) then returns the (b, t, c, h, w) tensor unchanged (torchvision >= 0.15); at any
    # other size torchvision's tensor resize refuses upstream's 5-D input.
    def observation():
        return {"visual": rng.integers(0, 256, (1, 1, IMG_SIZE, IMG_SIZE, 3), dtype=np.uint8),
                "proprio": rng.standard_normal((1, 1, proprio_dim)).astype(np.float32)}

    obs_0, obs_g = observation(), observation()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    seconds = []
    for run in range(1 + args.runs):
        torch.manual_seed(args.seed + 1)  # the same samples every run
        torch.cuda.synchronize()
        start = time.perf_counter()
        mu, _ = planner.plan(obs_0=obs_0, obs_g=obs_g)
        torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
        print(f"  {name} {mode} {'warm-up' if run == 0 else f'run {run}'}: {seconds[-1]:.2f} s", flush=True)
    timed = seconds[1:] or seconds
    return {
        "setting": name, "mode": mode, "tf32": how, "opt_steps": opt_steps, "samples": args.samples,
        "horizon": HORIZON, "topk": TOPK, "episodes_per_plan": 1,
        "warmup_s": round(seconds[0], 4), "runs_s": [round(s, 4) for s in timed],
        "per_episode_s": round(sum(timed) / len(timed), 4),
        "peak_allocated_gib": round(torch.cuda.max_memory_allocated() / GIB, 3),
        "peak_reserved_gib": round(torch.cuda.max_memory_reserved() / GIB, 3),
        "plan_finite": bool(torch.isfinite(mu).all().item()),
    }


def main():
    args = parse_args()
    import torch

    report = {
        "tool": "build/measurements/upstream_plan_bench.py", "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(), "torch": torch.__version__, "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "upstream": os.path.abspath(args.upstream), "dinov2": os.path.abspath(args.dinov2),
        "argv": sys.argv[1:], "replacements": [], "results": [], "errors": [],
    }

    def save():
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=2)
        os.replace(tmp, args.json)

    if not torch.cuda.is_available():
        report["errors"].append("no CUDA device (upstream's ViT predictor puts its mask on 'cuda')")
        save()
        sys.exit(report["errors"][-1])
    try:
        up = import_upstream(args.upstream, args.dinov2, report["replacements"])
    except Exception as e:  # an import that moved or is missing: say which
        report["errors"].append(f"importing upstream: {e!r}")
        save()
        raise
    save()
    print(f"{'setting':8} {'mode':5} {'steps':>5} {'per episode':>12} {'runs':>20} {'peak alloc/reserved':>20}", flush=True)
    for name in args.settings:
        try:
            wm = build_world_model(up, SETTINGS[name]["proprio_dim"], args.seed)
        except Exception as e:
            report["errors"].append(f"{name}: building the model: {e!r}")
            traceback.print_exc()
            save()
            continue
        for mode in args.modes:
            try:
                r = time_setting(up, wm, name, SETTINGS[name], mode, args, args.seed + 2)
            except Exception as e:  # out of memory, an API that moved: record, go on
                report["errors"].append(f"{name} {mode}: {e!r}")
                traceback.print_exc()
                save()
                continue
            report["results"].append(r)
            save()
            runs = ", ".join(f"{s:.2f}" for s in r["runs_s"])
            print(f"{name:8} {mode:5} {r['opt_steps']:5d} {r['per_episode_s']:10.2f} s {runs:>20} "
                  f"{r['peak_allocated_gib']:8.2f} / {r['peak_reserved_gib']:.2f} GiB", flush=True)
        del wm
        torch.cuda.empty_cache()
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    save()
    sys.exit(1 if report["errors"] else 0)


if __name__ == "__main__":
    main()

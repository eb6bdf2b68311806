using TorchSharp;
using TorchSharp.Modules;
using WmQuant.Models.Config;
using WmQuant.Models.Decoder;
using WmQuant.Models.Diagnostics;
using WmQuant.Models.Embeddings;
using WmQuant.Models.Encoder;
using WmQuant.Models.Layers;
using WmQuant.Models.Predictor;
using static TorchSharp.torch;

namespace WmQuant.Models;

/// <summary>
/// The DINO-WM world model (upstream VWorldModel): frozen DINOv2 encoder, action and proprio
/// step embeddings tiled onto every patch token (concat_dim 1), a frame-causal ViT predictor,
/// and an optional decoder. State-dict names match upstream so converted checkpoints load.
/// Token layout along the last axis: [visual Dv | proprio Dp | action Da].
/// </summary>
public sealed class DinoWorldModel : nn.Module
{
    private const int EncoderChunk = 256;

#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private readonly DinoV2Encoder encoder;
    private readonly ViTPredictor predictor;
    private readonly StepEmbedding action_encoder;
    private readonly StepEmbedding proprio_encoder;
    private readonly PatchGridDecoder? decoder;
#pragma warning restore IDE1006

    /// <summary>Builds the model for <paramref name="config"/> with every parameter drawn from <paramref name="seed"/>.</summary>
    public DinoWorldModel(WorldModelConfig config, int seed = 0) : this(config, (int?)seed)
    {
    }

    private DinoWorldModel(WorldModelConfig config, int? seed) : base(nameof(DinoWorldModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = config.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid model config: " + string.Join("; ", problems), nameof(config));
        }

        Config = config;
        encoder = new DinoV2Encoder(config.Encoder, config.PatchSize);
        predictor = new ViTPredictor(config.Predictor, config.TokenDim, config.PatchesPerFrame, config.NumHist);
        action_encoder = new StepEmbedding(config.ActionInputDim, config.ActionEmbDim);
        proprio_encoder = new StepEmbedding(config.ProprioDim, config.ProprioEmbDim);
        decoder = config.Decoder.Enabled ? new PatchGridDecoder(config.Decoder, config.Encoder.Dim, config.GridSize, config.ImageSize) : null;
        RegisterComponents();
        foreach (var (name, layer) in NamedLinears())
        {
            layer.FullName = name;
        }

        action_encoder.FullName = ModuleGroups.Prefix(ModuleGroup.ActionEncoder) + ".patch_embed";
        proprio_encoder.FullName = ModuleGroups.Prefix(ModuleGroup.ProprioEncoder) + ".patch_embed";

        if (seed is { } s)
        {
            ParameterInitialization.Apply(this, s);
        }

        // DINO-WM freezes the encoder: no gradients flow into it when the predictor trains.
        foreach (var parameter in encoder.parameters())
        {
            parameter.requires_grad = false;
        }

        eval();
    }

    /// <summary>Builds the model with zeroed parameters: for loading a checkpoint (which overwrites them all) or counting parameters, without paying for initialisation.</summary>
    public static DinoWorldModel CreateForLoading(WorldModelConfig config) => new(config, null);

    /// <summary>The shape this model was built with.</summary>
    public WorldModelConfig Config { get; }

    /// <summary>The DINOv2 encoder.</summary>
    public DinoV2Encoder Encoder => encoder;

    /// <summary>The frame-causal predictor.</summary>
    public ViTPredictor Predictor => predictor;

    /// <summary>The action step embedding.</summary>
    public StepEmbedding ActionEncoder => action_encoder;

    /// <summary>The proprio step embedding.</summary>
    public StepEmbedding ProprioEncoder => proprio_encoder;

    /// <summary>The visualisation decoder, or null when the config has none.</summary>
    public PatchGridDecoder? Decoder => decoder;

    /// <summary>Device of the parameters.</summary>
    public Device Device => encoder.PosEmbed.device;

    /// <summary>Element type of the parameters (inputs are cast to it).</summary>
    public ScalarType Dtype => encoder.PosEmbed.dtype;

    /// <summary>Sets how every attention in the model is computed.</summary>
    public AttentionKernel AttentionKernel
    {
        set
        {
            foreach (var block in encoder.Blocks)
            {
                block.Attn.Kernel = value;
            }

            foreach (var layer in predictor.Transformer.Layers)
            {
                layer.Attention.Kernel = value;
            }
        }
    }

    /// <summary>Sets whether half-precision Linear products on CUDA are zero-padded to aligned widths (see <see cref="TensorCorePadding"/>).</summary>
    public bool PadForTensorCores
    {
        set
        {
            foreach (var (_, layer) in NamedLinears())
            {
                layer.PadForTensorCores = value;
            }
        }
    }

    /// <summary>Moves and casts every parameter (bf16 on CUDA is the fast inference path; there is no autocast in TorchSharp).</summary>
    public DinoWorldModel MoveTo(Device device, ScalarType dtype)
    {
        _to(device, dtype, false);
        return this;
    }

    /// <summary>Every quantizable Linear with its full state-dict-style name, in model order.</summary>
    public IEnumerable<(string Name, QuantizableLinear Layer)> NamedLinears() =>
        named_modules().Where(m => m.module is QuantizableLinear).Select(m => (m.name, (QuantizableLinear)m.module));

    /// <summary>
    /// Every layer quantization can reach, with its full name, in model order: the Linears, then the action and
    /// proprio step embeddings (kernel-1 convolutions, named "action_encoder.patch_embed" and "proprio_encoder.patch_embed").
    /// </summary>
    public IEnumerable<(string Name, IQuantizableLayer Layer)> NamedQuantizableLayers() =>
        NamedLinears().Select(l => (l.Name, (IQuantizableLayer)l.Layer))
            .Append((action_encoder.FullName, action_encoder))
            .Append((proprio_encoder.FullName, proprio_encoder));

    /// <summary><see cref="NamedQuantizableLayers"/> keyed by full name (ordinal), as methods and packing look layers up.</summary>
    public Dictionary<string, IQuantizableLayer> QuantizableLayersByName() =>
        NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer, StringComparer.Ordinal);

    /// <summary>Parameter count of one group (e.g. 22,056,576 for the full-size encoder).</summary>
    public long ParameterCount(ModuleGroup group) =>
        named_parameters().Where(p => ModuleGroups.Of(p.name) == group).Sum(p => p.parameter.numel());

    /// <summary>Encodes images [N, 3, H, W] in [0,1] to visual tokens [N, P, Dv] with the frozen encoder.</summary>
    public Tensor EncodeVisual(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var chunks = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += EncoderChunk)
        {
            var end = Math.Min(images.shape[0], start + EncoderChunk);
            var x = ImagePreprocessing.ToEncoderInput(images[(int)start..(int)end].to(Device), Config.ImageSize, Dtype);
            chunks.Add(encoder.forward(x));
        }

        return (chunks.Count == 1 ? chunks[0] : cat(chunks, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>Encodes observations: images [B, T, 3, H, W] in [0,1] and proprio [B, T, proprio_dim].</summary>
    public LatentObservation EncodeObservations(Tensor images, Tensor proprio)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(proprio);
        using var scope = NewDisposeScope();
        var b = images.shape[0];
        var t = images.shape[1];
        var visual = EncodeVisual(images.reshape(b * t, images.shape[2], images.shape[3], images.shape[4]));
        visual = visual.reshape(b, t, visual.shape[1], visual.shape[2]);
        var proprioEmb = EncodeProprio(proprio);
        return new LatentObservation(visual, proprioEmb).MoveToOuterDisposeScope();
    }

    /// <summary>Embeds proprio [B, T, proprio_dim] → [B, T, proprio_emb_dim].</summary>
    public Tensor EncodeProprio(Tensor proprio)
    {
        ArgumentNullException.ThrowIfNull(proprio);
        return proprio_encoder.forward(proprio.to(Dtype, Device));
    }

    /// <summary>Embeds actions [B, T, action_dim·frameskip] → [B, T, action_emb_dim].</summary>
    public Tensor EncodeActions(Tensor actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        return action_encoder.forward(actions.to(Dtype, Device));
    }

    /// <summary>Builds full tokens [B, T, P, Dtot] from visual [B,T,P,Dv], proprio embedding [B,T,Dp] and action embedding [B,T,Da], tiling the embeddings onto every patch.</summary>
    public Tensor ComposeTokens(Tensor visual, Tensor proprioEmb, Tensor actionEmb)
    {
        ArgumentNullException.ThrowIfNull(visual);
        using var scope = NewDisposeScope();
        var patches = visual.shape[2];
        return cat([visual, Tile(proprioEmb, patches, Config.NumProprioRepeat), Tile(actionEmb, patches, Config.NumActionRepeat)], 3)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Splits full tokens [B, T, P, Dtot] into the observation part and the action embedding [B, T, Da] (upstream separate_emb).</summary>
    public (LatentObservation Observation, Tensor ActionEmb) SplitTokens(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        var dv = Config.Encoder.Dim;
        var dp = Config.ProprioTokenDim;
        var visual = z[.., .., .., ..dv];
        var proprio = z[.., .., 0, dv..(dv + Config.ProprioEmbDim)];
        var action = z[.., .., 0, (dv + dp)..(dv + dp + Config.ActionEmbDim)];
        return (new LatentObservation(visual, proprio), action);
    }

    /// <summary>Overwrites the action channels of tokens [B, T, P, Dtot] with the embedding of <paramref name="actions"/> [B, T, action_dim·frameskip].</summary>
    public Tensor ReplaceActions(Tensor z, Tensor actions)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        var keep = z[.., .., .., ..(int)(Config.TokenDim - Config.ActionTokenDim)];
        return cat([keep, Tile(EncodeActions(actions), z.shape[2], Config.NumActionRepeat)], 3).MoveToOuterDisposeScope();
    }

    /// <summary>Teacher-forced prediction: tokens [B, T, P, Dtot] → the predictor's output for every frame, [B, T, P, Dtot]; frame t's output is the prediction of frame t+1.</summary>
    public Tensor PredictNext(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        var (b, t, p, d) = (z.shape[0], z.shape[1], z.shape[2], z.shape[3]);
        return predictor.forward(z.reshape(b, t * p, d)).reshape(b, t, p, d).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Upstream VWorldModel.rollout: <paramref name="start"/> holds n observed frames [B, n, …];
    /// <paramref name="actions"/> [B, H, action_dim·frameskip] with H ≥ n, whose first n belong to the
    /// observed frames. Returns all H+1 frames (observed, then predicted; the last is the final prediction).
    /// </summary>
    public LatentObservation Rollout(LatentObservation start, Tensor actions)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var frames = RolloutFrames(start, actions, keepAll: true);
        return SplitTokens(cat(frames, 1)).Observation.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// As <see cref="Rollout"/> but returns the full tokens [B, H+1, P, Dtot] the predictor was fed, every predicted
    /// patch's own proprio channels included (<see cref="Rollout"/> reports patch 0's), so a training loss can be
    /// checked against the planner's rollout exactly.
    /// </summary>
    public Tensor RolloutTokens(LatentObservation start, Tensor actions)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return cat(RolloutFrames(start, actions, keepAll: true), 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// As <see cref="Rollout"/> but returns only the final predicted frame [B, 1, …]: all a terminal-cost planner needs.
    /// Gradients flow only when <paramref name="actions"/> require them (gradient planners); otherwise no graph is kept.
    /// </summary>
    public LatentObservation PredictFinal(LatentObservation start, Tensor actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        using var noGrad = actions.requires_grad ? null : no_grad();
        using var scope = NewDisposeScope();
        var frames = RolloutFrames(start, actions, keepAll: false);
        return SplitTokens(frames[^1]).Observation.MoveToOuterDisposeScope();
    }

    /// <summary>Decodes visual tokens [N, P, Dv] to images [N, 3, S, S] in [0,1] (reports only).</summary>
    public Tensor Decode(Tensor visual)
    {
        ArgumentNullException.ThrowIfNull(visual);
        if (decoder is null)
        {
            throw new InvalidOperationException($"model '{Config.Name}' has no decoder (decoder.enabled is false)");
        }

        using var noGrad = no_grad();
        return decoder.forward(visual.to(Dtype, Device));
    }

    private List<Tensor> RolloutFrames(LatentObservation start, Tensor actions, bool keepAll)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(actions);
        var n = start.Frames;
        var horizon = actions.shape[1];
        if (actions.shape[0] != start.Batch)
        {
            throw new ArgumentException($"actions batch {actions.shape[0]} differs from observations batch {start.Batch}", nameof(actions));
        }

        if (horizon < n)
        {
            throw new ArgumentException($"{horizon} actions for {n} observed frames: need at least one per observed frame", nameof(actions));
        }

        var actionEmb = EncodeActions(actions);
        var z = ComposeTokens(start.Visual.to(Dtype, Device), start.Proprio.to(Dtype, Device), actionEmb[.., ..(int)n]);
        var frames = new List<Tensor>();
        for (var i = 0; i < n; i++)
        {
            frames.Add(z[.., i..(i + 1)]);
        }

        var patches = z.shape[2];
        return RollForward(frames, horizon, t => Tile(actionEmb[.., (int)t..(int)(t + 1)], patches, Config.NumActionRepeat), keepAll);
    }

    /// <summary>
    /// The rollout loop that planning and training share (upstream VWorldModel.rollout): after the n frames of tokens
    /// already in <paramref name="frames"/>, predicts frames n … <paramref name="horizon"/>, each from the last num_hist
    /// frames; each predicted frame before the last takes <paramref name="actionTokens"/>(t) [B, 1, P, action channels]
    /// as its action channels. Keeps gradients: planners call it under no_grad. Without <paramref name="keepAll"/> only
    /// the last num_hist frames are kept.
    /// </summary>
    internal List<Tensor> RollForward(List<Tensor> frames, long horizon, Func<long, Tensor> actionTokens, bool keepAll)
    {
        long n = frames.Count;
        long dropped = 0;
        using var cache = predictor.SupportsIncrementalInference ? new PredictorKeyValueCache(Config.Predictor.Depth) : null;
        for (var t = n; t <= horizon; t++)
        {
            var next = cache is null ? PredictNext(Window(frames, Config.NumHist))[.., ^1..] : PredictLastFrame(frames, dropped, cache);
            if (t < horizon)
            {
                var predicted = next;
                next = PhaseProfile.Time("rollout action tokens", () =>
                    cat([predicted[.., .., .., ..(int)(Config.TokenDim - Config.ActionTokenDim)], actionTokens(t)], 3));
            }

            frames.Add(next);
            if (!keepAll && frames.Count > Config.NumHist)
            {
                frames.RemoveAt(0);
                dropped++;
            }
        }

        return frames;
    }

    /// <summary>
    /// The predictor's output for the last frame of the window over <paramref name="frames"/> ([B, 1, P, D] each;
    /// <paramref name="dropped"/> earlier ones already removed), computed incrementally: while the window still starts
    /// at the rollout's first frame, frames in <paramref name="cache"/> keep their positions and are not recomputed.
    /// </summary>
    private Tensor PredictLastFrame(List<Tensor> frames, long dropped, PredictorKeyValueCache cache)
    {
        using var scope = NewDisposeScope();
        var from = Math.Max(0, frames.Count - Config.NumHist);
        var (b, p, d) = (frames[0].shape[0], frames[0].shape[2], frames[0].shape[3]);
        Tensor output;
        if (from + dropped == 0)
        {
            var cached = (int)cache.Frames;
            var fresh = PhaseProfile.Time("rollout window", () =>
                Window(frames.GetRange(cached, frames.Count - cached), frames.Count - cached).reshape(b, -1, d));
            output = predictor.ForwardLastFrame(fresh, cache, extendCache: frames.Count < Config.NumHist);
        }
        else
        {
            using var scratch = new PredictorKeyValueCache(Config.Predictor.Depth);
            var window = PhaseProfile.Time("rollout window", () => Window(frames, Config.NumHist).reshape(b, -1, d));
            output = predictor.ForwardLastFrame(window, scratch, extendCache: false);
        }

        return output.reshape(b, 1, p, d).MoveToOuterDisposeScope();
    }

    private static Tensor Window(List<Tensor> frames, int numHist)
    {
        var from = Math.Max(0, frames.Count - numHist);
        return frames.Count - from == 1 ? frames[from] : cat(frames.GetRange(from, frames.Count - from), 1);
    }

    private static Tensor Tile(Tensor emb, long patches, int repeats)
    {
        var tiled = emb.unsqueeze(2).expand(emb.shape[0], emb.shape[1], patches, emb.shape[2]);
        return repeats == 1 ? tiled : tiled.repeat(1, 1, 1, repeats);
    }
}

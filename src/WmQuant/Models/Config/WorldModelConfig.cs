using YamlDotNet.Serialization;

namespace WmQuant.Models.Config;

/// <summary>
/// Shape of the whole DINO-WM world model. Kept as data (YAML beside the weights) so the
/// full-size model and the small CPU reference models are the same code.
/// </summary>
public sealed record WorldModelConfig
{
    /// <summary>Name shown in reports and benchmarks.</summary>
    public string Name { get; init; } = "unnamed";

    /// <summary>Side of the square image the encoder sees; inputs of another size are resized.</summary>
    public int ImageSize { get; init; } = 196;

    /// <summary>Side of one square patch; ImageSize / PatchSize patches per side.</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>The DINOv2-style encoder.</summary>
    public EncoderConfig Encoder { get; init; } = new();

    /// <summary>The frame-causal ViT predictor.</summary>
    public PredictorConfig Predictor { get; init; } = new();

    /// <summary>The visualisation decoder.</summary>
    public DecoderConfig Decoder { get; init; } = new();

    /// <summary>Frames of history the predictor sees (its positional embedding covers this many).</summary>
    public int NumHist { get; init; } = 3;

    /// <summary>Frames predicted per step (upstream uses 1).</summary>
    public int NumPred { get; init; } = 1;

    /// <summary>Environment steps per model step; actions arrive concatenated over them.</summary>
    public int Frameskip { get; init; } = 5;

    /// <summary>Dimension of one environment action (before frameskip concatenation).</summary>
    public int ActionDim { get; init; } = 2;

    /// <summary>Output dimension of the action encoder.</summary>
    public int ActionEmbDim { get; init; } = 10;

    /// <summary>Dimension of the proprioceptive state.</summary>
    public int ProprioDim { get; init; } = 4;

    /// <summary>Output dimension of the proprio encoder.</summary>
    public int ProprioEmbDim { get; init; } = 10;

    /// <summary>How action/proprio embeddings join the visual tokens: 1 tiles them onto every patch (the only mode supported).</summary>
    public int ConcatDim { get; init; } = 1;

    /// <summary>How many times the action embedding is repeated along the feature axis (upstream num_action_repeat).</summary>
    public int NumActionRepeat { get; init; } = 1;

    /// <summary>How many times the proprio embedding is repeated along the feature axis (upstream num_proprio_repeat).</summary>
    public int NumProprioRepeat { get; init; } = 1;

    /// <summary>Patches per side of the encoder grid.</summary>
    [YamlIgnore]
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Patch tokens per frame.</summary>
    [YamlIgnore]
    public int PatchesPerFrame => GridSize * GridSize;

    /// <summary>Action input of the action encoder: one model step carries frameskip environment actions.</summary>
    [YamlIgnore]
    public int ActionInputDim => ActionDim * Frameskip;

    /// <summary>Width of the action channels in a token (after repeats).</summary>
    [YamlIgnore]
    public int ActionTokenDim => ActionEmbDim * NumActionRepeat;

    /// <summary>Width of the proprio channels in a token (after repeats).</summary>
    [YamlIgnore]
    public int ProprioTokenDim => ProprioEmbDim * NumProprioRepeat;

    /// <summary>Full token width the predictor works on: visual + proprio + action channels.</summary>
    [YamlIgnore]
    public int TokenDim => Encoder.Dim + ProprioTokenDim + ActionTokenDim;

    /// <summary>Every inconsistency a user can fix, all at once; empty when the config is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                problems.Add(message);
            }
        }

        Require(ImageSize > 0 && PatchSize > 0, "image_size and patch_size must be positive");
        Require(PatchSize > 0 && ImageSize % PatchSize == 0, $"image_size {ImageSize} must be a multiple of patch_size {PatchSize}");
        Require(Encoder.Dim > 0 && Encoder.Depth >= 0 && Encoder.Heads > 0, "encoder dim/heads must be positive and depth non-negative");
        Require(Encoder.Heads > 0 && Encoder.Dim % Encoder.Heads == 0, $"encoder dim {Encoder.Dim} must be divisible by heads {Encoder.Heads}");
        Require(Encoder.MlpDim > 0, "encoder mlp_dim must be positive");
        Require(Encoder.PosEmbedGrid > 0, "encoder pos_embed_grid must be positive");
        Require(Encoder.RegisterTokens >= 0, "encoder register_tokens must be non-negative");
        Require(Predictor.Depth >= 0 && Predictor.Heads > 0 && Predictor.DimHead > 0 && Predictor.MlpDim > 0, "predictor depth/heads/dim_head/mlp_dim must be positive");
        Require(Predictor.Dropout is >= 0 and < 1, "predictor dropout must be in [0,1)");
        Require(NumHist >= 1, "num_hist must be at least 1");
        Require(NumPred == 1, "num_pred must be 1 (as upstream)");
        Require(Frameskip >= 1, "frameskip must be at least 1");
        Require(ActionDim >= 1 && ActionEmbDim >= 1, "action_dim and action_emb_dim must be positive");
        Require(ProprioDim >= 1 && ProprioEmbDim >= 1, "proprio_dim and proprio_emb_dim must be positive");
        Require(ConcatDim == 1, $"concat_dim {ConcatDim} is not supported (only 1: embeddings tiled onto every patch)");
        Require(NumActionRepeat >= 1 && NumProprioRepeat >= 1, "num_action_repeat and num_proprio_repeat must be at least 1");
        Require(!Decoder.Enabled || Decoder.Channels > 0, "decoder channels must be positive");
        Require(!Decoder.Enabled || Decoder.Upsamplings >= 0, "decoder upsamplings must be non-negative");

        // Upper bounds far above any DINO-WM (the full-size model: image 196, dims 384-2048, depth 12), so a hostile
        // config cannot make the layer list, the size estimate or an allocation explode before the weights are compared.
        Require(ImageSize <= 4096 && PatchSize <= 256 && Encoder.PosEmbedGrid <= 1024 && Encoder.RegisterTokens <= 1024,
            "image_size may be at most 4096, patch_size 256, pos_embed_grid and register_tokens 1024");
        Require(Encoder.Depth <= 256 && Predictor.Depth <= 256 && Encoder.Heads <= 1024 && Predictor.Heads <= 1024,
            "encoder and predictor depth may be at most 256 and heads 1024");
        Require(new[] { Encoder.Dim, Encoder.MlpDim, Predictor.DimHead, Predictor.MlpDim, ActionDim, ActionEmbDim, ProprioDim, ProprioEmbDim, Decoder.Channels }
            .All(v => v <= 65_536), "dims, mlp_dim, dim_head, action and proprio sizes and decoder channels may be at most 65536");
        Require(NumHist <= 1024 && Frameskip <= 1024 && NumActionRepeat <= 1024 && NumProprioRepeat <= 1024 && Decoder.Upsamplings <= 16,
            "num_hist, frameskip and the repeats may be at most 1024, decoder upsamplings 16");
        return problems;
    }
}

/// <summary>DINOv2 ViT encoder shape (defaults: ViT-S/14).</summary>
public sealed record EncoderConfig
{
    /// <summary>Token width.</summary>
    public int Dim { get; init; } = 384;

    /// <summary>Number of transformer blocks.</summary>
    public int Depth { get; init; } = 12;

    /// <summary>Attention heads per block.</summary>
    public int Heads { get; init; } = 6;

    /// <summary>Hidden width of each block's MLP.</summary>
    public int MlpDim { get; init; } = 1536;

    /// <summary>Patches per side the stored positional embedding was trained for (37 for DINOv2: 518 px / 14).</summary>
    public int PosEmbedGrid { get; init; } = 37;

    /// <summary>DINOv2 register tokens (0 for the original ViT-S/14).</summary>
    public int RegisterTokens { get; init; }

    /// <summary>LayerNorm epsilon (DINOv2 uses 1e-6).</summary>
    public double LayerNormEps { get; init; } = 1e-6;

    /// <summary>Initial LayerScale gamma for freshly built models (DINOv2 trains from 1e-5).</summary>
    public double LayerScaleInit { get; init; } = 1e-5;
}

/// <summary>Frame-causal ViT predictor shape (defaults: DINO-WM).</summary>
public sealed record PredictorConfig
{
    /// <summary>Number of transformer layers.</summary>
    public int Depth { get; init; } = 6;

    /// <summary>Attention heads per layer.</summary>
    public int Heads { get; init; } = 16;

    /// <summary>Width of one head; inner attention width is heads × dim_head.</summary>
    public int DimHead { get; init; } = 64;

    /// <summary>Hidden width of each feed-forward block.</summary>
    public int MlpDim { get; init; } = 2048;

    /// <summary>Dropout used only in training mode.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>LayerNorm epsilon (PyTorch default 1e-5).</summary>
    public double LayerNormEps { get; init; } = 1e-5;
}

/// <summary>Convolutional decoder from the patch grid back to an image (visualisation only).</summary>
public sealed record DecoderConfig
{
    /// <summary>Whether the model has a decoder at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Feature channels of the decoder's convolutions.</summary>
    public int Channels { get; init; } = 128;

    /// <summary>Number of ×2 upsamplings: the output side is grid × 2^upsamplings (then resized to image_size if different).</summary>
    public int Upsamplings { get; init; } = 4;
}

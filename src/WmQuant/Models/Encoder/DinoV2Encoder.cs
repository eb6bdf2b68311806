using TorchSharp;
using TorchSharp.Modules;
using WmQuant.Models.Config;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Encoder;

/// <summary>
/// DINOv2 ViT encoder in the upstream layout and names. Input: images already normalised to
/// [-1,1] at the encoder's size, [N, 3, S, S]. Output: the patch tokens after the final norm
/// (x_norm_patchtokens), [N, P, D]; the CLS and register tokens are dropped as DINO-WM does.
/// </summary>
public sealed class DinoV2Encoder : nn.Module<Tensor, Tensor>
{
    /// <summary>DINOv2's offset in the positional-embedding interpolation; it changes the interpolated values.</summary>
    public const double InterpolateOffset = 0.1;

#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private readonly PatchEmbed patch_embed;
    private Parameter cls_token;
    private Parameter mask_token;
    private Parameter pos_embed;
    private Parameter? register_tokens;
    private readonly ModuleList<DinoV2Block> blocks;
    private readonly LayerNorm norm;
#pragma warning restore IDE1006
    private readonly EncoderConfig _config;
    private readonly int _patchSize;

    /// <summary>Creates the encoder with zeroed parameters; the world model initialises or loads them.</summary>
    public DinoV2Encoder(EncoderConfig config, int patchSize) : base(nameof(DinoV2Encoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _patchSize = patchSize;
        var dim = config.Dim;
        patch_embed = new PatchEmbed(patchSize, dim);
        cls_token = nn.Parameter(zeros(1, 1, dim));
        mask_token = nn.Parameter(zeros(1, dim));
        pos_embed = nn.Parameter(zeros(1, (config.PosEmbedGrid * config.PosEmbedGrid) + 1, dim));
        register_tokens = config.RegisterTokens > 0 ? nn.Parameter(zeros(1, config.RegisterTokens, dim)) : null;
        blocks = nn.ModuleList(Enumerable.Range(0, config.Depth)
            .Select(_ => new DinoV2Block(dim, config.Heads, config.MlpDim, config.LayerNormEps, config.LayerScaleInit))
            .ToArray());
        norm = nn.LayerNorm(dim, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>The transformer blocks, in order.</summary>
    public IList<DinoV2Block> Blocks => blocks;

    /// <summary>Final LayerNorm.</summary>
    public LayerNorm Norm => norm;

    /// <summary>Positional embedding for the stored grid plus the CLS position, [1, M²+1, D].</summary>
    public Parameter PosEmbed => pos_embed;

    /// <summary>The class token.</summary>
    public Parameter ClsToken => cls_token;

    /// <summary>Register tokens [1, R, D], or null when the config has none.</summary>
    public Parameter? RegisterTokens => register_tokens;

    /// <summary>The masked-patch token: unused at inference, kept because checkpoints and the parameter count include it.</summary>
    public Parameter MaskToken => mask_token;

    /// <summary>
    /// Positional embedding for a <paramref name="grid"/>×<paramref name="grid"/> patch grid: the stored one when the grid
    /// matches, else DINOv2's bicubic interpolation with scale factor (g + 0.1) / M (no antialias), computed in fp32.
    /// </summary>
    public Tensor PositionEmbeddingFor(int grid)
    {
        using var scope = NewDisposeScope();
        var m = _config.PosEmbedGrid;
        if (grid == m)
        {
            return pos_embed.alias().MoveToOuterDisposeScope();
        }

        var dim = pos_embed.shape[2];
        var full = pos_embed.to_type(ScalarType.Float32);
        var cls = full[.., ..1];
        var patches = full[.., 1..].reshape(1, m, m, dim).permute(0, 3, 1, 2);
        var scale = (grid + InterpolateOffset) / m;
        var resized = nn.functional.interpolate(patches, scale_factor: [scale, scale], mode: InterpolationMode.Bicubic, align_corners: false, antialias: false);
        if (resized.shape[2] != grid || resized.shape[3] != grid)
        {
            throw new InvalidOperationException($"positional embedding interpolated to {resized.shape[2]}x{resized.shape[3]}, expected {grid}x{grid}");
        }

        var flat = resized.permute(0, 2, 3, 1).reshape(1, grid * grid, dim);
        return cat([cls, flat], 1).to_type(pos_embed.dtype).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var b = input.shape[0];
        var grid = (int)(input.shape[2] / _patchSize);
        var x = patch_embed.forward(input);
        x = cat([cls_token.expand(b, -1, -1), x], 1);
        x = x.Add(PositionEmbeddingFor(grid));
        var skip = 1;
        if (register_tokens is not null)
        {
            x = cat([x[.., ..1], register_tokens.expand(b, -1, -1), x[.., 1..]], 1);
            skip += (int)register_tokens.shape[1];
        }

        foreach (var block in blocks)
        {
            // call, not forward: module hooks run (calibration records block inputs through them).
            x = block.call(x);
        }

        return norm.forward(x)[.., skip..].MoveToOuterDisposeScope();
    }
}

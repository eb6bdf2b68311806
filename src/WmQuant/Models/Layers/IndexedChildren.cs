using static TorchSharp.torch;

namespace WmQuant.Models.Layers;

/// <summary>
/// A container whose children have chosen names such as "0", "1", "4", so that state-dict names
/// match upstream nn.Sequential indices even where parameter-free entries (GELU, Dropout) are not kept.
/// The owner runs the children itself.
/// </summary>
internal sealed class IndexedChildren : nn.Module
{
    public IndexedChildren(params (string Name, nn.Module Child)[] children) : base(nameof(IndexedChildren))
    {
        foreach (var (name, child) in children)
        {
            register_module(name, child);
        }
    }

    protected override void RegisterComponents()
    {
    }
}

using WmQuant.Environments.Rendering;
using static TorchSharp.torch;

namespace WmQuant.Tests.Support;

/// <summary>Renders states into the [B, 3, S, S] float frames (values in [0, 1]) that the pixel-measured training objectives take.</summary>
internal static class FrameTensors
{
    public static Tensor Render(IFrameRenderer renderer, int size, params double[][] states)
    {
        var values = new float[states.Length * 3 * size * size];
        for (var i = 0; i < states.Length; i++)
        {
            var frame = renderer.Render(states[i], size);
            for (var p = 0; p < size * size; p++)
            {
                for (var c = 0; c < 3; c++)
                {
                    values[(i * 3 * size * size) + (c * size * size) + p] = frame.Pixels[(3 * p) + c] / 255f;
                }
            }
        }

        return tensor(values).reshape(states.Length, 3, size, size);
    }
}

using System.Diagnostics;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

/// <summary>Timings at full-size DINO-WM predictor shapes; explicit so CI never pays for it.</summary>
[Explicit("timing probe: run by name to measure")]
public class QuantizationTimingProbe
{
    [TestCase(1024, 404)]
    [TestCase(2048, 404)]
    [TestCase(404, 2048)]
    public void Full_size_layer_timings(int rows, int columns)
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(rows, columns, 1);
        var x = QuantTestData.HeavyTailed(4096, columns, 2);
        var config = new WeightQuantConfig(4, WeightGranularity.PerGroup);
        var clock = Stopwatch.StartNew();
        using var rtn = new RtnWeightMethod().Apply("l", w, config, x);
        double rtnMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        using var omse = new OmseWeightMethod().Apply("l", w, config, x);
        double omseMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        using var packed = WeightPacker.Pack(omse.Quantized!);
        using var back = WeightPacker.Unpack(packed);
        double packMs = clock.Elapsed.TotalMilliseconds;
        TestContext.Out.WriteLine($"{rows}x{columns} W4 g128: RTN+report {rtnMs:F0} ms, OMSE+report {omseMs:F0} ms, pack+unpack {packMs:F0} ms; output MSE RTN {rtn.Report.OutputMse:E3} OMSE {omse.Report.OutputMse:E3}");
        Assert.That(QuantTestData.Same(back.Codes, omse.Quantized!.Codes), Is.True);
    }
}

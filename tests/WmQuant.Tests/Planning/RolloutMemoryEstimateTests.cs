using WmQuant.Planning;
using WmQuant.Runtime;
using WmQuant.Tests.Models;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning;

/// <summary>
/// How many rollout rows a model call takes: all of them for the bundled models, so their results stay those of one
/// call, and a chunk that fits for the full-size model (whose 50 × 300 rows in one call asked libtorch for 33.6 GiB).
/// </summary>
public class RolloutMemoryEstimateTests
{
    private const long GiB = 1L << 30;

    // The study's default: 50 episodes × 300 CEM samples; the cpu profile plans 64 samples.
    private const long DefaultRows = 50 * 300;
    private const long CpuProfileRows = 50 * 64;

    [Test]
    public void One_row_is_the_widest_predictor_output_over_the_window_times_the_safety_factor()
    {
        Assert.Multiple(() =>
        {
            // 1 frame × 16 patches × qkv 3·4·32 = 384 (wider than mlp 256 and the 116-wide token) × 4 bytes.
            Assert.That(RolloutMemoryEstimate.BytesPerRow(ModelTestSupport.Shipped("reference-wall"), ScalarType.Float32),
                Is.EqualTo(1L * 16 * 384 * 4 * RolloutMemoryEstimate.SafetyFactor));
            Assert.That(RolloutMemoryEstimate.BytesPerRow(ModelTestSupport.Shipped("reference-pusht"), ScalarType.Float32),
                Is.EqualTo(3L * 16 * 384 * 4 * RolloutMemoryEstimate.SafetyFactor));
            // 3 frames × 196 patches × qkv 3·16·64 = 3072: 7.2 MB, three times the [588, 1024] key tensor of the failed allocation.
            Assert.That(RolloutMemoryEstimate.BytesPerRow(ModelTestSupport.Shipped("dinov2-vits14"), ScalarType.Float32),
                Is.EqualTo(3L * 196 * 3072 * 4 * RolloutMemoryEstimate.SafetyFactor));
            Assert.That(RolloutMemoryEstimate.BytesPerRow(ModelTestSupport.Shipped("dinov2-vits14"), ScalarType.BFloat16),
                Is.EqualTo(3L * 196 * 3072 * 2 * RolloutMemoryEstimate.SafetyFactor), "bf16 planning needs half");
        });
    }

    [TestCase("reference-wall", DefaultRows, 5L)]
    [TestCase("reference-pusht", DefaultRows, 14L)]
    [TestCase("reference-wall", CpuProfileRows, 4L)]
    [TestCase("reference-pusht", CpuProfileRows, 4L)]
    public void Small_models_plan_every_row_in_one_call_when_memory_is_plentiful(string config, long rows, long availableGiB)
    {
        long perRow = RolloutMemoryEstimate.BytesPerRow(ModelTestSupport.Shipped(config), ScalarType.Float32);

        Assert.That(RolloutMemoryEstimate.RowsPerCall(rows, perRow, availableGiB * GiB), Is.EqualTo(rows));
    }

    [Test]
    public void The_full_size_model_with_little_memory_gets_the_fewest_equal_calls_that_fit()
    {
        long perRow = RolloutMemoryEstimate.BytesPerRow(ModelTestSupport.Shipped("dinov2-vits14"), ScalarType.Float32);
        long available = 8 * GiB;

        long chunk = RolloutMemoryEstimate.RowsPerCall(DefaultRows, perRow, available);

        long calls = (DefaultRows + chunk - 1) / chunk;
        Assert.Multiple(() =>
        {
            Assert.That(chunk, Is.InRange(1, DefaultRows - 1));
            Assert.That(chunk * perRow, Is.LessThanOrEqualTo(available * RolloutMemoryEstimate.MemoryShare), "one call fits in half the memory");
            Assert.That(chunk, Is.EqualTo(99), "4 GiB / 43.4 MB per row = 99 rows; 152 calls of at most 99");
            Assert.That((calls - 1) * chunk, Is.LessThan(DefaultRows), "one call fewer, of 99 rows at most, could not take them all");
            // The 15,000 rows in one call would have needed about 650 GB by the estimate: far more than the machine.
            Assert.That(RolloutMemoryEstimate.RowsPerCall(DefaultRows, perRow, 2048 * GiB), Is.EqualTo(DefaultRows));
        });
    }

    [Test]
    public void Calls_are_made_equal_and_never_hold_zero_rows()
    {
        Assert.Multiple(() =>
        {
            Assert.That(RolloutMemoryEstimate.RowsPerCall(15_000, 1_000, 2 * 14_000 * 1_000L), Is.EqualTo(7_500), "2 × 7,500 rather than 14,000 + 1,000");
            Assert.That(RolloutMemoryEstimate.RowsPerCall(15_000, 1_000_000, 1), Is.EqualTo(1), "not even one row fits: one at a time, never 0");
            Assert.That(RolloutMemoryEstimate.RowsPerCall(15_000, long.MaxValue, 64 * GiB), Is.EqualTo(1));
            Assert.That(RolloutMemoryEstimate.RowsPerCall(15_000, 0, 1), Is.EqualTo(15_000), "no estimate: every row at once, as before");
            Assert.That(RolloutMemoryEstimate.RowsPerCall(15_000, 1_000, null), Is.EqualTo(15_000), "memory unknown: every row at once");
            Assert.That(RolloutMemoryEstimate.RowsPerCall(0, 1_000, 1), Is.EqualTo(1));
        });
    }

    [Test]
    public void A_hostile_config_saturates_instead_of_overflowing()
    {
        var huge = ModelTestSupport.Shipped("dinov2-vits14") with
        {
            ImageSize = 4096,
            PatchSize = 1,
            NumHist = 1024,
            Predictor = ModelTestSupport.Shipped("dinov2-vits14").Predictor with { Heads = 1024, DimHead = 65_536 },
        };

        Assert.That(RolloutMemoryEstimate.BytesPerRow(huge, ScalarType.Float64), Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void The_cpu_reading_is_positive_and_meminfo_is_parsed_in_kibibytes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DeviceMemory.AvailableBytes(CPU), Is.GreaterThan(0));
            Assert.That(DeviceMemory.MemAvailable("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   21000000 kB\n"), Is.EqualTo(21_000_000L * 1024));
            Assert.That(DeviceMemory.MemAvailable("MemTotal:       24000000 kB\n"), Is.Null, "an old kernel without the line");
            Assert.That(DeviceMemory.MemAvailable("MemAvailable:   lots kB\n"), Is.Null);
        });
    }
}

using WmQuant.Cli.Ci;

namespace WmQuant.Tests.Ci;

public class BuildVersionTests
{
    [TestCase("1.2.3+39475ddaf912a941e58171a51ec3622bc29f7f84", "1.2.3+39475dd")]
    [TestCase("0.1.0-rc.1+39475ddaf912a941e58171a51ec3622bc29f7f84", "0.1.0-rc.1+39475dd")]
    [TestCase("1.2.3", "1.2.3")]
    [TestCase("1.2.3+local.build", "1.2.3+local.build")]
    [TestCase("1.2.3+abc", "1.2.3+abc")]
    [TestCase(null, "0.0.0")]
    public void The_commit_is_kept_as_seven_hex_digits_of_build_metadata(string? informational, string expected)
    {
        Assert.That(BuildVersion.FromInformational(informational), Is.EqualTo(expected));
    }

    [Test]
    public void The_cache_version_drops_the_commit()
    {
        Assert.That(BuildVersion.WithoutMetadata("1.2.3+39475dd"), Is.EqualTo("1.2.3"));
        Assert.That(BuildVersion.WithoutMetadata("1.2.3"), Is.EqualTo("1.2.3"));
    }

    [Test]
    public void Wmq_records_the_commit_it_was_built_from_when_built_in_a_checkout()
    {
        // This test assembly and wmq are built together, so they carry the same source revision (or none).
        string? revision = typeof(BuildVersionTests).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+').ElementAtOrDefault(1);
        string version = WmQuant.Cli.Commands.RunCommand.ToolVersion();
        Assert.That(version, revision is { Length: 40 } ? Is.EqualTo(version.Split('+')[0] + "+" + revision[..7]) : Does.Not.Contain("+"));
    }
}

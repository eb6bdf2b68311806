using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.MSBuild;

/// <summary>One fixture repository (and warm wmq stage cache) for every build test in this namespace.</summary>
[SetUpFixture]
public sealed class SharedFixture
{
    private static FixtureRepository? repository;

    internal static FixtureRepository Repository => repository ?? throw new InvalidOperationException("the set-up fixture did not run");

    [OneTimeSetUp]
    public void Create()
    {
        Assert.That(File.Exists(RepositoryLayout.WmqDll), $"build the CLI first: {RepositoryLayout.WmqDll} is missing");
        Assert.That(File.Exists(RepositoryLayout.TasksAssembly), $"build the tasks first: {RepositoryLayout.TasksAssembly} is missing");
        repository = new FixtureRepository();
    }

    [OneTimeTearDown]
    public void Remove() => repository?.Dispose();
}

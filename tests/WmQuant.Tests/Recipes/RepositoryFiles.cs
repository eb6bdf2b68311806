namespace WmQuant.Tests.Recipes;

/// <summary>Finds files of this repository from the test output folder.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WmQuantPipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("WmQuantPipeline.sln not found above the test folder");
    }
}

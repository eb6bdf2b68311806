using System.Reflection;

namespace WmQuant.Cli.Ci;

/// <summary>
/// The version wmq records in manifests: the package version plus the commit it was built from as SemVer build
/// metadata ("1.2.3+abcdef0"). The SDK puts the full commit (SourceRevisionId, read from .git at build time) into
/// the informational version; seven hex digits keep it readable and still identify the commit. Built outside a
/// git checkout there is no commit, and the version is the bare package version.
/// </summary>
public static class BuildVersion
{
    /// <summary>Hex digits of the commit kept in the version.</summary>
    public const int CommitDigits = 7;

    /// <summary>The version of the assembly that holds <typeparamref name="T"/>.</summary>
    public static string Of<T>() =>
        FromInformational(typeof(T).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>"1.2.3+&lt;40 hex&gt;" → "1.2.3+&lt;7 hex&gt;"; other build metadata is kept as it is; null → "0.0.0".</summary>
    public static string FromInformational(string? informational)
    {
        if (string.IsNullOrWhiteSpace(informational))
        {
            return "0.0.0";
        }

        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0)
        {
            return informational;
        }

        string metadata = informational[(plus + 1)..];
        bool commit = metadata.Length > CommitDigits && metadata.All(Uri.IsHexDigit);
        return commit ? informational[..(plus + 1 + CommitDigits)] : informational;
    }

    /// <summary>The version without build metadata: what identifies the tool's behaviour for the stage cache.</summary>
    public static string WithoutMetadata(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}

using System.Text.RegularExpressions;
using Gateway.Tests.Architecture;

namespace Gateway.Tests.Image;

/// <summary>
/// The image as the Dockerfile describes it (no Docker engine here to build it): base images pinned by digest through
/// build arguments, OCI labels, and no demo seed copied in.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(SourceFolders.RepositoryRoot(), "Dockerfile"));

    [Fact]
    public void Every_base_image_is_a_tag_pinned_by_its_digest_argument_when_given()
    {
        var froms = Lines.Where(line => line.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, froms.Count);
        Assert.All(froms, from => Assert.Matches(PinnedFrom(), from));
        Assert.Contains("ARG SDK_DIGEST=", Lines);
        Assert.Contains("ARG RUNTIME_DIGEST=", Lines);
    }

    [Fact]
    public void The_image_carries_the_oci_labels()
    {
        var text = string.Join('\n', Lines);

        foreach (var label in new[] { "title", "description", "version", "revision", "created", "base.name", "base.digest" })
        {
            Assert.Contains($"org.opencontainers.image.{label}=", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_seed_registry_is_copied_into_the_image_nor_published_with_the_gateway()
    {
        Assert.DoesNotContain(Lines, line => line.StartsWith("COPY", StringComparison.Ordinal) && ConfigFolder().IsMatch(line));
        var project = File.ReadAllText(Path.Combine(SourceFolders.RepositoryRoot(), "src", "Gateway", "Gateway.csproj"));
        Assert.Contains("""<Content Include="../../config/**" LinkBase="config" CopyToOutputDirectory="PreserveNewest" CopyToPublishDirectory="Never" />""", project, StringComparison.Ordinal);
    }

    /// <summary>The config/ folder as a COPY source (not a file such as .editorconfig).</summary>
    [GeneratedRegex(@"\s(\./)?config(/|\s|$)")]
    private static partial Regex ConfigFolder();

    [GeneratedRegex(@"^FROM (--platform=\$BUILDPLATFORM )?\$\{(SDK|RUNTIME)_IMAGE\}\$\{\2_DIGEST:\+@\$\{\2_DIGEST\}\} AS (build|final)$")]
    private static partial Regex PinnedFrom();
}

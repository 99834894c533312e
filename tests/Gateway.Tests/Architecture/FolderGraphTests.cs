using Xunit.Abstractions;

namespace Gateway.Tests.Architecture;

/// <summary>
/// The shape of <c>src/Gateway</c>: the call's journey in layers, each folder naming only folders below it, so the
/// folder graph has no cycle and no upward edge. The README's architecture section draws the same layers;
/// <c>bash tests/run.sh --filter FullyQualifiedName~FolderGraph</c> prints the graph.
/// </summary>
public sealed class FolderGraphTests(ITestOutputHelper output)
{
    /// <summary>Bottom to top. A folder may name folders of lower layers only.</summary>
    private static readonly string[][] Layers =
    [
        ["Core"],
        ["Redis", "Metrics", "Relay"],
        ["Registry", "Tenants", "Credentials"],
        ["Claims", "Sessions", "Telnyx", "Kubernetes"],
        ["Ingress"],
        ["Calls"],
        ["CallControl", "DialOut", "Texml", "Admin", "Auth", "Health"],
        ["Hosting", "Cli"],
    ];

    private readonly SourceFolders _folders = SourceFolders.Read();

    [Fact]
    public void The_folder_graph_has_no_cycle()
    {
        foreach (var (folder, targets) in _folders.Edges.OrderBy(e => Layer(e.Key)).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{folder} -> {string.Join(", ", targets)}");
        }

        Assert.Empty(_folders.Cycles().Select(cycle => string.Join(" ⇄ ", cycle)));
    }

    [Fact]
    public void Every_folder_names_only_folders_of_lower_layers()
    {
        var unplaced = _folders.Edges.Keys.Where(folder => Layer(folder) < 0);
        Assert.Empty(unplaced);
        var upward = _folders.Edges
            .SelectMany(edge => edge.Value.Select(target => (From: edge.Key, To: target)))
            .Where(edge => Layer(edge.To) >= Layer(edge.From))
            .Select(edge => $"{edge.From} -> {edge.To}");
        Assert.Empty(upward);
    }

    [Fact]
    public void No_source_file_is_over_300_lines_without_a_comment_saying_why()
    {
        var long_ = _folders.Lines
            .Where(file => file.Value > 300 && !File.ReadAllText(Path.Combine(SourceFolders.RepositoryRoot(), file.Key)).Contains("over 300 lines", StringComparison.Ordinal))
            .Select(file => $"{file.Key}: {file.Value} lines");
        Assert.Empty(long_);
    }

    private static int Layer(string folder) => Array.FindIndex(Layers, layer => layer.Contains(folder));
}

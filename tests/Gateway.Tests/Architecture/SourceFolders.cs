using System.Text.RegularExpressions;

namespace Gateway.Tests.Architecture;

/// <summary>
/// The gateway's feature folders (<c>src/Gateway/{Folder}/</c>) and which others each one's code names: a
/// <c>using Gateway.{Folder};</c> line, or a name qualified with the folder (<c>Gateway.Relay.CallRelay</c>,
/// <c>Relay.CallRelay</c> from inside <c>Gateway.*</c>). Read from the source text, as a reviewer would draw it.
/// </summary>
public sealed partial class SourceFolders
{
    private SourceFolders(IReadOnlyDictionary<string, IReadOnlySet<string>> edges, IReadOnlyDictionary<string, int> lines)
    {
        Edges = edges;
        Lines = lines;
    }

    /// <summary>Folder → the folders its code names.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Edges { get; }

    /// <summary>Each source file (path from the repository root) → its line count.</summary>
    public IReadOnlyDictionary<string, int> Lines { get; }

    public static SourceFolders Read()
    {
        var root = Path.Combine(RepositoryRoot(), "src", "Gateway");
        var folders = Directory.GetDirectories(root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("bin" or "obj" or "Properties"))
            .ToHashSet(StringComparer.Ordinal);
        var edges = folders.ToDictionary(folder => folder, _ => (IReadOnlySet<string>)new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        var lines = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            var folder = relative.Split(Path.DirectorySeparatorChar)[0];
            if (!folders.Contains(folder))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            lines[Path.Combine("src", "Gateway", relative)] = text.Split('\n').Length - (text.EndsWith('\n') ? 1 : 0);
            var named = (SortedSet<string>)edges[folder];

            // A string is data, not a dependency (a Data Protection purpose may name the folder it began in).
            foreach (Match match in Named().Matches(StringLiteral().Replace(text, "\"\"")))
            {
                var target = match.Groups["folder"].Value;
                if (target != folder && folders.Contains(target))
                {
                    named.Add(target);
                }
            }
        }

        return new SourceFolders(edges, lines);
    }

    /// <summary>The strongly connected groups of more than one folder: each is a cycle.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        // Tarjan's algorithm over the folder graph.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<IReadOnlyList<string>>();
        var next = 0;

        void Visit(string folder)
        {
            index[folder] = low[folder] = next++;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var target in Edges[folder])
            {
                if (!index.TryGetValue(target, out var targetIndex))
                {
                    Visit(target);
                    low[folder] = Math.Min(low[folder], low[target]);
                }
                else if (onStack.Contains(target))
                {
                    low[folder] = Math.Min(low[folder], targetIndex);
                }
            }

            if (low[folder] == index[folder])
            {
                var group = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    group.Add(member);
                }
                while (member != folder);
                if (group.Count > 1)
                {
                    group.Sort(StringComparer.Ordinal);
                    cycles.Add(group);
                }
            }
        }

        foreach (var folder in Edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(folder))
            {
                Visit(folder);
            }
        }

        return cycles;
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above the test's directory");
    }

    [GeneratedRegex("\"(?:[^\"\\\\\n]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    // "using Gateway.Relay;", "Gateway.Relay.CallRelay", or "Relay.CallRelay" at the start of a qualified name.
    [GeneratedRegex(@"(?:\busing\s+(?:static\s+)?Gateway\.|(?<![\w.])Gateway\.|(?<![\w.]))(?<folder>[A-Z]\w*)(?=\s*;|\.[A-Z])")]
    private static partial Regex Named();
}

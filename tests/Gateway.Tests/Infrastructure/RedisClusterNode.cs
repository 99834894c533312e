using System.Globalization;
using System.Net;

namespace Gateway.Tests.Infrastructure;

/// <summary>One node as a line of <c>CLUSTER NODES</c> describes it: what it serves, or whom it replicates.</summary>
public sealed record RedisClusterNode(string Id, IPEndPoint EndPoint, bool IsMaster, bool IsFailed, string? MasterId, IReadOnlyList<(int First, int Last)> Slots)
{
    public bool Serves(int slot) => Slots.Any(range => range.First <= slot && slot <= range.Last);

    /// <summary>Parses <c>id ip:port@bus flags master ping pong epoch link slot...</c>.</summary>
    public static RedisClusterNode Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var flags = fields[2].Split(',');
        var slots = fields.Skip(8)
            .Where(slot => !slot.StartsWith('[')) // a slot being imported or migrated, not served
            .Select(slot => slot.Split('-'))
            .Select(bounds => (Number(bounds[0]), Number(bounds[^1])))
            .ToList();
        return new RedisClusterNode(
            fields[0],
            IPEndPoint.Parse(fields[1].Split('@')[0]),
            flags.Contains("master"),
            flags.Contains("fail"),
            fields[3] == "-" ? null : fields[3],
            slots);
    }

    /// <summary>What every node must agree on: who is master of which slots, who replicates whom, who has failed.</summary>
    public string Summary =>
        $"{Id} {(IsMaster ? "master" : $"replica-of {MasterId}")}{(IsFailed ? " failed" : "")} {string.Join(' ', Slots.Select(r => $"{r.First}-{r.Last}"))}";

    private static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}

using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Admin;

/// <summary>
/// Optimistic concurrency on agents: the ETag is the agent's registry revision. <c>If-Match</c> writes only over
/// that revision, <c>If-None-Match: *</c> only creates.
/// </summary>
internal static class EntityTags
{
    public static string For(long revision) => $"\"{revision}\"";

    /// <summary>The revision a write must find: null unconditional, 0 must not exist; false when the header is unusable.</summary>
    public static bool TryGetPrecondition(HttpRequest request, long? currentRevision, out long? expected)
    {
        expected = null;
        var ifMatch = request.Headers[HeaderNames.IfMatch].ToString();
        var ifNoneMatch = request.Headers[HeaderNames.IfNoneMatch].ToString();
        if (ifNoneMatch.Trim() == "*")
        {
            expected = 0;
            return true;
        }

        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return true;
        }

        if (ifMatch.Trim() == "*")
        {
            expected = currentRevision;
            return currentRevision is not null;
        }

        var tag = ifMatch.Trim();
        if (tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' && long.TryParse(tag.AsSpan(1, tag.Length - 2), out var revision) && revision > 0)
        {
            expected = revision;
            return true;
        }

        return false;
    }
}

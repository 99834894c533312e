using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.DialOut;

/// <summary>An outbound call for an agent: who to call, from which number, and the body its bot receives.</summary>
internal sealed record DialOutRequest(string? To, string? From, JsonElement? Body, string? ConnectionId);

/// <summary>The placed call: Telnyx's ids, and the session id the bot will see in <c>X-Daily-Session-Id</c>.</summary>
internal sealed record DialOutResponse(string? CallControlId, string? CallSessionId, string? CallLegId, string SessionId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DialOutRequest))]
[JsonSerializable(typeof(DialOutResponse))]
internal sealed partial class DialOutJsonContext : JsonSerializerContext;

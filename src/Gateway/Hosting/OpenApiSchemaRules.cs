using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Admin;
using Gateway.Core;
using Gateway.DialOut;
using Gateway.Registry;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>
/// The rules the gateway checks by hand (its validators, not attributes), written into the OpenAPI schemas so that the
/// document says what a write takes: ranges, patterns, enumerations, what is required, and that no other field is.
/// Every value comes from the validator that enforces it.
/// </summary>
internal static class OpenApiSchemaRules
{
    public const string NamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public const string PhoneNumberPattern = "^\\+[1-9][0-9]{1,14}$";
    public const string ConnectionIdPattern = "^[A-Za-z0-9_-]{1,64}$";
    public const string ApiKeyPattern = "^[!-~]{1,512}$";

    /// <summary>Request bodies: what each requires (nothing else is) and takes no member it does not name.</summary>
    public static readonly IReadOnlyDictionary<Type, string[]> Closed = new Dictionary<Type, string[]>
    {
        [typeof(AgentResource)] = [],
        [typeof(AgentInstance)] = ["id", "url"],
        [typeof(AgentTexml)] = [],
        [typeof(BotFailureAction)] = [],
        [typeof(KubernetesSource)] = ["namespace", "service", "port"],
        [typeof(AgentContinuity)] = [],
        [typeof(ReconnectPolicy)] = [],
        [typeof(QueuePolicy)] = [],
        [typeof(InstanceRegistration)] = ["url"],
        [typeof(TenantTelnyxRequest)] = [],
        [typeof(DialOutRequest)] = ["to", "from"],
    };

    /// <summary>A property's own rule, keyed by its type and JSON name.</summary>
    public static readonly IReadOnlyDictionary<(Type, string), Action<OpenApiSchema>> Properties = new Dictionary<(Type, string), Action<OpenApiSchema>>
    {
        [(typeof(AgentResource), "maxConcurrentCalls")] = s => Range(s, 1, AgentResourceValidator.MaxConcurrentCallsLimit),
        [(typeof(AgentResource), "bodyMaxBytes")] = s => Range(s, 0, AgentResourceValidator.BodyMaxBytesLimit),
        [(typeof(AgentResource), "instances")] = s => s.MaxItems = AgentResourceValidator.InstancesLimit,
        [(typeof(AgentResource), "phoneNumbers")] = s => Items(s, AgentResourceValidator.PhoneNumbersLimit, new OpenApiSchema { Type = JsonSchemaType.String, Pattern = PhoneNumberPattern }),
        [(typeof(AgentResource), "allowedActions")] = s => Items(s, null, Enumeration(CallControlActions.Known)),
        [(typeof(AgentResource), "connectionId")] = s => s.Pattern = ConnectionIdPattern,
        [(typeof(AgentInstance), "id")] = s => Name(s, ResourceNames.InstanceIdMaxLength),
        [(typeof(AgentInstance), "url")] = s => s.Pattern = "^wss?://",
        [(typeof(AgentInstance), "capacity")] = s => Range(s, 1, AgentResourceValidator.CapacityLimit),
        [(typeof(AgentTexml), "codec")] = s => Enumerate(s, AgentTexmlValidator.Codecs),
        [(typeof(AgentTexml), "bidirectionalCodec")] = s => Enumerate(s, AgentTexmlValidator.BidirectionalCodecs),
        [(typeof(AgentTexml), "track")] = s => Enumerate(s, AgentTexmlValidator.Tracks),
        [(typeof(AgentTexml), "bidirectionalSamplingRate")] = s => s.Enum = [.. AgentTexmlValidator.SamplingRates.Order().Select(rate => (JsonNode)rate)],
        [(typeof(AgentTexml), "parameters")] = s => s.MaxProperties = AgentTexmlValidator.ParametersLimit,
        [(typeof(AgentTexml), "body")] = s => (s.Type, s.Description) = (JsonSchemaType.Object | JsonSchemaType.Null, "A JSON object every call's body starts from."),
        [(typeof(AgentTexml), "bodyFields")] = s => Items(s, null, Enumeration(AgentTexmlValidator.RequestFields)),
        [(typeof(AgentTexml), "fallback")] = s => s.MaxLength = AgentTexmlValidator.FallbackMaxLength,
        [(typeof(KubernetesSource), "namespace")] = s => Name(s, KubernetesSourceValidator.MaxNameLength),
        [(typeof(KubernetesSource), "service")] = s => (s.Pattern, s.MaxLength) = ("^[a-z]([-a-z0-9]*[a-z0-9])?$", KubernetesSourceValidator.MaxNameLength),
        [(typeof(KubernetesSource), "path")] = s => (s.Pattern, s.MaxLength) = ("^/", KubernetesSourceValidator.MaxPathLength),
        [(typeof(KubernetesSource), "scheme")] = s => Enumerate(s, ["ws", "wss"]),
        [(typeof(KubernetesSource), "capacity")] = s => Range(s, 1, AgentResourceValidator.CapacityLimit),
        [(typeof(AgentContinuity), "hold")] = s => Enumerate(s, HoldAudioKind.All),
        [(typeof(ReconnectPolicy), "attempts")] = s => Range(s, 1, AgentContinuityValidator.MaxAttempts),
        [(typeof(ReconnectPolicy), "withinSeconds")] = s => Range(s, 1, AgentContinuityValidator.MaxWithinSeconds),
        [(typeof(QueuePolicy), "maxWaitSeconds")] = s => Range(s, 0, AgentContinuityValidator.MaxWaitSeconds),
        [(typeof(QueuePolicy), "maxLength")] = s => Range(s, 1, AgentContinuityValidator.MaxQueueLength),
        [(typeof(ReconnectPolicy), "on")] = s => (s.Items, s.Description) = (new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1001", Maximum = "4999" }, "Close codes a bot may send other than 1000: 1001-1003, 1007-1014, 3000-4999."),
        [(typeof(InstanceRegistration), "id")] = s => Name(s, ResourceNames.InstanceIdMaxLength),
        [(typeof(InstanceRegistration), "url")] = s => s.Pattern = "^wss?://",
        [(typeof(InstanceRegistration), "capacity")] = s => Range(s, 1, AgentResourceValidator.CapacityLimit),
        [(typeof(InstanceRegistration), "ttlSeconds")] = s => Range(s, InstanceRegistrations.MinTtlSeconds, InstanceRegistrations.MaxTtlSeconds),
        [(typeof(TenantTelnyxRequest), "apiKey")] = s => (s.Pattern, s.WriteOnly) = (ApiKeyPattern, true),
        [(typeof(TenantTelnyxRequest), "webhookPublicKey")] = s => (s.Pattern, s.WriteOnly) = ("^[A-Za-z0-9+/]{43}=$", true),
        [(typeof(TenantTelnyxRequest), "connectionId")] = s => s.Pattern = ConnectionIdPattern,
        [(typeof(DialOutRequest), "to")] = s => s.Pattern = PhoneNumberPattern,
        [(typeof(DialOutRequest), "from")] = s => s.Pattern = PhoneNumberPattern,
        [(typeof(DialOutRequest), "connectionId")] = s => s.Pattern = ConnectionIdPattern,
    };

    /// <summary>A name in a path (<c>{org}</c>, <c>{agent}</c>, <c>{id}</c>) and its longest form.</summary>
    public static readonly IReadOnlyDictionary<string, int> PathNames = new Dictionary<string, int>
    {
        ["org"] = ResourceNames.OrgMaxLength,
        ["agent"] = ResourceNames.AgentMaxLength,
        ["id"] = ResourceNames.InstanceIdMaxLength,
    };

    public static void Name(OpenApiSchema schema, int maxLength) => (schema.Pattern, schema.MaxLength) = (NamePattern, maxLength);

    private static void Range(OpenApiSchema schema, int minimum, int maximum) =>
        (schema.Minimum, schema.Maximum) = (minimum.ToString(CultureInfo.InvariantCulture), maximum.ToString(CultureInfo.InvariantCulture));

    private static void Items(OpenApiSchema schema, int? maxItems, OpenApiSchema items) => (schema.MaxItems, schema.Items) = (maxItems, items);

    private static void Enumerate(OpenApiSchema schema, IEnumerable<string> values) => schema.Enum = [.. values.Order(StringComparer.Ordinal).Select(value => (JsonNode)value)];

    private static OpenApiSchema Enumeration(IEnumerable<string> values)
    {
        var schema = new OpenApiSchema { Type = JsonSchemaType.String };
        Enumerate(schema, values);
        return schema;
    }
}

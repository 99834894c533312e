using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace Gateway.Registry;

/// <summary>Checks an agent's TeXML settings against what Telnyx's <c>&lt;Stream&gt;</c> verb accepts.</summary>
internal static class AgentTexmlValidator
{
    public const int ParametersLimit = 32;
    public const int ParameterNameMaxLength = 64;
    public const int ParameterValueMaxLength = 1024;
    public const int FallbackMaxLength = 4096;

    internal static readonly FrozenSet<string> Codecs = FrozenSet.ToFrozenSet(["PCMU", "PCMA", "G722", "OPUS", "AMR-WB", "L16", "default"], StringComparer.Ordinal);
    internal static readonly FrozenSet<string> BidirectionalCodecs = FrozenSet.ToFrozenSet(["PCMU", "PCMA", "G722", "OPUS", "AMR-WB", "L16"], StringComparer.Ordinal);
    internal static readonly FrozenSet<string> Tracks = FrozenSet.ToFrozenSet(["inbound_track", "outbound_track", "both_tracks"], StringComparer.Ordinal);
    internal static readonly FrozenSet<int> SamplingRates = [8000, 16000, 24000];

    /// <summary>The fields of Telnyx's TeXML request a body may copy.</summary>
    public static readonly FrozenSet<string> RequestFields = FrozenSet.ToFrozenSet(
        ["AccountSid", "CallSid", "CallSidLegacy", "CallerId", "CallingPartyType", "ConnectionId", "From", "FromSipUri", "To", "ToSipUri", "CallStatus", "Direction"],
        StringComparer.Ordinal);

    /// <param name="bodyMaxBytes">The agent's limit: a static body over it could never reach the bot.</param>
    public static void Validate(AgentTexml texml, int bodyMaxBytes, Dictionary<string, string[]> errors)
    {
        Check(Codecs.Contains(texml.Codec ?? ""), "texml.codec", Codecs, errors);
        Check(Tracks.Contains(texml.Track ?? ""), "texml.track", Tracks, errors);
        Check(BidirectionalCodecs.Contains(texml.BidirectionalCodec ?? ""), "texml.bidirectionalCodec", BidirectionalCodecs, errors);
        if (!SamplingRates.Contains(texml.BidirectionalSamplingRate))
        {
            errors["texml.bidirectionalSamplingRate"] = ["must be 8000, 16000 or 24000."];
        }

        ValidateParameters(texml.Parameters, errors);
        if (texml.Body is { } body && body.ValueKind != JsonValueKind.Object)
        {
            errors["texml.body"] = ["must be a JSON object."];
        }
        else if (texml.Body is { } staticBody && Encoding.UTF8.GetByteCount(staticBody.GetRawText()) > bodyMaxBytes)
        {
            errors["texml.body"] = [$"must fit the agent's bodyMaxBytes ({bodyMaxBytes} bytes of JSON)."];
        }

        if (texml.BodyFields is null)
        {
            errors["texml.bodyFields"] = ["must be an array."];
        }
        else
        {
            for (var i = 0; i < texml.BodyFields.Count; i++)
            {
                Check(RequestFields.Contains(texml.BodyFields[i] ?? ""), $"texml.bodyFields[{i}]", RequestFields, errors);
            }
        }

        if (texml.Fallback is not null && FallbackProblem(texml.Fallback) is { } problem)
        {
            errors["texml.fallback"] = [problem];
        }
    }

    private static void ValidateParameters(IReadOnlyDictionary<string, string>? parameters, Dictionary<string, string[]> errors)
    {
        if (parameters is null)
        {
            errors["texml.parameters"] = ["must be an object of names to string values."];
            return;
        }

        if (parameters.Count > ParametersLimit)
        {
            errors["texml.parameters"] = [$"must hold at most {ParametersLimit} parameters."];
        }

        foreach (var (name, value) in parameters)
        {
            if (name.Length is 0 or > ParameterNameMaxLength || name.Any(char.IsControl))
            {
                errors[$"texml.parameters.{name}"] = [$"a parameter name must be 1 to {ParameterNameMaxLength} characters, none of them control characters."];
            }
            else if (value is null || value.Length > ParameterValueMaxLength || value.Any(c => char.IsControl(c) && c is not '\t'))
            {
                errors[$"texml.parameters.{name}"] = [$"a parameter value must be a string of at most {ParameterValueMaxLength} characters, without control characters."];
            }
        }
    }

    /// <summary>Why the fallback verbs are unusable, or null: they must be a well-formed XML fragment of elements only.</summary>
    private static string? FallbackProblem(string fallback)
    {
        if (fallback.Length > FallbackMaxLength)
        {
            return $"must be at most {FallbackMaxLength} characters.";
        }

        try
        {
            using var reader = XmlReader.Create(new StringReader(fallback), new XmlReaderSettings
            {
                ConformanceLevel = ConformanceLevel.Fragment,
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
            });
            while (reader.Read())
            {
                if (reader.Depth == 0 && reader.NodeType is not (XmlNodeType.Element or XmlNodeType.EndElement or XmlNodeType.Whitespace or XmlNodeType.Comment))
                {
                    return "must hold TeXML verbs (elements) only, e.g. <Dial><Number>+15551234567</Number></Dial>.";
                }
            }

            return null;
        }
        catch (XmlException e)
        {
            return "must be well-formed XML: " + e.Message;
        }
    }

    private static void Check(bool valid, string field, FrozenSet<string> allowed, Dictionary<string, string[]> errors)
    {
        if (!valid)
        {
            errors[field] = ["must be one of " + string.Join(", ", allowed.Order(StringComparer.Ordinal)) + "."];
        }
    }
}

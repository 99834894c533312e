using System.Globalization;
using System.Security.Cryptography;

namespace Gateway.CallSimulator;

/// <summary>The identity of one simulated Telnyx call, as its start frame announces it.</summary>
public sealed record TelnyxCallInfo(
    string StreamId,
    string CallControlId,
    string CallSessionId,
    string From,
    string To,
    string UserId,
    IReadOnlyDictionary<string, string> CustomParameters)
{
    private const string UrlSafeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const int CallControlIdLength = 40;

    private static readonly IReadOnlyDictionary<string, string> NoParameters = new Dictionary<string, string>();

    /// <summary>
    /// Fresh ids in the shapes Telnyx uses, so parsers written against Telnyx's examples accept them unchanged.
    /// </summary>
    public static TelnyxCallInfo CreateRandom(IReadOnlyDictionary<string, string>? customParameters = null)
    {
        var callControlId = "v3:" + new string(RandomNumberGenerator.GetItems<char>(UrlSafeAlphabet, CallControlIdLength));
        return new TelnyxCallInfo(
            StreamId: Guid.NewGuid().ToString().ToUpperInvariant(),
            CallControlId: callControlId,
            CallSessionId: Guid.NewGuid().ToString(),
            From: "+1312201" + RandomLine(),
            To: "+1312212" + RandomLine(),
            UserId: Guid.NewGuid().ToString().ToUpperInvariant(),
            CustomParameters: customParameters ?? NoParameters);
    }

    private static string RandomLine() =>
        RandomNumberGenerator.GetInt32(10_000).ToString("D4", CultureInfo.InvariantCulture);
}

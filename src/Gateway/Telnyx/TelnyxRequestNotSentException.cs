namespace Gateway.Telnyx;

/// <summary>
/// A request to Telnyx that failed before leaving the gateway (e.g. an API key no HTTP header can carry): Telnyx was
/// never asked, so neither "unreachable" nor "may have been carried out" is true.
/// </summary>
public sealed class TelnyxRequestNotSentException : HttpRequestException
{
    public TelnyxRequestNotSentException()
    {
    }

    public TelnyxRequestNotSentException(string message)
        : base(message)
    {
    }

    public TelnyxRequestNotSentException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>What is said when the organization's key cannot be sent.</summary>
    public static string UnsendableKey(string org) =>
        $"organization '{org}''s Telnyx API key holds characters an HTTP header cannot carry; set it again (PATCH /admin/v1/orgs/{org}/telnyx)";
}

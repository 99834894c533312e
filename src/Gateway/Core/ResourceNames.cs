using System.Text.RegularExpressions;

namespace Gateway.Core;

/// <summary>
/// The name rules for organizations, agents and instances: Pipecat Cloud's agent-name alphabet
/// (lower-case letters, digits and inner hyphens), so a serviceHost written for Pipecat Cloud works here.
/// </summary>
public static partial class ResourceNames
{
    public const int AgentMaxLength = 54;

    /// <summary>An organization name is also a DNS label in a serviceHost, hence 63.</summary>
    public const int OrgMaxLength = 63;

    public const int InstanceIdMaxLength = 63;

    public const string AgentRule = "lower-case letters, digits and inner hyphens, at most 54 characters.";

    public const string OrgRule = "lower-case letters, digits and inner hyphens, at most 63 characters.";

    public const string InstanceIdRule = "lower-case letters, digits and inner hyphens, at most 63 characters.";

    public static bool IsValidAgent(string? name) => IsValid(name, AgentMaxLength);

    public static bool IsValidOrg(string? name) => IsValid(name, OrgMaxLength);

    public static bool IsValidInstanceId(string? name) => IsValid(name, InstanceIdMaxLength);

    public const string PhoneNumberRule = "an E.164 number: '+', a non-zero digit, then up to 14 digits.";

    public static bool IsValidPhoneNumber(string? number) => number is not null && PhoneNumberPattern().IsMatch(number);

    /// <summary>A Telnyx connection id (a TeXML application or Call Control app): digits in practice, kept to a safe alphabet.</summary>
    public const string ConnectionIdRule = "1 to 64 letters, digits, '-' or '_'.";

    public static bool IsValidConnectionId(string? connectionId) =>
        connectionId is { Length: > 0 and <= 64 } && connectionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static bool IsValid(string? name, int maxLength) =>
        name is { Length: > 0 } && name.Length <= maxLength && NamePattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneNumberPattern();
}

namespace Gateway.Cli;

/// <summary>
/// What Gateway.dll's commands exit with, the same for every command so that a CI job can branch on it. The README's
/// "Declarative tenants" section lists them.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The gateway refused a request (any 4xx or 5xx but a conflict); the problem's code and detail are printed.</summary>
    public const int Refused = 1;

    /// <summary>The command line makes no sense (unknown option, missing argument).</summary>
    public const int Usage = 2;

    /// <summary>The tenants file cannot be read, does not parse, or names something invalid; nothing was sent.</summary>
    public const int InvalidFile = 3;

    /// <summary>The gateway could not be reached (connection refused, DNS, timeout); nothing is known to have changed.</summary>
    public const int Unreachable = 4;

    /// <summary>Someone else changed what the command was changing (412 precondition failed, 409): read again and retry.</summary>
    public const int Conflict = 5;
}

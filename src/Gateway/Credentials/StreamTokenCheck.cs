namespace Gateway.Credentials;

/// <summary>What a stream token proved, at ingress.</summary>
public enum StreamTokenCheck
{
    Valid,

    /// <summary>No token in the query (<c>token</c>) nor in <c>x-telnyx-streaming-auth-token</c>.</summary>
    Missing,

    /// <summary>Not a token this gateway signed (or signed with a key no longer in the key ring).</summary>
    Forged,

    Expired,

    /// <summary>Signed for another agent.</summary>
    OtherAgent,

    /// <summary>A single-use token bound to a call, presented again.</summary>
    Replayed,
}

namespace Gateway.CallSimulator;

/// <summary>What one simulated call does: where it connects, how long it streams audio, what its start frame carries.</summary>
public sealed record CallOptions(Uri Url, TimeSpan Duration)
{
    /// <summary>Custom parameters of the start frame, as a TeXML &lt;Parameter&gt; list would set them.</summary>
    public IReadOnlyDictionary<string, string> CustomParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra headers on the upgrade request, e.g. x-telnyx-streaming-auth-token.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// After the stop frame, close the stream (1000) as Telnyx does, rather than wait for the other side to close it: a
    /// Pipecat bot never closes on stop. False only to test a peer that is expected to close first.
    /// </summary>
    public bool CloseAfterStop { get; init; } = true;

    /// <summary>How long to wait, after the stop frame, for the other side to close the stream (or answer the close).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The key pressed half-way through the call.</summary>
    public char DtmfDigit { get; init; } = '5';
}

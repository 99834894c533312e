using System.Collections.Frozen;

namespace Gateway.Registry;

/// <summary>The Telnyx Call Control actions (<c>/v2/calls/{id}/actions/{action}</c>) an agent's bots may be allowed.</summary>
public static class CallControlActions
{
    /// <summary>What a voice bot usually needs on its own call; the default of every agent.</summary>
    public static readonly IReadOnlyList<string> Defaults =
    [
        "hangup", "transfer", "record_start", "record_stop", "playback_start", "playback_stop",
        "gather", "gather_using_audio", "send_dtmf",
    ];

    /// <summary>Every action an agent may list.</summary>
    public static readonly FrozenSet<string> Known = FrozenSet.ToFrozenSet(
    [
        .. Defaults,
        "answer", "reject", "bridge", "speak", "gather_using_speak", "gather_stop", "record_pause", "record_resume",
        "playback_stop", "send_sip_info", "streaming_start", "streaming_stop", "transcription_start",
        "transcription_stop", "refer", "enqueue", "leave_queue", "suppression_start", "suppression_stop",
        "client_state_update",
    ], StringComparer.Ordinal);
}

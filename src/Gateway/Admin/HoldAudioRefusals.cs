using System.Globalization;
using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>Why an agent's hold clip was not taken, given or removed (<c>…/agents/{agent}/hold-audio</c>).</summary>
internal static class HoldAudioRefusals
{
    public const string MediaType = "audio/wav";

    /// <summary>A WAV file the gateway does not play, and exactly why (<see cref="HoldClipWav"/>).</summary>
    public static Refusal Invalid(HoldClipFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return fault.TooLong
            ? TooLarge($"The hold clip is refused: {fault.Reason}.")
            : new(StatusCodes.Status400BadRequest, "invalid_hold_audio", "Not a hold clip the gateway plays",
                $"The hold clip is refused: {fault.Reason}. A hold clip is a WAV file of mono 16-bit PCM at 8000 or 16000 Hz, at most {HoldClipWav.MaxSeconds} s.");
    }

    /// <summary>A body larger than any clip the gateway takes, refused before it is read whole.</summary>
    public static Refusal BodyTooLarge() =>
        TooLarge(string.Create(CultureInfo.InvariantCulture,
            $"The body is over {HoldClipWav.MaxFileBytes} bytes; a hold clip is at most {HoldClipWav.MaxSeconds} s of 16 kHz mono 16-bit PCM ({HoldClipWav.MaxSeconds * 16000 * 2} bytes of samples)."));

    public static Refusal NotWav() => Refusals.UnsupportedMediaType("the clip", $"{MediaType} (mono 16-bit PCM at 8000 or 16000 Hz)");

    public static Refusal None(AgentKey key) => Refusals.NotFound($"Agent '{key.Agent}' in organization '{key.Org}' has no hold clip.");

    /// <summary>The agent names a clip whose audio the registry no longer holds: Redis lost it with other data.</summary>
    public static Refusal Lost(AgentKey key, HoldClip clip) =>
        Refusals.NotFound($"Agent '{key.Agent}' in organization '{key.Org}' names hold clip {clip.Sha256}, which the registry no longer holds; upload it again.");

    /// <summary>The clip is what the agent's callers hear on hold: removing it would leave the agent naming none.</summary>
    public static Refusal InUse(AgentKey key) =>
        Refusals.Conflict("hold_audio_in_use",
            $"Agent '{key.Agent}' holds its calls with this clip (continuity.hold is \"{HoldAudioKind.Clip}\"); set continuity.hold to \"{HoldAudioKind.Silence}\" or \"{HoldAudioKind.Tone}\" first.");

    /// <summary>An agent written with <c>continuity.hold</c> <c>clip</c> while it has no clip to play.</summary>
    public static Refusal NoClipToHoldWith(AgentKey key) =>
        Refusals.Validation("continuity.hold",
            $"is \"{HoldAudioKind.Clip}\", but agent '{key.Agent}' has no hold clip: upload one first (PUT {AdminEndpoints.Prefix}/orgs/{key.Org}/agents/{key.Agent}/hold-audio), or hold with \"{HoldAudioKind.Silence}\" or \"{HoldAudioKind.Tone}\".");

    public static Refusal Unmet(AgentKey key, EntityTags.Precondition precondition, bool exists) =>
        precondition.CreateOnly && exists
            ? Refusals.PreconditionFailed($"Agent '{key.ServiceHost}' has a hold clip already (If-None-Match: *).")
            : Refusals.PreconditionFailed($"Agent '{key.ServiceHost}''s hold clip is not as If-Match names it (changed, or absent); read it again.");

    private static Refusal TooLarge(string detail) =>
        new(StatusCodes.Status413PayloadTooLarge, "hold_audio_too_large", "Hold clip too large", detail);
}

using System.Collections.Concurrent;
using Gateway.Core;
using Gateway.Registry;
using Microsoft.Extensions.Logging;

namespace Gateway.Calls;

/// <summary>
/// The hold audio of a call, an agent's uploaded clip included. The registry's snapshot names the clip by its SHA-256
/// (<see cref="RegisteredAgent.HoldClip"/>), so every replica plays the same one; its WAV is read from the registry the
/// first time a call here needs it in a codec and rate, and the frames built from it are kept per (clip, codec, rate),
/// the least recently used going first past <see cref="MaxBytes"/>. A clip that cannot be had (none uploaded, Redis
/// unreachable, lost) is held in silence, and logged.
/// </summary>
public sealed partial class HoldClipFrames
{
    /// <summary>
    /// What the kept frames may weigh: a 60 s clip is about 0.8 MB of PCMU frames and 2.6 MB of 16 kHz L16 ones, so
    /// dozens of clips and codecs fit.
    /// </summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    /// <summary>How long a hold waits for a clip still being read before it starts in silence: a few frames' time.</summary>
    public static readonly TimeSpan ReadWait = TimeSpan.FromMilliseconds(100);

    private readonly IAgentRegistry _registry;
    private readonly ILogger<HoldClipFrames> _logger;
    private readonly long _maxBytes;
    private readonly Lock _lock = new();
    private readonly Dictionary<FramesKey, LinkedListNode<Kept>> _kept = [];
    private readonly LinkedList<Kept> _recent = new();
    private readonly ConcurrentDictionary<FramesKey, Lazy<Task<byte[][]?>>> _loading = new();

    // Clips that could not be had, and when to try again: without it every call of the agent would read the registry
    // (up to 4 MB for a file that will not parse) and log again.
    private readonly ConcurrentDictionary<FramesKey, DateTimeOffset> _failedAt = new();
    private readonly TimeProvider _time;
    private long _bytes;

    public HoldClipFrames(IAgentRegistry registry, ILogger<HoldClipFrames> logger, TimeProvider time)
        : this(registry, logger, MaxBytes, time)
    {
    }

    /// <param name="maxBytes">What the kept frames may weigh (tests use less than <see cref="MaxBytes"/>).</param>
    internal HoldClipFrames(IAgentRegistry registry, ILogger<HoldClipFrames> logger, long maxBytes, TimeProvider? time = null)
    {
        _registry = registry;
        _logger = logger;
        _maxBytes = maxBytes;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long a clip that could not be read holds in silence before it is read again.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    /// <summary>What the kept frames weigh now.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// The frames a call of <paramref name="agent"/> loops while held, in its codec; null when the codec gets no hold
    /// audio. Done at once but for a clip not kept here yet, which is then read (once, however many calls ask).
    /// </summary>
    public Task<byte[][]?> ForCallAsync(RegisteredAgent agent, string? encoding, int? sampleRate)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var kind = agent.Resource.Continuity?.Hold ?? HoldAudioKind.Silence;
        if (kind != HoldAudioKind.Clip || HoldAudio.Format(encoding, sampleRate) is not { } format)
        {
            return Task.FromResult(HoldAudio.Frames(kind, encoding, sampleRate));
        }

        if (agent.HoldClip is not { } clip)
        {
            // An agent from a seed file, which cannot carry a clip (the seed's load says so): the admin API refuses
            // hold "clip" to an agent without one.
            return Task.FromResult(HoldAudio.Frames(HoldAudioKind.Silence, encoding, sampleRate));
        }

        var key = new FramesKey(clip.Sha256, format.Codec, format.Rate);
        if (TryGetKept(key) is { } kept)
        {
            return Task.FromResult<byte[][]?>(kept);
        }

        if (_failedAt.TryGetValue(key, out var failed) && _time.GetUtcNow() - failed < RetryAfterFailure)
        {
            return Task.FromResult(HoldAudio.Frames(HoldAudioKind.Silence, encoding, sampleRate));
        }

        var loading = _loading.GetOrAdd(key, k => new Lazy<Task<byte[][]?>>(() => LoadAsync(agent.Key, k)));
        return loading.Value;
    }

    /// <summary>
    /// The frames a hold starts with now: <paramref name="frames"/> once ready, which they are at once but for a clip
    /// still being read; should the registry take longer than <see cref="ReadWait"/> (Redis slow to answer), silence,
    /// so that the caller hears a hold at once rather than a dead line while it answers.
    /// </summary>
    public static async Task<byte[][]?> WithinReadWaitAsync(Task<byte[][]?> frames, string? encoding, int? sampleRate, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(frames);
        try
        {
            return await frames.WaitAsync(ReadWait, time);
        }
        catch (TimeoutException)
        {
            return HoldAudio.Frames(HoldAudioKind.Silence, encoding, sampleRate);
        }
    }

    private byte[][]? TryGetKept(FramesKey key)
    {
        lock (_lock)
        {
            if (!_kept.TryGetValue(key, out var node))
            {
                return null;
            }

            _recent.Remove(node);
            _recent.AddFirst(node);
            return node.Value.Frames;
        }
    }

    private async Task<byte[][]?> LoadAsync(AgentKey agent, FramesKey key)
    {
        var silence = HoldAudio.Frames(HoldAudioKind.Silence, key.Codec, key.Rate);
        try
        {
            // The rest runs off the asking call's path, and only once this load is in _loading: its removal below
            // cannot come before its insertion.
            await Task.Yield();
            var wav = await _registry.ReadHoldClipAsync(agent);
            if (wav is null)
            {
                LogUnavailable(_logger, agent, key.Sha256, "the registry holds no audio for it");
                _failedAt[key] = _time.GetUtcNow();
                return silence;
            }

            if (!HoldClipWav.TryRead(wav, out var format, out var fault))
            {
                LogUnavailable(_logger, agent, key.Sha256, fault!.Reason);
                _failedAt[key] = _time.GetUtcNow();
                return silence;
            }

            var frames = HoldAudio.ClipFrames(format.Samples(wav), format.SampleRate, key.Codec, key.Rate);

            // The audio may be a newer clip than the snapshot named (uploaded a moment ago): kept under its own hash,
            // which is the one the snapshot names once it has the change.
            Keep(key with { Sha256 = HoldClip.HashOf(wav) }, frames);
            _failedAt.TryRemove(key, out _);
            return frames;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Redis unreachable or timing out: the hold goes on in silence, and the next call reads again.
            LogUnavailable(_logger, agent, key.Sha256, e.Message);
            _failedAt[key] = _time.GetUtcNow();
            return silence;
        }
        finally
        {
            _loading.TryRemove(key, out _);
        }
    }

    private void Keep(FramesKey key, byte[][] frames)
    {
        var weight = frames.Sum(frame => (long)frame.Length);
        lock (_lock)
        {
            if (_kept.ContainsKey(key))
            {
                return;
            }

            _kept[key] = _recent.AddFirst(new Kept(key, frames, weight));
            _bytes += weight;
            while (_bytes > _maxBytes && _recent.Last is { } oldest && oldest != _recent.First)
            {
                _recent.RemoveLast();
                _kept.Remove(oldest.Value.Key);
                _bytes -= oldest.Value.Weight;
            }
        }
    }

    private readonly record struct FramesKey(string Sha256, string Codec, int Rate);

    private sealed record Kept(FramesKey Key, byte[][] Frames, long Weight);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "Agent {AgentKey}'s hold clip {Sha256} could not be read ({Reason}): silence instead")]
    private static partial void LogUnavailable(ILogger logger, AgentKey agentKey, string sha256, string reason);
}

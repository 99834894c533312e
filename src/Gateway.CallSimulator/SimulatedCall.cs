using System.Net;
using System.Net.WebSockets;

namespace Gateway.CallSimulator;

/// <summary>
/// One call from the Telnyx side, from connect to close, as every simulated call plays it: connect; then a sender
/// streams the call's frames while a receiver reads what the other side sends until its close frame, which it
/// answers. After the stop frame the call either closes the stream itself (1000), as Telnyx does, and waits for the
/// answer (<see cref="ClosesAfterStop"/>), or waits for the other side to close it. Whichever half fails first names the failure.
/// <see cref="CallRunner"/>'s calls and the benchmark's differ only in what they send and make of what comes back,
/// which subclasses say. The loops add no allocation per frame to what <see cref="TelnyxCallClient"/> itself makes.
/// </summary>
public abstract class SimulatedCall(TimeProvider timeProvider)
{
    private static readonly TimeSpan OwnCloseTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The clock of every timestamp the call takes.</summary>
    protected TimeProvider Time { get; } = timeProvider;

    /// <summary>How failures name the side this call streams to.</summary>
    protected virtual string Peer => "the other side";

    /// <summary>How long the upgrade may take; null to wait as long as the caller's token allows.</summary>
    protected virtual TimeSpan? ConnectTimeout => null;

    /// <summary>How long to wait, after the stop frame, for the other side to close the stream (or answer the close).</summary>
    protected abstract TimeSpan CloseTimeout { get; }

    /// <summary>
    /// True: after the stop frame this side closes the stream with 1000 "call ended", as Telnyx does (a Pipecat bot
    /// never closes on stop). False: the other side is expected to close it (a bot that closes on stop).
    /// </summary>
    protected virtual bool ClosesAfterStop => false;

    /// <summary>Plays the call on <paramref name="url"/>; every failure is reported through <see cref="Fail"/>.</summary>
    protected async Task RunAsync(Uri url, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var connectStarted = Time.GetTimestamp();
        TelnyxCallClient client;
        try
        {
            client = await ConnectAsync(url, headers, cancellationToken);
        }
        catch (WebSocketException exception)
        {
            var status = TelnyxCallClient.RefusedStatusCode(exception);
            Refused(status, status is { } code
                ? $"upgrade refused: HTTP {(int)code} ({code}){TelnyxCallClient.RefusalProblem(exception)}"
                : $"connect failed: {exception.Message.TrimEnd('.')}");
            return;
        }
        catch (OperationCanceledException)
        {
            Fail(cancellationToken.IsCancellationRequested || ConnectTimeout is not { } timeout
                ? "cancelled before the stream was connected"
                : $"no 101 within {timeout.TotalSeconds:0} s");
            return;
        }

        await using (client)
        {
            Connected(Time.GetElapsedTime(connectStarted));
            await StreamAsync(client, cancellationToken);
        }
    }

    /// <summary>The stream is open: the upgrade took <paramref name="setupTime"/>.</summary>
    protected abstract void Connected(TimeSpan setupTime);

    /// <summary>
    /// Sends every frame of the call, stop last. <paramref name="token"/> is cancelled when the receiver stops, that is
    /// when the other side has ended the stream.
    /// </summary>
    protected abstract Task SendFramesAsync(TelnyxCallClient client, CancellationToken token);

    /// <summary>A frame from the other side, on the receiver.</summary>
    protected virtual void FrameReceived(ReceivedFrame frame)
    {
    }

    /// <summary>
    /// A frame from the other side, on the receiver, in the client's buffer (valid during this call only): copied into a
    /// <see cref="ReceivedFrame"/> for <see cref="FrameReceived(ReceivedFrame)"/> unless overridden by a call that reads
    /// it where it is (the benchmark's, which receives fifty a second per call and must not allocate for them).
    /// </summary>
    protected virtual void FrameReceived(WebSocketMessageType type, ReadOnlySpan<byte> payload) =>
        FrameReceived(new ReceivedFrame(type, payload.ToArray(), null, null));

    /// <summary>The close frame that ends the stream, just before it is answered.</summary>
    protected abstract void CloseReceived(ReceivedFrame close);

    /// <summary>
    /// Records why the call failed. Both halves call it, and one failure often brings more (a lost connection fails the
    /// next send too): the first is the cause.
    /// </summary>
    protected abstract void Fail(string reason);

    /// <summary>The upgrade failed: refused with <paramref name="status"/>, or no HTTP answer at all when it is null.</summary>
    protected virtual void Refused(HttpStatusCode? status, string reason) => Fail(reason);

    /// <summary>
    /// The other side has not closed within <see cref="CloseTimeout"/> of the stop frame: ends the stream from this side.
    /// This default closes it and waits a second for the answer, then drops the connection.
    /// </summary>
    protected virtual async Task CloseUnansweredAsync(TelnyxCallClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var ownClose = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ownClose.CancelAfter(OwnCloseTimeout);
        try
        {
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", ownClose.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            client.Abort();
        }
    }

    private async Task<TelnyxCallClient> ConnectAsync(
        Uri url,
        IReadOnlyDictionary<string, string>? headers,
        CancellationToken cancellationToken)
    {
        if (ConnectTimeout is not { } timeout)
        {
            return await TelnyxCallClient.ConnectAsync(url, cancellationToken, headers);
        }

        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(timeout);
        return await TelnyxCallClient.ConnectAsync(url, connectTimeout.Token, headers);
    }

    private async Task StreamAsync(TelnyxCallClient client, CancellationToken cancellationToken)
    {
        using var receiverDone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiver = ReceiveUntilClosedAsync(client, receiverDone, cancellationToken);
        try
        {
            await SendFramesAsync(client, receiverDone.Token);
            await AwaitCloseAsync(client, receiver, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Fail("cancelled");
            client.Abort();
        }
        catch (Exception exception) when (receiverDone.IsCancellationRequested
            && exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The receiver has stopped, so the other side closed or vanished mid-call; the receiver says which.
            Fail($"{Peer} ended the stream before the call was over");
        }
        catch (WebSocketException exception)
        {
            Fail($"send failed: {exception.Message.TrimEnd('.')}");
            client.Abort();
        }

        await receiver;
    }

    /// <summary>
    /// After stop: close the stream and wait for the answer, or wait for the other side to end it; if nothing comes, the
    /// call ends it itself.
    /// </summary>
    private async Task AwaitCloseAsync(TelnyxCallClient client, Task receiver, CancellationToken cancellationToken)
    {
        // A peer that closed on stop may have beaten this close: then there is only its close left to wait for.
        var closed = ClosesAfterStop
            && await client.CloseOutputIfOpenAsync(WebSocketCloseStatus.NormalClosure, "call ended", cancellationToken);
        try
        {
            await receiver.WaitAsync(CloseTimeout, Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            if (closed)
            {
                Fail($"{Peer} did not answer the close within {CloseTimeout.TotalSeconds:0.#} s");
                client.Abort();
                return;
            }

            Fail($"no close from {Peer} within {CloseTimeout.TotalSeconds:0.#} s of the stop frame");
            await CloseUnansweredAsync(client, cancellationToken);
        }
    }

    private async Task ReceiveUntilClosedAsync(
        TelnyxCallClient client,
        CancellationTokenSource receiverDone,
        CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var type = await client.ReceiveInPlaceAsync(cancellationToken);
                if (type == WebSocketMessageType.Close)
                {
                    var close = client.CloseFrame;
                    CloseReceived(close);
                    await client.AnswerCloseAsync(close, cancellationToken);
                    return;
                }

                FrameReceived(type, client.Message.Span);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Fail("cancelled");
        }
        catch (WebSocketException exception)
        {
            Fail($"connection lost without a close frame: {exception.Message.TrimEnd('.')}");
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // This side aborted the connection, and has already recorded why.
            Fail("connection aborted");
        }
        finally
        {
            await receiverDone.CancelAsync();
        }
    }
}

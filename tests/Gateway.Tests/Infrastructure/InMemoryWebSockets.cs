using System.IO.Pipelines;
using System.Net.WebSockets;
using Gateway.Relay;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Two ends of one WebSocket connection over in-memory pipes: the gateway's leg (its own <see cref="LegSocket"/>) and
/// the peer's, the framework's managed WebSocket, so each stage's unit test also checks the gateway's framing against
/// an independent implementation of RFC 6455, without a socket.
/// </summary>
public static class InMemoryWebSockets
{
    /// <summary>A caller leg: the gateway's end (server: it reads masked frames) and Telnyx's end (client).</summary>
    public static (LegSocket Server, WebSocket Client) Pair()
    {
        var (gateway, peer) = Streams();
        return (new LegSocket(gateway, LegRole.Server), WebSocket.CreateFromStream(peer, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }));
    }

    /// <summary>A bot hop: the bot's end (server) and the gateway's end (client: it masks what it sends).</summary>
    public static (WebSocket Server, LegSocket Client) BotHop()
    {
        var (gateway, peer) = Streams();
        return (WebSocket.CreateFromStream(peer, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }), new LegSocket(gateway, LegRole.Client));
    }

    /// <summary>The two ends of one in-memory connection: what one writes, the other reads.</summary>
    public static (Stream Gateway, Stream Peer) Streams()
    {
        var toGateway = new Pipe();
        var toPeer = new Pipe();
        return (new DuplexStream(toGateway.Reader.AsStream(), toPeer.Writer.AsStream()), new DuplexStream(toPeer.Reader.AsStream(), toGateway.Writer.AsStream()));
    }

    /// <summary>Reads from one pipe, writes to the other.</summary>
    private sealed class DuplexStream(Stream input, Stream output) : Stream
    {
        private readonly CancellationTokenSource _disposed = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // As a socket's: disposing the stream ends a read that is waiting on it.
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token) : null;
            try
            {
                return await input.ReadAsync(buffer, linked?.Token ?? _disposed.Token);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new IOException("the connection was dropped");
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

        public override void Flush() => output.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _disposed.Cancel();

                // The peer's end first: it must see the end of the stream even if the reading side refuses to go.
                output.Dispose();
                input.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

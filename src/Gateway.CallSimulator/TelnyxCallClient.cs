using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace Gateway.CallSimulator;

/// <summary>The Telnyx side of one call's media stream: the WebSocket client Telnyx opens to a stream URL.</summary>
public sealed class TelnyxCallClient : IAsyncDisposable
{
    /// <summary>Key in <see cref="Exception.Data"/> under which a refused upgrade's HTTP status code is kept.</summary>
    public const string HttpStatusCodeKey = "HttpStatusCode";

    /// <summary>Key in <see cref="Exception.Data"/> under which a refused upgrade's body (at most 4 KiB of it) is kept.</summary>
    public const string RefusalBodyKey = "RefusalBody";

    /// <summary>Bot audio may legitimately be large (Telnyx accepts up to 30 s per media frame), so allow a few MiB.</summary>
    public const int MaxMessageSize = 4 * 1024 * 1024;

    private const int ReceiveChunkSize = 16 * 1024;

    private readonly ClientWebSocket _socket;

    // Reused across messages: a load run receives fifty frames a second per call.
    private readonly ArrayBufferWriter<byte> _message = new(ReceiveChunkSize);

    // ClientWebSocket allows one send at a time; the call's sender and its close handling may overlap.
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private TelnyxCallClient(ClientWebSocket socket) => _socket = socket;

    public WebSocketState State => _socket.State;

    /// <summary>
    /// Connects as Telnyx does: no Origin header, no subprotocol, no keep-alive pings. A refused upgrade throws the
    /// <see cref="WebSocketException"/> from the handshake, with the HTTP status in
    /// <see cref="Exception.Data"/>[<see cref="HttpStatusCodeKey"/>] (see <see cref="RefusedStatusCode"/>).
    /// </summary>
    public static async Task<TelnyxCallClient> ConnectAsync(
        Uri url,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        var socket = new ClientWebSocket();
        var refusal = new RefusalCapture();
        try
        {
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                socket.Options.SetRequestHeader(name, value);
            }

            try
            {
                await socket.ConnectAsync(url, new HttpMessageInvoker(refusal, disposeHandler: false), cancellationToken);
            }
            catch (WebSocketException exception) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
            {
                exception.Data[HttpStatusCodeKey] = (int)socket.HttpStatusCode;
                if (refusal.Body is { } body)
                {
                    exception.Data[RefusalBodyKey] = body;
                }

                throw;
            }

            return new TelnyxCallClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The HTTP status with which the server refused the upgrade, when it answered at all.</summary>
    public static HttpStatusCode? RefusedStatusCode(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Data[HttpStatusCodeKey] is int status ? (HttpStatusCode)status : null;
    }

    /// <summary>
    /// A refusal's problem details as the simulator prints them after the status, e.g.
    /// <c>: no_capacity: No instance of agent 'support.acme' has free capacity.</c>; empty when the body was none.
    /// </summary>
    public static string RefusalProblem(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Data[RefusalBodyKey] is not string body || body.Length == 0)
        {
            return string.Empty;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            var root = document.RootElement;
            string? Text(string name) => root.ValueKind == System.Text.Json.JsonValueKind.Object
                && root.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
                    ? value.GetString()
                    : null;
            var code = Text("code");
            var detail = Text("detail") ?? Text("title");
            return code is null && detail is null ? string.Empty : $": {code ?? "(no code)"}: {detail ?? "(no detail)"}";
        }
        catch (System.Text.Json.JsonException)
        {
            return string.Empty;
        }
    }

    public Task SendTextAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken = default) =>
        SendAsync(frame, WebSocketMessageType.Text, cancellationToken);

    public Task SendBinaryAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken = default) =>
        SendAsync(frame, WebSocketMessageType.Binary, cancellationToken);

    /// <summary>
    /// Receives one whole message. A close frame is returned, not answered, so the caller chooses how the stream ends;
    /// a connection lost without one surfaces as the <see cref="WebSocketException"/> the socket throws.
    /// </summary>
    public async Task<ReceivedFrame> ReceiveAsync(CancellationToken cancellationToken) =>
        await ReceiveInPlaceAsync(cancellationToken) is var type && type == WebSocketMessageType.Close
            ? CloseFrame
            : new ReceivedFrame(type, _message.WrittenSpan.ToArray(), null, null);

    /// <summary>
    /// Receives one whole message, as <see cref="ReceiveAsync"/> does, into this client's own buffer: its bytes are
    /// <see cref="Message"/> until the next receive, and a close is <see cref="CloseFrame"/>. Nothing is copied or
    /// allocated per message, so a load run's fifty frames a second per call do not make the load tool collect (and
    /// pause every call's echoes) while it measures.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<WebSocketMessageType> ReceiveInPlaceAsync(CancellationToken cancellationToken)
    {
        _message.ResetWrittenCount();
        while (true)
        {
            var result = await _socket.ReceiveAsync(_message.GetMemory(ReceiveChunkSize), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return WebSocketMessageType.Close;
            }

            if (_message.WrittenCount + result.Count > MaxMessageSize)
            {
                await CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken);
                throw new WebSocketException(
                    WebSocketError.Faulted,
                    $"A message from the other side exceeded {MaxMessageSize} bytes.");
            }

            _message.Advance(result.Count);
            if (result.EndOfMessage)
            {
                return result.MessageType;
            }
        }
    }

    /// <summary>The message <see cref="ReceiveInPlaceAsync"/> received last; overwritten by the next receive.</summary>
    public ReadOnlyMemory<byte> Message => _message.WrittenMemory;

    /// <summary>The close frame that ended the stream, once one was received.</summary>
    public ReceivedFrame CloseFrame => new(WebSocketMessageType.Close, [], _socket.CloseStatus, _socket.CloseStatusDescription);

    /// <summary>Sends a close frame and waits for the other side's answer.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.CloseAsync(status, reason, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a close frame without waiting; also the way to answer a close the other side started.</summary>
    public async Task CloseOutputAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.CloseOutputAsync(status, reason, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Starts the close handshake unless the stream is already closing (the other side closed first, or this side did):
    /// true when this call sent the close frame. The answer arrives through <see cref="ReceiveAsync"/>.
    /// </summary>
    public async Task<bool> CloseOutputIfOpenAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State != WebSocketState.Open)
            {
                return false;
            }

            await _socket.CloseOutputAsync(status, reason, cancellationToken);
            return true;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Completes a close handshake the other side started, echoing its code and reason as RFC 6455 suggests; a close
    /// without a code can only be answered without one. Does nothing when this side started the close.
    /// </summary>
    public async Task AnswerCloseAsync(ReceivedFrame close, CancellationToken cancellationToken = default)
    {
        var status = close.CloseStatus ?? WebSocketCloseStatus.Empty;
        var reason = close.CloseStatus is null ? string.Empty : close.CloseDescription ?? string.Empty;
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            // Checked under the send lock: this side's own close may have crossed the other side's, and then the
            // handshake is already complete.
            if (_socket.State == WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, reason, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Drops the connection with no close frame, as a crashed or cut-off peer would.</summary>
    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sendLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(ReadOnlyMemory<byte> frame, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(frame, type, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// The upgrade's HTTP hop, kept so that a refusal's body can be read: ClientWebSocket throws on a status other than
    /// 101 without it. One connection handler serves every call (an upgraded connection leaves its pool); no proxy,
    /// cookies or redirects, as ClientWebSocket's own hop has none.
    /// </summary>
    private sealed class RefusalCapture : HttpMessageHandler
    {
        private const int MaxBodyChars = 4096;

        private static readonly HttpMessageInvoker Shared = new(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
        });

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await Shared.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                Body = body.Length > MaxBodyChars ? body[..MaxBodyChars] : body;
            }

            return response;
        }
    }
}

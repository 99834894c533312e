using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Asks exactly one redis-server (node or sentinel) one question over a connection of its own, then closes it.
/// The test infrastructure uses this rather than a multiplexer: a multiplexer reconnects in the background, routes
/// cluster commands by slot to whichever node owns it and needs a command map for sentinels, while a question about
/// one node must be answered by that node, and promptly, even while it is killed or paused.
/// </summary>
public sealed class RedisProbe
{
    /// <summary>How long one question may take: a paused (SIGSTOP) node accepts the connection and never answers.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly Stream _stream;
    private readonly CancellationToken _cancellation;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private RedisProbe(Stream stream, CancellationToken cancellation)
    {
        _stream = stream;
        _cancellation = cancellation;
    }

    /// <summary>Sends one command (strings, numbers, <see cref="RedisKey"/> or <see cref="RedisValue"/> arguments).</summary>
    /// <exception cref="RedisServerException">The node answered with an error.</exception>
    public static Task<RedisResult> ExecuteAsync(EndPoint node, params object[] command) => ExecuteAsync(node, [command]);

    /// <summary>Sends the commands in order on one connection (for connection state such as READONLY) and returns the last answer.</summary>
    public static async Task<RedisResult> ExecuteAsync(EndPoint node, IReadOnlyList<object[]> commands)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        var address = (IPEndPoint)node;
        await client.ConnectAsync(address.Address, address.Port, timeout.Token);
        var stream = client.GetStream();
        var request = new MemoryStream();
        foreach (var command in commands)
        {
            Encode(request, command);
        }

        await stream.WriteAsync(request.GetBuffer().AsMemory(0, (int)request.Length), timeout.Token);
        var probe = new RedisProbe(stream, timeout.Token);
        RedisResult? last = null;
        foreach (var _ in commands)
        {
            last = await probe.ReadAsync();
        }

        return last!;
    }

    /// <summary>The fields of <c>INFO section</c>, e.g. <c>role</c> and <c>master_link_status</c> of <c>INFO replication</c>.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> InfoAsync(EndPoint node, string section)
    {
        var text = (string?)await ExecuteAsync(node, "INFO", section) ?? "";
        return Fields(text);
    }

    /// <summary>The <c>name:value</c> lines of an INFO-style text (<c>INFO</c>, <c>CLUSTER INFO</c>).</summary>
    public static IReadOnlyDictionary<string, string> Fields(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#') && line.Contains(':', StringComparison.Ordinal))
            .Select(line => line.Split(':', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    /// <summary>
    /// Asks until the node answers, asking again when the connection fails (refused, closed, or unanswered within one
    /// question's timeout); an error reply is an answer and throws. For a read on a node just failed over (the
    /// sentinels close its clients' connections when they reconfigure it, a cluster replica is promoted under load): a
    /// busy machine can hold one answer past a question's timeout. Only for a question that may be asked twice.
    /// </summary>
    public static async Task<T> AnswerAsync<T>(Func<Task<T>> ask, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await ask();
            }
            catch (Exception e) when (Unanswered(e))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"No answer within {timeout.TotalSeconds:F0} s to {what}.", e);
                }
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Polls until the condition holds, counting a node that cannot answer yet (refused, timed out, erroring) as "not yet".
    /// On timeout it throws with <paramref name="what"/> and whatever <paramref name="details"/> says about the processes.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, Func<string>? details = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (Unanswered(e) || e is RedisServerException)
            {
                // The node is down, paused or still loading; ask again.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F0} s waiting until {what}.{Environment.NewLine}{details?.Invoke()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The node did not answer: refused, closed, or silent past a question's timeout.</summary>
    private static bool Unanswered(Exception e) => e is SocketException or IOException or OperationCanceledException;

    private static void Encode(MemoryStream request, object[] command)
    {
        request.Write(Encoding.ASCII.GetBytes($"*{command.Length}\r\n"));
        foreach (var argument in command)
        {
            var bytes = argument switch
            {
                byte[] raw => raw,
                RedisKey key => (byte[]?)key ?? [],
                RedisValue value => (byte[]?)value ?? [],
                IFormattable formattable => Encoding.UTF8.GetBytes(formattable.ToString(null, CultureInfo.InvariantCulture)),
                _ => Encoding.UTF8.GetBytes(argument.ToString() ?? ""),
            };
            request.Write(Encoding.ASCII.GetBytes($"${bytes.Length}\r\n"));
            request.Write(bytes);
            request.Write("\r\n"u8);
        }
    }

    private async Task<RedisResult> ReadAsync()
    {
        var line = await ReadLineAsync();
        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return RedisResult.Create(rest, ResultType.SimpleString);
            case '-':
                throw new RedisServerException(RedisErrorKind.Unknown, CommandFlags.None, rest);
            case ':':
                return RedisResult.Create(long.Parse(rest, CultureInfo.InvariantCulture), ResultType.Integer);
            case '$':
                var length = int.Parse(rest, CultureInfo.InvariantCulture);
                return RedisResult.Create(length < 0 ? RedisValue.Null : await ReadBlockAsync(length), ResultType.BulkString);
            case '*':
                var count = int.Parse(rest, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return RedisResult.Create(RedisValue.Null, ResultType.BulkString);
                }

                var items = new RedisResult[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync();
                }

                return RedisResult.Create(items);
            default:
                throw new InvalidDataException($"Unexpected reply from redis: {line}");
        }
    }

    private async Task<string> ReadLineAsync()
    {
        var line = new List<byte>();
        while (true)
        {
            var next = await ReadByteAsync();
            if (next == '\n' && line.Count > 0 && line[^1] == '\r')
            {
                return Encoding.UTF8.GetString(line.ToArray(), 0, line.Count - 1);
            }

            line.Add(next);
        }
    }

    private async Task<byte[]> ReadBlockAsync(int length)
    {
        var block = new byte[length + 2];
        for (var i = 0; i < block.Length; i++)
        {
            block[i] = await ReadByteAsync();
        }

        return block[..length];
    }

    private async ValueTask<byte> ReadByteAsync()
    {
        if (_start == _end)
        {
            _start = 0;
            _end = await _stream.ReadAsync(_buffer, _cancellation);
            if (_end == 0)
            {
                throw new EndOfStreamException("redis closed the connection");
            }
        }

        return _buffer[_start++];
    }
}

using System.Buffers;
using System.Text;

namespace Gateway.Core;

/// <summary>
/// An HTTP/1.1 head read off a stream up to its blank line (a request's on the media listener, a bot's 101), with the
/// bytes that came after it. The buffer is pooled and starts at a size most heads fit, growing once to the most a head
/// may weigh: hundreds of connections opening at once each borrow a small buffer the pool has at hand, not a large one
/// it would have to allocate (96 KiB was a fresh large-object array per call). Disposing returns the buffer.
/// </summary>
internal sealed class HttpHead : IDisposable
{
    private static readonly byte[] BlankLine = "\r\n\r\n"u8.ToArray();

    // The most a kept composer may hold: a head larger than most (many bot headers) is not kept for every later one.
    private const int KeptComposerChars = 2048;

    // One composer per thread, reused: a head is composed and encoded with no await in between, so its builder is free
    // again before the write is awaited. A fresh builder per head was 1 KiB of chars, twice per call.
    [ThreadStatic]
    private static StringBuilder? t_composer;

    private byte[] _buffer;
    private int _length;
    private int _end = -1;

    private HttpHead(int firstBytes) => _buffer = ArrayPool<byte>.Shared.Rent(firstBytes);

    /// <summary>The stream ended before the blank line.</summary>
    public bool Closed { get; private set; }

    /// <summary>The head reached the most it may weigh without its blank line.</summary>
    public bool TooLarge => _end < 0 && !Closed;

    /// <summary>Everything read: the head, its blank line and what followed (what a parser that finds the end itself takes).</summary>
    public ReadOnlySpan<byte> Read => _buffer.AsSpan(0, _length);

    /// <summary>The head without its blank line; empty when there is none.</summary>
    public ReadOnlySpan<byte> Head => _end < 0 ? [] : _buffer.AsSpan(0, _end);

    /// <summary>The bytes that came after the blank line in the same reads.</summary>
    public ReadOnlySpan<byte> After => _end < 0 ? [] : _buffer.AsSpan(_end + BlankLine.Length, _length - _end - BlankLine.Length);

    /// <summary>An empty builder to compose a head in, for <see cref="WriteAsync"/>, which takes it back.</summary>
    public static StringBuilder Compose()
    {
        var composer = t_composer ?? new StringBuilder(512);
        t_composer = null;
        return composer.Clear();
    }

    /// <summary>
    /// Writes a head composed in <paramref name="head"/> (from <see cref="Compose"/>, not used after), ASCII by
    /// construction (a status or request line, header names and values the gateway made: one byte per character), from
    /// its chunks into a pooled buffer: no string of it.
    /// </summary>
    public static async ValueTask WriteAsync(Stream stream, StringBuilder head, CancellationToken cancellationToken)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(head.Length);
        try
        {
            var length = 0;
            foreach (var chunk in head.GetChunks())
            {
                length += Encoding.ASCII.GetBytes(chunk.Span, bytes.AsSpan(length));
            }

            if (head.Capacity <= KeptComposerChars)
            {
                t_composer = head;
            }

            await stream.WriteAsync(bytes.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    public static async Task<HttpHead> ReadAsync(Stream stream, int firstBytes, int maxBytes, CancellationToken cancellationToken)
    {
        var head = new HttpHead(Math.Min(firstBytes, maxBytes));
        try
        {
            while ((head._end = head.Read.IndexOf(BlankLine)) < 0 && head._length < maxBytes)
            {
                if (head._length == head._buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(maxBytes);
                    head.Read.CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(head._buffer);
                    head._buffer = larger;
                }

                var read = await stream.ReadAsync(head._buffer.AsMemory(head._length, Math.Min(head._buffer.Length, maxBytes) - head._length), cancellationToken);
                if (read == 0)
                {
                    head.Closed = true;
                    break;
                }

                head._length += read;
            }

            return head;
        }
        catch
        {
            head.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}

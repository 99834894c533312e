using System.Buffers;
using System.Text;

namespace Gateway.Hosting;

/// <summary>
/// The head of an HTTP/1.1 request as the media listener reads it off its socket: the request line and the header
/// fields, up to the blank line. Only what an upgrade request needs is accepted; whatever else is refused with the
/// reason, before any handler sees it.
/// </summary>
/// <remarks>
/// Own code rather than a library's: ASP.NET Core's parser is internal to Kestrel, and the point of the media listener
/// is that a call's connection is the gateway's from its first byte. The grammar is RFC 9112's, kept to one request
/// per connection (an upgrade request has no body, and the connection is a WebSocket after it).
/// </remarks>
internal sealed record MediaRequestHead(string Method, string Target, string Protocol, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    // Printable ASCII, tabs and the line breaks between lines: what a request head is made of.
    private static readonly SearchValues<byte> Allowed = SearchValues.Create([.. Enumerable.Range(0x20, 0x5F).Select(b => (byte)b), (byte)'\t', (byte)'\r', (byte)'\n']);

    /// <summary>Why a head could not be read: the status to answer with, and the detail.</summary>
    public sealed record Fault(int Status, string Detail);

    /// <summary>Looks for a whole head at the start of <paramref name="bytes"/>.</summary>
    /// <returns>The head and its length in bytes; null with no fault while the head is not complete yet.</returns>
    public static (MediaRequestHead? Head, int Length, Fault? Fault) TryRead(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return (null, 0, null);
        }

        var head = bytes[..end];
        if (head.IndexOfAnyExcept(Allowed) >= 0)
        {
            return Refused(400, "The request head holds a byte that is not printable ASCII.");
        }

        // Read off the bytes: only the parts kept become strings (a call's head is parsed once, but by every call).
        var lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        var firstSpace = requestLine.IndexOf((byte)' ');
        var secondSpace = firstSpace < 0 ? -1 : requestLine[(firstSpace + 1)..].IndexOf((byte)' ');
        if (firstSpace <= 0 || secondSpace <= 0 || requestLine[(firstSpace + secondSpace + 2)..].Contains((byte)' '))
        {
            return Refused(400, "The request line is not 'METHOD target HTTP/1.1'.");
        }

        var method = requestLine[..firstSpace];
        var target = requestLine.Slice(firstSpace + 1, secondSpace);
        var protocol = requestLine[(firstSpace + secondSpace + 2)..];
        if (!protocol.StartsWith("HTTP/1."u8) || protocol.Length != 8 || !char.IsAsciiDigit((char)protocol[7]))
        {
            return Refused(505, $"'{Encoding.ASCII.GetString(protocol)}' is not HTTP/1.x; a WebSocket upgrade takes HTTP/1.1 (RFC 6455).");
        }

        if (target[0] != (byte)'/')
        {
            return Refused(400, "The request target is not an absolute path ('/ws/telnyx?…').");
        }

        var fields = new List<KeyValuePair<string, string>>(head.Count("\r\n"u8));
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (lineEnd >= 0)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t' || line[..colon].ContainsAny((byte)' ', (byte)'\t'))
            {
                return Refused(400, $"The header line '{Truncate(Encoding.ASCII.GetString(line))}' is not 'name: value' (obsolete line folding is refused, RFC 9112 §5.2).");
            }

            fields.Add(new(Encoding.ASCII.GetString(line[..colon]), Encoding.ASCII.GetString(line[(colon + 1)..].Trim(" \t"u8))));
        }

        return (new MediaRequestHead(Text(method, "GET"), Encoding.ASCII.GetString(target), Text(protocol, "HTTP/1.1"), fields), end + 4, null);
    }

    /// <summary>The bytes as a string; the usual value's own instance when they spell it.</summary>
    private static string Text(ReadOnlySpan<byte> bytes, string usual) =>
        Ascii.Equals(bytes, usual) ? usual : Encoding.ASCII.GetString(bytes);

    private static (MediaRequestHead?, int, Fault?) Refused(int status, string detail) => (null, 0, new Fault(status, detail));

    private static string Truncate(string line) => line.Length <= 40 ? line : line[..40] + "…";
}

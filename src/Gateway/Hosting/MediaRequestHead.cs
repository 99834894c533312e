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

        var lines = Encoding.ASCII.GetString(head).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0].Length == 0 || requestLine[1].Length == 0)
        {
            return Refused(400, "The request line is not 'METHOD target HTTP/1.1'.");
        }

        if (!requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || requestLine[2].Length != 8 || !char.IsAsciiDigit(requestLine[2][7]))
        {
            return Refused(505, $"'{requestLine[2]}' is not HTTP/1.x; a WebSocket upgrade takes HTTP/1.1 (RFC 6455).");
        }

        if (!requestLine[1].StartsWith('/'))
        {
            return Refused(400, "The request target is not an absolute path ('/ws/telnyx?…').");
        }

        var fields = new List<KeyValuePair<string, string>>(lines.Length - 1);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t' || line.AsSpan(0, colon).ContainsAny(" \t"))
            {
                return Refused(400, $"The header line '{Truncate(line)}' is not 'name: value' (obsolete line folding is refused, RFC 9112 §5.2).");
            }

            fields.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        return (new MediaRequestHead(requestLine[0], requestLine[1], requestLine[2], fields), end + 4, null);
    }

    private static (MediaRequestHead?, int, Fault?) Refused(int status, string detail) => (null, 0, new Fault(status, detail));

    private static string Truncate(string line) => line.Length <= 40 ? line : line[..40] + "…";
}

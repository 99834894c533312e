using System.Text;
using Gateway.Ingress;

namespace Gateway.Tests.Ingress;

/// <summary>The <c>body</c> query value: every encoding seen in the wild in, one canonical form out.</summary>
public sealed class SessionBodyTests
{
    // Chosen so that its standard base64 holds both characters the other forms rewrite ('+' and '/') and padding.
    private const string Json = """{"note":"~~~>>>???"}""";
    private const string Standard = "eyJub3RlIjoifn5+Pj4+Pz8/In0=";
    private const int Limit = 4096;

    [Fact]
    public void The_sample_json_exercises_every_rewritten_character()
    {
        Assert.Equal(Standard, Convert.ToBase64String(Encoding.UTF8.GetBytes(Json)));
        Assert.Contains("+", Standard, StringComparison.Ordinal);
        Assert.Contains("/", Standard, StringComparison.Ordinal);
        Assert.EndsWith("=", Standard, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eyJub3RlIjoifn5+Pj4+Pz8/In0=")] // standard, padded
    [InlineData("eyJub3RlIjoifn5-Pj4-Pz8_In0=")] // URL-safe, padded
    [InlineData("eyJub3RlIjoifn5-Pj4-Pz8_In0")] // URL-safe, unpadded
    [InlineData("eyJub3RlIjoifn5+Pj4+Pz8/In0")] // standard, unpadded
    [InlineData("eyJub3RlIjoifn5 Pj4 Pz8/In0=")] // '+' read as a space by a query parser
    [InlineData("eyJub3RlIjoifn5 Pj4 Pz8/In0")] // both at once
    public void Every_encoding_of_the_same_json_decodes_to_the_canonical_form(string value)
    {
        Assert.True(SessionBody.TryDecode(value, Limit, out var body, out var error), error);

        Assert.NotNull(body);
        Assert.Equal(Standard, body.CanonicalBase64);
        Assert.Equal(Encoding.UTF8.GetByteCount(Json), body.JsonBytes);
        Assert.Equal(20, body.JsonBytes);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public void The_canonical_form_decodes_back_to_the_original_json()
    {
        Assert.True(SessionBody.TryDecode("eyJub3RlIjoifn5-Pj4-Pz8_In0", Limit, out var body, out _));

        Assert.Equal(Json, Encoding.UTF8.GetString(Convert.FromBase64String(body!.CanonicalBase64)));
    }

    [Fact]
    public void An_empty_object_is_a_valid_body()
    {
        Assert.True(SessionBody.TryDecode("e30", Limit, out var body, out _));

        Assert.Equal("e30=", body!.CanonicalBase64);
        Assert.Equal(2, body.JsonBytes);
    }

    [Theory]
    [InlineData("", "body is empty.")]
    [InlineData("==", "body is empty.")]
    [InlineData("!!!!", "body is not base64.")]
    [InlineData("eyJ*IjoxfQ", "body is not base64.")]
    [InlineData("e30=e30=", "body is not base64.")] // padding in the middle
    [InlineData("eyJhIjoxf", "body is not base64.")] // nine characters: length % 4 == 1 is never base64
    [InlineData("x", "body is not base64.")]
    public void Malformed_values_are_refused_with_their_reason(string value, string expected)
    {
        Assert.False(SessionBody.TryDecode(value, Limit, out var body, out var error));

        Assert.Null(body);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("hello world", "body is not UTF-8 JSON.")]
    [InlineData("""{"a":1""", "body is not UTF-8 JSON.")]
    [InlineData("""[{"a":1}]""", "body must be base64 of a JSON object.")]
    [InlineData("\"text\"", "body must be base64 of a JSON object.")]
    [InlineData("42", "body must be base64 of a JSON object.")]
    [InlineData("null", "body must be base64 of a JSON object.")]
    [InlineData("   ", "body is not UTF-8 JSON.")]
    public void Base64_of_anything_but_a_json_object_is_refused(string text, string expected)
    {
        Assert.False(SessionBody.TryDecode(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), Limit, out var body, out var error));

        Assert.Null(body);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_at_all_are_refused()
    {
        var value = Convert.ToBase64String([0xFF, 0xFE, 0x7B, 0x7D]);

        Assert.False(SessionBody.TryDecode(value, Limit, out var body, out var error));

        Assert.Null(body);
        Assert.Equal("body is not UTF-8 JSON.", error);
    }

    [Fact]
    public void Invalid_utf8_inside_a_json_string_is_refused()
    {
        // A two-byte lead followed by an ASCII byte: well-formed JSON syntax, but not UTF-8.
        byte[] json = [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.False(SessionBody.TryDecode(Convert.ToBase64String(json), Limit, out var body, out var error));

        Assert.Null(body);
        Assert.Equal("body is not UTF-8 JSON.", error);
    }

    [Theory]
    [InlineData("""{"a":1} {"b":2}""")]
    [InlineData("""{"a":1}x""")]
    [InlineData("""{}[]""")]
    public void Data_after_the_json_object_is_refused(string text)
    {
        Assert.False(SessionBody.TryDecode(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), Limit, out var body, out var error));

        // The reason given today is wrong (see the skipped test below); what matters here is that nothing gets through.
        Assert.Null(body);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Data_after_the_json_object_is_refused_with_its_own_reason()
    {
        var value = Convert.ToBase64String("""{"a":1} {"b":2}"""u8);

        Assert.False(SessionBody.TryDecode(value, Limit, out _, out var error));

        Assert.Equal("body holds data after its JSON object.", error);
    }

    [Fact]
    public void Whitespace_around_the_object_is_not_trailing_data()
    {
        Assert.True(SessionBody.TryDecode(Convert.ToBase64String(" {\"a\":1} \n"u8), Limit, out var body, out _));

        Assert.Equal(10, body!.JsonBytes);
    }

    [Theory]
    [InlineData(0)] // length % 3 == 0: no padding
    [InlineData(1)] // one padding character
    [InlineData(2)] // two padding characters
    public void A_body_of_exactly_the_limit_is_accepted_in_every_padding_form(int extra)
    {
        const int limit = 300;
        var json = JsonOfLength(limit - extra);
        var max = json.Length;
        var standard = Convert.ToBase64String(json);

        Assert.True(SessionBody.TryDecode(standard, max, out var padded, out var error), error);
        Assert.True(SessionBody.TryDecode(standard.TrimEnd('='), max, out var unpadded, out error), error);

        Assert.Equal(max, padded!.JsonBytes);
        Assert.Equal(max, unpadded!.JsonBytes);
        Assert.Equal(standard, unpadded.CanonicalBase64);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_body_one_byte_over_the_limit_is_refused_by_its_decoded_length(int extra)
    {
        var json = JsonOfLength(301 - extra);
        var max = json.Length - 1;
        var standard = Convert.ToBase64String(json);

        Assert.False(SessionBody.TryDecode(standard, max, out var padded, out var error));
        Assert.Equal($"body is larger than {max} bytes of JSON.", error);
        Assert.Null(padded);

        Assert.False(SessionBody.TryDecode(standard.TrimEnd('='), max, out _, out error));
        Assert.Equal($"body is larger than {max} bytes of JSON.", error);
    }

    [Fact]
    public void An_oversized_value_is_refused_by_its_length_before_it_is_decoded()
    {
        // Not base64 at all: the size refusal proves the raw length is checked before any decoding work is done.
        var value = new string('!', 4 * 1024 * 1024);

        Assert.False(SessionBody.TryDecode(value, Limit, out var body, out var error));

        Assert.Null(body);
        Assert.Equal("body is larger than 4096 bytes of JSON.", error);
    }

    [Fact]
    public void A_limit_of_zero_refuses_every_body()
    {
        Assert.False(SessionBody.TryDecode("e30=", 0, out _, out var error));

        Assert.Equal("body is larger than 0 bytes of JSON.", error);
    }

    /// <summary>A JSON object of exactly <paramref name="length"/> UTF-8 bytes.</summary>
    private static byte[] JsonOfLength(int length)
    {
        const string open = "{\"pad\":\"";
        const string close = "\"}";
        var json = open + new string('x', length - open.Length - close.Length) + close;
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(length, bytes.Length);
        return bytes;
    }
}

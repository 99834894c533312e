using System.Text;
using System.Text.Json;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Texml;

namespace Gateway.Tests.Texml;

/// <summary>How an agent's static body and Telnyx's request fields become the stream URL's body.</summary>
public sealed class TexmlBodyTests
{
    private static readonly Dictionary<string, string> Request = new(StringComparer.Ordinal)
    {
        ["From"] = "+13122010091",
        ["To"] = "+13122010090",
        ["CallSid"] = "v3:abc",
    };

    [Fact]
    public void Static_properties_keep_their_order_and_request_fields_follow_in_bodyFields_order()
    {
        var body = Compose("""{"b":1,"a":{"x":[true,null]}}""", ["CallSid", "From"]);

        Assert.Equal("""{"b":1,"a":{"x":[true,null]},"CallSid":"v3:abc","From":"+13122010091"}""", Json(body));
        Assert.Equal(Json(body).Length, body.JsonBytes);
        Assert.Null(body.FieldsDroppedJsonBytes);
        Assert.Null(body.OmittedJsonBytes);
    }

    [Fact]
    public void A_request_field_replaces_a_static_property_of_the_same_name()
    {
        var body = Compose("""{"To":"static","tier":"gold"}""", ["To"]);

        Assert.Equal("""{"tier":"gold","To":"+13122010090"}""", Json(body));
    }

    [Fact]
    public void A_field_absent_from_the_request_is_left_out_and_a_static_one_of_that_name_kept()
    {
        var body = Compose("""{"Direction":"inbound"}""", ["Direction", "From", "From"]);

        Assert.Equal("""{"Direction":"inbound","From":"+13122010091"}""", Json(body));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    public void Nothing_to_send_is_no_body(string? staticBody)
    {
        var body = Compose(staticBody, ["Direction"]);

        Assert.Null(body.Base64);
        Assert.Equal(0, body.JsonBytes);
        Assert.Null(body.FieldsDroppedJsonBytes);
        Assert.Null(body.OmittedJsonBytes);
    }

    [Fact]
    public void Non_ASCII_is_written_as_UTF_8_and_quotes_escaped_as_JSON_requires()
    {
        var body = TexmlBody.Compose(
            new AgentTexml { Body = Element("""{"greeting":"Grüße <b>&"}"""), BodyFields = ["From"] },
            name => name == "From" ? "say \"hi\"\\" : null,
            4096);

        Assert.Equal("{\"greeting\":\"Grüße <b>&\",\"From\":\"say \\\"hi\\\"\\\\\"}", Json(body));
        Assert.Equal(Encoding.UTF8.GetByteCount(Json(body)), body.JsonBytes);
    }

    [Fact]
    public void At_the_limit_exactly_everything_goes()
    {
        const string expected = """{"tier":"gold","From":"+13122010091"}""";

        var body = Compose("""{"tier":"gold"}""", ["From"], maxJsonBytes: expected.Length);

        Assert.Equal(expected, Json(body));
        Assert.Null(body.FieldsDroppedJsonBytes);
    }

    [Fact]
    public void One_byte_over_the_limit_drops_the_fields()
    {
        const string full = """{"tier":"gold","From":"+13122010091"}""";

        var body = Compose("""{"tier":"gold"}""", ["From"], maxJsonBytes: full.Length - 1);

        Assert.Equal("""{"tier":"gold"}""", Json(body));
        Assert.Equal(full.Length, body.FieldsDroppedJsonBytes);
        Assert.Null(body.OmittedJsonBytes);
    }

    [Fact]
    public void Fields_over_the_limit_with_no_static_body_leave_no_body()
    {
        var body = Compose(null, ["From"], maxJsonBytes: 10);

        Assert.Null(body.Base64);
        Assert.Equal("""{"From":"+13122010091"}""".Length, body.FieldsDroppedJsonBytes);
        Assert.Null(body.OmittedJsonBytes);
    }

    [Fact]
    public void A_static_body_over_the_limit_alone_is_omitted()
    {
        var body = Compose("""{"tier":"gold"}""", [], maxJsonBytes: 14);

        Assert.Null(body.Base64);
        Assert.Null(body.FieldsDroppedJsonBytes);
        Assert.Equal(15, body.OmittedJsonBytes);
    }

    [Fact]
    public void The_base64_is_padded_standard_the_canonical_form_the_ingress_forwards()
    {
        // JSON whose base64 holds '+', '/' and padding, each of which a URL-safe or unpadded encoder would change.
        var body = Compose("""{"k":"~~~?>?>"}""", ["From"]);

        Assert.Equal("eyJrIjoifn5+Pz4/PiIsIkZyb20iOiIrMTMxMjIwMTAwOTEifQ==", body.Base64);
        Assert.True(SessionBody.TryDecode(body.Base64!, 16384, out var decoded, out var error), error);
        Assert.Equal(body.Base64, decoded!.CanonicalBase64);
        Assert.Equal(body.JsonBytes, decoded.JsonBytes);
    }

    private static TexmlBody Compose(string? staticBody, IReadOnlyList<string> fields, int maxJsonBytes = 4096) =>
        TexmlBody.Compose(
            new AgentTexml { Body = staticBody is null ? null : Element(staticBody), BodyFields = fields },
            name => Request.GetValueOrDefault(name),
            maxJsonBytes);

    private static JsonElement Element(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static string Json(TexmlBody body) => Encoding.UTF8.GetString(Convert.FromBase64String(body.Base64!));
}

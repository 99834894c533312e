using Gateway.Hosting;
using Gateway.Texml;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Texml;

/// <summary>The TeXML settings are checked when the gateway starts, never when Telnyx is waiting for an answer.</summary>
public sealed class TexmlOptionsTests
{
    [Theory]
    [InlineData(TexmlOptions.RejectDocument)]
    [InlineData("<Response/>")]
    [InlineData("<?xml version=\"1.0\"?>\n<Response>\n  <Say>Not in service.</Say>\n  <Hangup/>\n</Response>\n")]
    [InlineData("<?xml version=\"1.0\" encoding=\"utf-8\"?><!-- unknown --><Response><Reject reason=\"busy\"/></Response>")]
    public void A_well_formed_document_with_a_Response_root_is_taken(string document)
    {
        Assert.Null(TexmlOptions.UnknownNumberProblem(document));
    }

    [Theory]
    [InlineData("", "must be a TeXML document.")]
    [InlineData("<Response><Reject/>", "must be well-formed XML: ")]
    [InlineData("<Response/><Response/>", "must be well-formed XML: ")]
    [InlineData("<Reply><Reject/></Reply>", "must have a <Response> root element, not <Reply>.")]
    [InlineData("Reject", "must be well-formed XML: ")]
    [InlineData("<!DOCTYPE Response [<!ENTITY x \"y\">]><Response>&x;</Response>", "must be well-formed XML: ")]
    [InlineData("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Response/>", "must declare encoding UTF-8 (or none), not 'ISO-8859-1': it is sent as UTF-8.")]
    public void Anything_else_is_refused_with_the_reason(string document, string reason)
    {
        Assert.StartsWith(reason, TexmlOptions.UnknownNumberProblem(document), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Texml:UnknownNumberResponse", "<Response>", "Texml:UnknownNumberResponse must be well-formed XML")]
    [InlineData("Texml:RequestMaxBytes", "100", "RequestMaxBytes")]
    [InlineData("Gateway:PublicBaseUrl", "voice.example.com", "Gateway:PublicBaseUrl must be an absolute https:// (or http://, wss://, ws://) URL")]
    [InlineData("Gateway:PublicBaseUrl", "ftp://voice.example.com", "Gateway:PublicBaseUrl must be an absolute https:// (or http://, wss://, ws://) URL")]
    [InlineData("Gateway:PublicBaseUrl", "https://voice.example.com/?x=1", "Gateway:PublicBaseUrl must carry no query, fragment or user info")]
    [InlineData("Gateway:PublicBaseUrl", "https://user:pass@voice.example.com/", "Gateway:PublicBaseUrl must carry no query, fragment or user info")]
    [InlineData("Telnyx:ApiKey", "KEY0193A8B2C4D5E6F7_abc…", "Telnyx:ApiKey must be 1 to 512 printable ASCII characters (no spaces): it travels in an HTTP header.")]
    public async Task A_bad_setting_stops_the_gateway_at_start_up(string key, string value, string message)
    {
        WebApplication? app = null;
        try
        {
            // Whether it surfaces while the host is built (an options value read then) or started (ValidateOnStart),
            // the gateway never comes up.
            var refused = await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
            {
                app = GatewayApplication.Build([], builder =>
                {
                    builder.WebHost.UseUrls("http://127.0.0.1:0");
                    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                    {
                        ["Registry:SeedFile"] = string.Empty,
                        [key] = value,
                    });
                    builder.Logging.ClearProviders();
                });
                await app.StartAsync();
            });

            Assert.Contains(message, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
    }
}

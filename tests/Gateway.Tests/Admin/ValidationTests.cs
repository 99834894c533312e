using System.Net;
using System.Text.Json;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Admin;

/// <summary>
/// Every write is validated before it is stored: a bad field answers 400 validation_failed naming exactly the fields
/// at fault, and the registry and the tenant settings are left as they were.
/// </summary>
public sealed class ValidationTests(ValidationTests.Fixture fixture) : IClassFixture<ValidationTests.Fixture>
{
    private const string Agent = "/admin/v1/orgs/acme/agents/support";

    private static readonly string Name55 = new('a', 55);
    private static readonly string Name54 = new('a', 54);

    public static TheoryData<string, string, string[]> InvalidAgents => new()
    {
        // The JSON itself.
        { "unknown field", """{"enabled":true,"colour":"blue"}""", ["colour"] },
        { "unknown instance field", """{"instances":[{"id":"a","url":"ws://h/ws","weight":2}]}""", ["instances[0].weight"] },
        { "wrong JSON type", """{"enabled":"yes"}""", ["enabled"] },
        { "wrong JSON type in an instance", """{"instances":[{"id":"a","url":"ws://h/ws","capacity":"many"}]}""", ["instances[0].capacity"] },
        { "a number written as a string", """{"maxConcurrentCalls":"10"}""", ["maxConcurrentCalls"] },
        { "an array body", "[]", ["$"] },
        { "a null body", "null", ["$"] },

        // Limits.
        { "maxConcurrentCalls 0", """{"maxConcurrentCalls":0}""", ["maxConcurrentCalls"] },
        { "maxConcurrentCalls 100001", """{"maxConcurrentCalls":100001}""", ["maxConcurrentCalls"] },
        { "bodyMaxBytes -1", """{"bodyMaxBytes":-1}""", ["bodyMaxBytes"] },
        { "bodyMaxBytes 16385", """{"bodyMaxBytes":16385}""", ["bodyMaxBytes"] },

        // Instances.
        { "capacity 0", """{"instances":[{"id":"a","url":"ws://h/ws","capacity":0}]}""", ["instances[0].capacity"] },
        { "capacity 10001", """{"instances":[{"id":"a","url":"ws://h/ws","capacity":10001}]}""", ["instances[0].capacity"] },
        { "http URL", """{"instances":[{"id":"a","url":"http://h/ws"}]}""", ["instances[0].url"] },
        { "relative URL", """{"instances":[{"id":"a","url":"/ws"}]}""", ["instances[0].url"] },
        { "URL with a fragment", """{"instances":[{"id":"a","url":"ws://h/ws#part"}]}""", ["instances[0].url"] },
        { "URL with user info", """{"instances":[{"id":"a","url":"wss://user:secret@h/ws"}]}""", ["instances[0].url"] },
        { "instance id upper-case", """{"instances":[{"id":"Pod-1","url":"ws://h/ws"}]}""", ["instances[0].id"] },
        { "duplicate instance ids", """{"instances":[{"id":"a","url":"ws://h/a"},{"id":"b","url":"ws://h/b"},{"id":"a","url":"ws://h/c"}]}""", ["instances[2].id"] },

        // Phone numbers.
        { "number without +", """{"phoneNumbers":["15551234567"]}""", ["phoneNumbers[0]"] },
        { "number starting with 0", """{"phoneNumbers":["+05551234567"]}""", ["phoneNumbers[0]"] },
        { "number of 16 digits", """{"phoneNumbers":["+1234567890123456"]}""", ["phoneNumbers[0]"] },
        { "duplicate numbers", """{"phoneNumbers":["+15551234567","+15557654321","+15551234567"]}""", ["phoneNumbers[2]"] },

        // Stream auth and call control.
        { "streamAuth unknown", """{"streamAuth":"password"}""", ["streamAuth"] },
        { "streamAuth out of the enumeration", """{"streamAuth":7}""", ["streamAuth"] },
        { "allowedActions unknown", """{"allowedActions":["hangup","self_destruct"]}""", ["allowedActions[1]"] },

        // TeXML.
        { "texml codec", """{"texml":{"codec":"MP3"}}""", ["texml.codec"] },
        { "texml bidirectional codec", """{"texml":{"bidirectionalCodec":"default"}}""", ["texml.bidirectionalCodec"] },
        { "texml track", """{"texml":{"track":"left_track"}}""", ["texml.track"] },
        { "texml sampling rate", """{"texml":{"bidirectionalSamplingRate":44100}}""", ["texml.bidirectionalSamplingRate"] },
        { "texml parameter with a control character", """{"texml":{"parameters":{"greeting":"hi\u0007"}}}""", ["texml.parameters.greeting"] },
        { "texml parameter name too long", """{"texml":{"parameters":{""" + $"\"{new string('p', 65)}\"" + """:"x"}}}""", [$"texml.parameters.{new string('p', 65)}"] },
        { "texml body not an object", """{"texml":{"body":[1]}}""", ["texml.body"] },
        { "texml bodyFields unknown", """{"texml":{"bodyFields":["From","Password"]}}""", ["texml.bodyFields[1]"] },
        { "texml fallback not well-formed", """{"texml":{"fallback":"<Dial><Number>+15551234567</Number>"}}""", ["texml.fallback"] },
        { "texml fallback plain text", """{"texml":{"fallback":"call us later"}}""", ["texml.fallback"] },

        // Continuity.
        { "continuity hold unknown", """{"continuity":{"hold":"music"}}""", ["continuity.hold"] },
        { "continuity attempts 0", """{"continuity":{"reconnect":{"attempts":0}}}""", ["continuity.reconnect.attempts"] },
        { "continuity window over 120 s", """{"continuity":{"reconnect":{"withinSeconds":121}}}""", ["continuity.reconnect.withinSeconds"] },
        { "continuity on 1000", """{"continuity":{"reconnect":{"on":[1011,1000]}}}""", ["continuity.reconnect.on"] },
        { "continuity unknown field", """{"continuity":{"park":{"maxWaitSeconds":30}}}""", ["continuity.park"] },
        { "continuity queue wait negative", """{"continuity":{"queue":{"maxWaitSeconds":-1}}}""", ["continuity.queue.maxWaitSeconds"] },
        { "continuity queue wait over 600 s", """{"continuity":{"queue":{"maxWaitSeconds":601}}}""", ["continuity.queue.maxWaitSeconds"] },
        { "continuity queue length 0", """{"continuity":{"queue":{"maxLength":0}}}""", ["continuity.queue.maxLength"] },
        { "continuity queue length over 1000", """{"continuity":{"queue":{"maxLength":1001}}}""", ["continuity.queue.maxLength"] },
        { "continuity queue unknown field", """{"continuity":{"queue":{"maxWait":30}}}""", ["continuity.queue.maxWait"] },

        // Several at once: every field at fault is named.
        { "several fields", """{"maxConcurrentCalls":0,"bodyMaxBytes":99999,"phoneNumbers":["x"],"instances":[{"id":"a","url":"http://h"}],"texml":{"codec":"MP3"}}""", ["bodyMaxBytes", "instances[0].url", "maxConcurrentCalls", "phoneNumbers[0]", "texml.codec"] },
    };

    [Theory]
    [MemberData(nameof(InvalidAgents))]
    public async Task An_invalid_agent_is_refused_field_by_field_and_not_stored(string why, string json, string[] fields)
    {
        _ = why;
        var before = fixture.StoredSupport();

        var response = await fixture.Admin.PutAsync(Agent, json);

        Assert.Equal(fields.Order(StringComparer.Ordinal), response.ValidationErrors());
        Assert.Equal(before, fixture.StoredSupport());
    }

    [Fact]
    public async Task Validation_messages_name_the_rule_not_a_dotnet_type()
    {
        var wrongType = await fixture.Admin.PutAsync(Agent, """{"enabled":"yes"}""");
        var unknown = await fixture.Admin.PutAsync(Agent, """{"colour":"blue"}""");

        wrongType.AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("""["must be true or false."]""", wrongType.Json.GetProperty("errors").GetProperty("enabled").GetRawText());
        Assert.Equal("""["is not a field of this resource."]""", unknown.Json.GetProperty("errors").GetProperty("colour").GetRawText());
        Assert.DoesNotContain("Gateway.", wrongType.Body, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> InvalidNames => new()
    {
        { "agent upper-case", "/admin/v1/orgs/acme/agents/Support", "agent" },
        { "agent with underscore", "/admin/v1/orgs/acme/agents/sup_port", "agent" },
        { "agent with leading hyphen", "/admin/v1/orgs/acme/agents/-support", "agent" },
        { "agent with trailing hyphen", "/admin/v1/orgs/acme/agents/support-", "agent" },
        { "agent of 55 characters", $"/admin/v1/orgs/acme/agents/{Name55}", "agent" },
        { "org upper-case", "/admin/v1/orgs/Acme/agents/support", "org" },
        { "org with trailing hyphen", "/admin/v1/orgs/acme-/agents/support", "org" },
        { "org of 64 characters", $"/admin/v1/orgs/{new string('o', 64)}/agents/support", "org" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public async Task An_invalid_name_in_the_path_is_refused(string why, string path, string field)
    {
        _ = why;
        var count = fixture.Gateway.Registry.Current.Count;

        var response = await fixture.Admin.PutAsync(path, "{}");

        Assert.Equal([field], response.ValidationErrors());
        Assert.Equal(count, fixture.Gateway.Registry.Current.Count);
    }

    [Fact]
    public async Task Names_at_the_limits_are_taken()
    {
        var agent = await fixture.Admin.PutAsync($"/admin/v1/orgs/acme/agents/{Name54}", "{}");
        var org = await fixture.Admin.PutAsync($"/admin/v1/orgs/{new string('o', 63)}/agents/a", "{}");

        agent.AssertStatus(HttpStatusCode.Created);
        org.AssertStatus(HttpStatusCode.Created);
        Assert.True(fixture.Gateway.Registry.Current.TryGet(new AgentKey("acme", Name54), out _));
        await fixture.Admin.DeleteAsync($"/admin/v1/orgs/acme/agents/{Name54}");
        await fixture.Admin.DeleteAsync($"/admin/v1/orgs/{new string('o', 63)}/agents/a");
    }

    public static TheoryData<string, string, string, string[]> InvalidInstances => new()
    {
        { "ttlSeconds 4", "bot-9", """{"url":"ws://h/ws","ttlSeconds":4}""", ["ttlSeconds"] },
        { "id other than the path's", "bot-9", """{"id":"bot-8","url":"ws://h/ws"}""", ["id"] },
        { "id of another case", "bot-9", """{"id":"Bot-9","url":"ws://h/ws"}""", ["id"] },
        { "ttlSeconds 86401", "bot-9", """{"url":"ws://h/ws","ttlSeconds":86401}""", ["ttlSeconds"] },
        { "ttlSeconds negative", "bot-9", """{"url":"ws://h/ws","ttlSeconds":-30}""", ["ttlSeconds"] },
        { "no url", "bot-9", """{"capacity":2}""", ["url"] },
        { "http url", "bot-9", """{"url":"http://h/ws"}""", ["url"] },
        { "url with a fragment", "bot-9", """{"url":"ws://h/ws#x"}""", ["url"] },
        { "url with user info", "bot-9", """{"url":"ws://me:pw@h/ws"}""", ["url"] },
        { "capacity 0", "bot-9", """{"url":"ws://h/ws","capacity":0}""", ["capacity"] },
        { "capacity 10001", "bot-9", """{"url":"ws://h/ws","capacity":10001}""", ["capacity"] },
        { "id upper-case", "Bot-9", """{"url":"ws://h/ws"}""", ["id"] },
        { "id upper-case and no url", "Bot-9", """{}""", ["id", "url"] },
        { "unknown field", "bot-9", """{"url":"ws://h/ws","weight":1}""", ["weight"] },
        { "wrong JSON type", "bot-9", """{"url":"ws://h/ws","ttlSeconds":"soon"}""", ["ttlSeconds"] },
        { "wrong JSON type and a broken rule", "bot-9", """{"url":"http://h/ws","ttlSeconds":"soon","capacity":0}""", ["capacity", "ttlSeconds", "url"] },
        { "everything at once", "bot-9", """{"url":"http://h/ws","capacity":0,"ttlSeconds":1}""", ["capacity", "ttlSeconds", "url"] },
    };

    [Theory]
    [MemberData(nameof(InvalidInstances))]
    public async Task An_invalid_instance_is_refused_with_the_fields_of_its_own_body(string why, string id, string json, string[] fields)
    {
        _ = why;
        var before = fixture.StoredSupport();

        var response = await fixture.Admin.PutAsync($"{Agent}/instances/{id}", json);

        Assert.Equal(fields.Order(StringComparer.Ordinal), response.ValidationErrors());
        Assert.Equal(before, fixture.StoredSupport());
    }

    [Fact]
    public async Task An_instance_body_carrying_the_paths_own_id_is_taken()
    {
        var response = await fixture.Admin.PutAsync($"{Agent}/instances/bot-1", """{"id":"bot-1","url":"ws://127.0.0.1:9/ws","capacity":1}""");

        response.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("""{"id":"bot-1","url":"ws://127.0.0.1:9/ws","capacity":1,"expiresAt":null}""", response.Body);
    }

    [Fact]
    public async Task An_instance_id_other_than_the_paths_is_named()
    {
        var response = await fixture.Admin.PutAsync($"{Agent}/instances/bot-9", """{"id":"bot-8","url":"ws://h/ws"}""");

        Assert.Equal("""["must be the instance id of the path ('bot-9'), or left out."]""", response.Json.GetProperty("errors").GetProperty("id").GetRawText());
    }

    public static TheoryData<string, string, string[]> InvalidTelnyxSettings => new()
    {
        { "public key not base64", """{"webhookPublicKey":"not base64!"}""", ["webhookPublicKey"] },
        { "public key of 31 bytes", $$"""{"webhookPublicKey":"{{Convert.ToBase64String(new byte[31])}}"}""", ["webhookPublicKey"] },
        { "public key of 33 bytes", $$"""{"webhookPublicKey":"{{Convert.ToBase64String(new byte[33])}}"}""", ["webhookPublicKey"] },
        { "connection id with a space", """{"connectionId":"my connection"}""", ["connectionId"] },
        { "connection id of 65 characters", $$"""{"connectionId":"{{new string('1', 65)}}"}""", ["connectionId"] },
        { "empty api key", """{"apiKey":""}""", ["apiKey"] },
        { "api key with a space", """{"apiKey":"KEY 123"}""", ["apiKey"] },
        { "api key ending in an ellipsis", """{"apiKey":"KEY0193A8B2C4D5E6F7_abc…"}""", ["apiKey"] },
        { "api key with a line break", """{"apiKey":"KEY0193\r\nX-Evil: 1"}""", ["apiKey"] },
        { "unknown field", """{"apiKey":"KEY123","apiSecret":"x"}""", ["apiSecret"] },
        { "wrong JSON type", """{"apiKey":42}""", ["apiKey"] },
        { "all three", """{"apiKey":"","webhookPublicKey":"AAAA","connectionId":"a/b"}""", ["apiKey", "connectionId", "webhookPublicKey"] },
    };

    [Theory]
    [MemberData(nameof(InvalidTelnyxSettings))]
    public async Task Invalid_telnyx_settings_are_refused_and_the_stored_ones_kept(string why, string json, string[] fields)
    {
        _ = why;
        var store = fixture.Gateway.Services.GetRequiredService<ITenantSettingsStore>();
        var before = await store.GetAsync("acme");

        var response = await fixture.Admin.PutAsync("/admin/v1/orgs/acme/telnyx", json);

        Assert.Equal(fields.Order(StringComparer.Ordinal), response.ValidationErrors());
        Assert.Equal(before, await store.GetAsync("acme"));
        Assert.Equal("KEY-stored", before!.ApiKey);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var response = await fixture.Admin.SendAsync(HttpMethod.Put, Agent, null);

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task A_body_over_a_megabyte_is_refused_even_when_chunked()
    {
        var before = fixture.StoredSupport();
        var huge = JsonSerializer.Serialize(new { texml = new { fallback = $"<!-- {new string('x', 1_100_000)} -->" } });

        var sized = await fixture.Admin.PutAsync(Agent, huge);
        var chunked = await fixture.Admin.SendAsync(HttpMethod.Put, Agent, huge, chunked: true);

        Assert.Equal(["$"], sized.ValidationErrors());
        Assert.Equal(["$"], chunked.ValidationErrors());
        Assert.Equal("""["the body must be at most 1048576 bytes."]""", chunked.Json.GetProperty("errors").GetProperty("$").GetRawText());
        Assert.Equal(before, fixture.StoredSupport());
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Gateway { get; private set; } = null!;

        public AdminClient Admin { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
            Admin = new AdminClient(Gateway, AdminTokens.PlatformAdmin());
            (await Admin.PutAsync(Agent, """{"phoneNumbers":["+15550001001"],"instances":[{"id":"bot-1","url":"ws://127.0.0.1:9/ws"}]}""")).AssertStatus(HttpStatusCode.Created);
            await Gateway.Services.GetRequiredService<ITenantSettingsStore>().PutAsync("acme", new TenantTelnyxSettings { ApiKey = "KEY-stored", ConnectionId = "conn-1" });
        }

        public async Task DisposeAsync() => await Gateway.DisposeAsync();

        /// <summary>acme/support as stored: revision and document.</summary>
        public string StoredSupport() =>
            Gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out var agent)
                ? $"{agent.Revision}:{JsonSerializer.Serialize(agent.Resource, RegistryJsonContext.Default.AgentResource)}"
                : "missing";
    }
}

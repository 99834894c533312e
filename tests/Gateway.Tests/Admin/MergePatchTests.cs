using System.Text.Json.Nodes;
using Gateway.Admin;
using Gateway.Core;

namespace Gateway.Tests.Admin;

/// <summary>Core/MergePatch: RFC 7386's rules, and a patched resource bound and checked as a whole one.</summary>
public sealed class MergePatchTests
{
    public static TheoryData<string, string, string> Rfc7386Examples => new()
    {
        // Appendix A of RFC 7386 (those whose target and patch are JSON objects).
        { """{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""" },
        { """{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""" },
        { """{"a":"b"}""", """{"a":null}""", """{}""" },
        { """{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""" },
        { """{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""" },
        { """{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""" },
        { """{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""" },
        { """{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""" },
        { """{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""" },
        { """{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""" },
    };

    [Theory]
    [MemberData(nameof(Rfc7386Examples))]
    public void Apply_follows_RFC_7386_and_changes_neither_input(string target, string patch, string expected)
    {
        var targetObject = JsonNode.Parse(target)!.AsObject();
        var patchObject = JsonNode.Parse(patch)!.AsObject();

        var result = MergePatch.Apply(targetObject, patchObject);

        Assert.Equal(expected, result.ToJsonString());
        Assert.Equal(target, targetObject.ToJsonString());
        Assert.Equal(patch, patchObject.ToJsonString());
    }

    [Fact]
    public void ApplyTo_binds_the_patched_resource_and_keeps_what_the_patch_leaves_out()
    {
        var current = new TenantTelnyxRequest("KEY-1", "public-key", "conn-1");

        var (value, refusal) = MergePatch.ApplyTo(current, Patch("""{"connectionId":"conn-2"}"""), AdminJsonContext.Default.TenantTelnyxRequest, validate: null);

        Assert.Null(refusal);
        Assert.Equal(new TenantTelnyxRequest("KEY-1", "public-key", "conn-2"), value);
    }

    [Fact]
    public void ApplyTo_refuses_what_a_whole_resource_would_be_refused_for()
    {
        var current = new TenantTelnyxRequest("KEY-1", "public-key", "conn-1");
        static IReadOnlyDictionary<string, string[]> ApiKeyRequired(TenantTelnyxRequest request) =>
            request.ApiKey is null ? new Dictionary<string, string[]> { ["apiKey"] = ["is required."] } : new Dictionary<string, string[]>();

        var (removed, required) = MergePatch.ApplyTo(current, Patch("""{"apiKey":null}"""), AdminJsonContext.Default.TenantTelnyxRequest, ApiKeyRequired);
        var (unknown, notAField) = MergePatch.ApplyTo(current, Patch("""{"apiSecret":"x"}"""), AdminJsonContext.Default.TenantTelnyxRequest, ApiKeyRequired);

        Assert.Null(removed);
        Assert.Equal(["apiKey"], required!.Errors!.Keys);
        Assert.Null(unknown);
        Assert.Equal(["apiSecret"], notAField!.Errors!.Keys);
    }

    private static JsonObject Patch(string json) => JsonNode.Parse(json)!.AsObject();
}

using System.Text;
using Gateway.Ingress;

namespace Gateway.Tests.Ingress;

/// <summary>Telnyx's <c>start</c> frame as documented, in its current and legacy shapes.</summary>
public sealed class StartFrameTests
{
    // Telnyx's current AsyncAPI example, verbatim.
    private const string CurrentStart = """
        {
          "event": "start",
          "sequence_number": "1",
          "stream_id": "32DE0DEA-53CB-4B21-89A4-9E1819C043BC",
          "start": {
            "user_id": "3E6F995F-85F7-4705-9741-53B116D28237",
            "call_control_id": "v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ",
            "call_session_id": "ff55a038-6f5d-11ef-9692-02420aeffb1f",
            "from": "+13122010094",
            "to": "+13122123456",
            "tags": ["TAG1", "TAG2"],
            "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
            "custom_parameters": { "customer_id": "customer_123" },
            "media_format": { "encoding": "PCMU", "sample_rate": 8000, "channels": 1 }
          }
        }
        """;

    // The legacy shape still quoted by Telnyx SDK docstrings: stream_id last and in lower case, no custom parameters.
    private const string LegacyStart = """
        {
          "event": "start",
          "sequence_number": "1",
          "start": {
            "user_id": "3e6f995f-85f7-4705-9741-53b116d28237",
            "call_control_id": "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg",
            "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
            "media_format": { "encoding": "audio/x-mulaw", "sample_rate": 8000, "channels": 1 }
          },
          "stream_id": "32de0dea-53cb-4b21-89a4-9e1819c043bc"
        }
        """;

    [Fact]
    public void The_current_documented_start_frame_is_read_in_full()
    {
        var frame = StartFrame.TryParse(Bytes(CurrentStart));

        Assert.NotNull(frame);
        Assert.Equal("32DE0DEA-53CB-4B21-89A4-9E1819C043BC", frame.StreamId);
        Assert.Equal("v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ", frame.CallControlId);
        Assert.Equal("ff55a038-6f5d-11ef-9692-02420aeffb1f", frame.CallSessionId);
        Assert.Equal("+13122010094", frame.From);
        Assert.Equal("+13122123456", frame.To);
        Assert.Equal("PCMU", frame.Encoding);
        Assert.Equal(new Dictionary<string, string> { ["customer_id"] = "customer_123" }, frame.CustomParameters);
        Assert.Null(frame.ServiceHost);
    }

    [Fact]
    public void The_legacy_documented_start_frame_is_read_with_what_it_carries()
    {
        var frame = StartFrame.TryParse(Bytes(LegacyStart));

        Assert.NotNull(frame);
        Assert.Equal("32de0dea-53cb-4b21-89a4-9e1819c043bc", frame.StreamId);
        Assert.Equal("v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg", frame.CallControlId);
        Assert.Null(frame.CallSessionId);
        Assert.Null(frame.From);
        Assert.Null(frame.To);
        Assert.Equal("audio/x-mulaw", frame.Encoding);
        Assert.Empty(frame.CustomParameters);
        Assert.Null(frame.ServiceHost);
    }

    [Theory]
    [InlineData(CurrentStart)]
    [InlineData(LegacyStart)]
    public void The_event_of_a_documented_start_frame_is_start(string json)
    {
        Assert.Equal("start", StartFrame.ReadEvent(Bytes(json)));
    }

    [Theory]
    [InlineData("""{"event":"connected","version":"1.0.0"}""", "connected")]
    [InlineData("""{"sequence_number":"4","stream_id":"x","media":{"event":"inner","payload":"AA=="},"event":"media"}""", "media")]
    [InlineData("""{"stream_id":"x","stop":{"call_control_id":"v3:a"},"event":"stop"}""", "stop")]
    [InlineData("""{"event":"dtmf","dtmf":{"digit":"5"}}""", "dtmf")]
    [InlineData("""  {"event":"mark"}  """, "mark")]
    public void The_event_is_read_from_the_top_level_only(string json, string expected)
    {
        Assert.Equal(expected, StartFrame.ReadEvent(Bytes(json)));
    }

    [Theory]
    [InlineData("""{"sequence_number":"1","start":{"event":"start"}}""")] // only a nested event
    [InlineData("""{"event":5}""")]
    [InlineData("""{"event":null}""")]
    [InlineData("""{"event":{"name":"start"}}""")]
    [InlineData("""["event","start"]""")]
    [InlineData("\"start\"")]
    [InlineData("event=start")]
    [InlineData("""{"sequence_number":""")]
    [InlineData("")]
    public void Frames_without_a_top_level_string_event_have_none(string json)
    {
        Assert.Null(StartFrame.ReadEvent(Bytes(json)));
    }

    [Fact]
    public void A_binary_frame_has_no_event()
    {
        Assert.Null(StartFrame.ReadEvent(new byte[] { 0xFF, 0x00, 0x7B, 0x80 }));
    }

    [Fact]
    public void ServiceHost_comes_from_the_serviceHost_custom_parameter()
    {
        var frame = StartFrame.TryParse(StartWith("""{"serviceHost":"support.acme","customer_id":"42"}"""));

        Assert.Equal("support.acme", frame!.ServiceHost);
        Assert.Equal("42", frame.CustomParameters["customer_id"]);
    }

    [Fact]
    public void ServiceHost_falls_back_to_the_pipecat_cloud_parameter()
    {
        var frame = StartFrame.TryParse(StartWith("""{"_pipecatCloudServiceHost":"sales.acme"}"""));

        Assert.Equal("sales.acme", frame!.ServiceHost);
    }

    [Theory]
    [InlineData("""{"serviceHost":"support.acme","_pipecatCloudServiceHost":"sales.acme"}""")]
    [InlineData("""{"_pipecatCloudServiceHost":"sales.acme","serviceHost":"support.acme"}""")]
    public void ServiceHost_wins_over_the_pipecat_cloud_parameter_whatever_the_order(string parameters)
    {
        var frame = StartFrame.TryParse(StartWith(parameters));

        Assert.Equal("support.acme", frame!.ServiceHost);
    }

    [Fact]
    public void A_non_string_serviceHost_gives_way_to_the_pipecat_cloud_parameter()
    {
        var frame = StartFrame.TryParse(StartWith("""{"serviceHost":7,"_pipecatCloudServiceHost":"sales.acme"}"""));

        Assert.Equal("sales.acme", frame!.ServiceHost);
        Assert.False(frame.CustomParameters.ContainsKey("serviceHost"));
    }

    [Fact]
    public void Custom_parameter_names_are_matched_exactly()
    {
        var frame = StartFrame.TryParse(StartWith("""{"servicehost":"support.acme","SERVICEHOST":"sales.acme"}"""));

        Assert.Null(frame!.ServiceHost);
        Assert.Equal(2, frame.CustomParameters.Count);
    }

    [Fact]
    public void Custom_parameters_that_are_not_strings_are_ignored()
    {
        var frame = StartFrame.TryParse(StartWith("""
            {"number":42,"flag":true,"nothing":null,"list":["a"],"object":{"a":"b"},"kept":"yes","empty":""}
            """));

        Assert.Equal(new Dictionary<string, string> { ["kept"] = "yes", ["empty"] = string.Empty }, frame!.CustomParameters);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"serviceHost=support.acme\"")]
    [InlineData("null")]
    public void Custom_parameters_that_are_not_an_object_are_ignored(string parameters)
    {
        var frame = StartFrame.TryParse(StartWith(parameters));

        Assert.NotNull(frame);
        Assert.Empty(frame.CustomParameters);
    }

    [Fact]
    public void Fields_of_the_wrong_type_are_left_out_rather_than_refusing_the_frame()
    {
        var frame = StartFrame.TryParse(Bytes("""
            {"event":"start","stream_id":"s-1","start":{"call_control_id":1,"from":null,"to":["x"],"media_format":"PCMU"}}
            """));

        Assert.NotNull(frame);
        Assert.Equal("s-1", frame.StreamId);
        Assert.Null(frame.CallControlId);
        Assert.Null(frame.From);
        Assert.Null(frame.To);
        Assert.Null(frame.Encoding);
    }

    [Theory]
    [InlineData("""{"event":"start","start":{"call_control_id":"v3:a"}}""")] // no stream_id
    [InlineData("""{"event":"start","stream_id":42,"start":{}}""")]
    [InlineData("""{"event":"start","stream_id":null,"start":{}}""")]
    [InlineData("""{"event":"start","start":{"stream_id":"s-1"}}""")] // stream_id is top level, never inside start
    [InlineData("""{"event":"start","stream_id":"s-1"}""")] // no start object
    [InlineData("""{"event":"start","stream_id":"s-1","start":null}""")]
    [InlineData("""{"event":"start","stream_id":"s-1","start":"yes"}""")]
    [InlineData("""[{"event":"start","stream_id":"s-1","start":{}}]""")]
    public void A_frame_without_stream_id_or_start_object_is_not_a_start(string json)
    {
        Assert.Null(StartFrame.TryParse(Bytes(json)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"event":"start","stream_id":"s-1","start":{""")]
    [InlineData("""{"event":"start","stream_id":"s-1","start":{}} trailing""")]
    public void Non_json_is_not_a_start(string json)
    {
        Assert.Null(StartFrame.TryParse(Bytes(json)));
    }

    [Fact]
    public void A_frame_nested_deeper_than_the_limit_is_not_a_start()
    {
        var deep = new StringBuilder("""{"event":"start","stream_id":"s-1","start":{"x":""");
        for (var i = 0; i < 20; i++)
        {
            deep.Append("""{"x":""");
        }

        deep.Append('1').Append('}', 22);

        Assert.Null(StartFrame.TryParse(Bytes(deep.ToString())));
    }

    private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    private static byte[] StartWith(string customParameters) => Bytes(
        $$$"""{"event":"start","sequence_number":"1","stream_id":"s-1","start":{"call_control_id":"v3:a","custom_parameters":{{{customParameters}}}}}""");
}

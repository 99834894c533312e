using Gateway.CallSimulator;

namespace Gateway.Tests.CallSimulator;

/// <summary>The simulator's command line, as the README documents it: defaults, every option and every refusal, word for word.</summary>
public sealed class SimulatorArgumentsTests
{
    [Fact]
    public void No_arguments_place_one_three_second_call_on_the_local_gateway()
    {
        var arguments = Parse([]);

        Assert.Equal(new Uri("ws://127.0.0.1:8080/ws/telnyx?serviceHost=support.acme"), arguments.Url);
        Assert.Equal(TimeSpan.FromSeconds(3), arguments.Duration);
        Assert.Equal(1, arguments.Calls);
        Assert.Equal(TimeSpan.FromSeconds(1), arguments.Ramp);
        Assert.Empty(arguments.CustomParameters);
        Assert.Empty(arguments.Headers);
        Assert.False(arguments.Quiet);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var arguments = Parse([
            "--url", "wss://voice.example.com/ws/telnyx", "--seconds", "2.5", "--calls", "50", "--ramp-seconds", "0",
            "--param", "serviceHost=support.acme", "--param", "empty=", "--header", "X-Telnyx-Streaming-Auth-Token=a=b", "--quiet",
        ]);

        Assert.Equal(new Uri("wss://voice.example.com/ws/telnyx"), arguments.Url);
        Assert.Equal(TimeSpan.FromSeconds(2.5), arguments.Duration);
        Assert.Equal(50, arguments.Calls);
        Assert.Equal(TimeSpan.Zero, arguments.Ramp);
        Assert.Equal(new Dictionary<string, string> { ["serviceHost"] = "support.acme", ["empty"] = string.Empty }, arguments.CustomParameters);
        Assert.Equal("a=b", arguments.Headers["x-telnyx-streaming-auth-token"]);
        Assert.True(arguments.Quiet);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_wins_over_whatever_follows_it(string help)
    {
        Assert.Null(SimulatorArguments.Parse(["--calls", "2", help, "--bogus"], out var error, out var helpRequested));
        Assert.Null(error);
        Assert.True(helpRequested);
    }

    [Theory]
    [InlineData("--url", "--url needs a value")]
    [InlineData("--url http://x", "--url must be an absolute ws:// or wss:// URL, not 'http://x'")]
    [InlineData("--url notaurl", "--url must be an absolute ws:// or wss:// URL, not 'notaurl'")]
    [InlineData("--seconds 0", "--seconds must be a positive number of seconds, not '0'")]
    [InlineData("--seconds 1,5", "--seconds must be a positive number of seconds, not '1,5'")]
    [InlineData("--seconds 1e400", "--seconds must be a positive number of seconds, not '1e400'")]
    [InlineData("--ramp-seconds -1", "--ramp-seconds must be zero or a positive number of seconds, not '-1'")]
    [InlineData("--calls 0", "--calls must be a whole number of at least 1, not '0'")]
    [InlineData("--calls +3", "--calls must be a whole number of at least 1, not '+3'")]
    [InlineData("--param x", "--param must look like name=value, not 'x'")]
    [InlineData("--header =x", "--header must look like name=value, not '=x'")]
    [InlineData("--bogus", "unknown argument '--bogus'")]
    [InlineData("--quiet --calls 0 --bogus --help", "--calls must be a whole number of at least 1, not '0'")]
    public void A_command_line_that_makes_no_sense_is_refused_with_the_first_reason(string line, string expected)
    {
        Assert.Null(SimulatorArguments.Parse(line.Split(' '), out var error, out var helpRequested));
        Assert.Equal(expected, error);
        Assert.False(helpRequested);
    }

    private static SimulatorArguments Parse(string[] args)
    {
        var arguments = SimulatorArguments.Parse(args, out var error, out var helpRequested);
        Assert.Null(error);
        Assert.False(helpRequested);
        return Assert.IsType<SimulatorArguments>(arguments);
    }
}

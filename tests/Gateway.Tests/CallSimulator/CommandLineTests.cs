using Gateway.CallSimulator;

namespace Gateway.Tests.CallSimulator;

/// <summary>
/// The option reading the simulator and the benchmark share: the order options are read in, where help and the first
/// error stop it, how numbers are written, and what a command line that will not run prints and returns.
/// </summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Options_are_read_in_order_each_taking_its_value()
    {
        string[] args = ["--name", "a", "--flag", "--name", "b"];
        var read = new List<string>();

        var error = CommandLine.ReadOptions(args, Record, out var helpRequested);

        Assert.Null(error);
        Assert.False(helpRequested);
        Assert.Equal(["--name=a", "--flag", "--name=b"], read);

        string? Record(string name, ref int i)
        {
            if (name != "--name")
            {
                read.Add(name);
                return null;
            }

            var missing = CommandLine.TakeValue(args, ref i, out var value);
            read.Add($"{name}={value}");
            return missing;
        }
    }

    [Fact]
    public void The_first_error_stops_the_reading_and_is_returned()
    {
        var read = new List<string>();

        var error = CommandLine.ReadOptions(["--one", "--bad", "--help"], Record, out var helpRequested);

        Assert.Equal("unknown argument '--bad'", error);
        Assert.False(helpRequested);
        Assert.Equal(["--one", "--bad"], read);

        string? Record(string name, ref int i)
        {
            read.Add(name);
            return name == "--one" ? null : CommandLine.UnknownOption(name);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_stops_the_reading_whatever_follows_it(string help)
    {
        var read = new List<string>();

        var error = CommandLine.ReadOptions(["--one", help, "--bad"], Record, out var helpRequested);

        Assert.Null(error);
        Assert.True(helpRequested);
        Assert.Equal(["--one"], read);

        string? Record(string name, ref int i)
        {
            read.Add(name);
            return name == "--one" ? null : CommandLine.UnknownOption(name);
        }
    }

    [Fact]
    public void A_value_is_the_next_argument_and_a_missing_one_is_an_error()
    {
        string[] args = ["--url", "ws://x", "--seconds"];
        var i = 0;

        Assert.Null(CommandLine.TakeValue(args, ref i, out var url));
        Assert.Equal("ws://x", url);
        Assert.Equal(1, i);

        i = 2;
        Assert.Equal("--seconds needs a value", CommandLine.TakeValue(args, ref i, out var seconds));
        Assert.Equal(string.Empty, seconds);
        Assert.Equal(2, i);
    }

    [Theory]
    [InlineData("3", 3.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("2e-1", 0.2)]
    [InlineData("-1", -1.0)]
    [InlineData(" 7 ", 7.0)]
    public void Numbers_are_read_the_same_way_on_every_machine(string text, double expected)
    {
        Assert.True(CommandLine.TryParseNumber(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("1,5")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("Infinity")]
    [InlineData("NaN")]
    [InlineData("1e400")]
    public void Numbers_that_are_not_finite_or_not_numbers_are_refused(string text) =>
        Assert.False(CommandLine.TryParseNumber(text, out _));

    [Theory]
    [InlineData("0", 0)]
    [InlineData("400", 400)]
    public void Whole_numbers_are_digits(string text, int expected)
    {
        Assert.True(CommandLine.TryParseWholeNumber(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("+3")]
    [InlineData("-3")]
    [InlineData(" 3")]
    [InlineData("3.0")]
    [InlineData("1,000")]
    [InlineData("99999999999")]
    public void Whole_numbers_with_a_sign_separator_space_or_too_many_digits_are_refused(string text) =>
        Assert.False(CommandLine.TryParseWholeNumber(text, out _));

    [Fact]
    public async Task Help_prints_the_usage_on_standard_output_and_exits_0()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exitCode = await CommandLine.ShowUsageAsync("usage: tool [options]", helpRequested: true, null, output, errors);

        Assert.Equal(0, exitCode);
        Assert.Equal("usage: tool [options]" + Environment.NewLine, output.ToString());
        Assert.Equal(string.Empty, errors.ToString());
    }

    [Fact]
    public async Task A_bad_command_line_prints_the_error_and_the_usage_on_standard_error_and_exits_2()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exitCode = await CommandLine.ShowUsageAsync("usage: tool [options]", helpRequested: false, "--calls needs a value", output, errors);

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output.ToString());
        var newLine = Environment.NewLine;
        Assert.Equal($"error: --calls needs a value{newLine}{newLine}usage: tool [options]{newLine}", errors.ToString());
    }
}

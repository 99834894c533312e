using Gateway.Hosting;

namespace Gateway.Tests.Hosting;

/// <summary>Hosting/SocketScheduling: how many socket engines the gateway asks .NET for, and when it leaves the count alone.</summary>
public sealed class SocketSchedulingTests
{
    [Theory]
    [InlineData(1, "2")]
    [InlineData(2, "4")]
    [InlineData(8, "16")]
    public void With_inline_completions_and_no_count_set_it_asks_for_two_engines_per_processor(int processors, string engines)
    {
        Assert.Equal(engines, SocketScheduling.EngineCount("1", engineCount: null, processors));
    }

    [Theory]
    [InlineData("1", "3")]
    [InlineData("0", null)]
    [InlineData(null, null)]
    public void A_count_the_operator_set_or_completions_on_the_thread_pool_leave_dotnets_count(string? inlineCompletions, string? engineCount)
    {
        Assert.Null(SocketScheduling.EngineCount(inlineCompletions, engineCount, processorCount: 2));
    }
}

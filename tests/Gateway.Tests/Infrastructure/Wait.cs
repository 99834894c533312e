namespace Gateway.Tests.Infrastructure;

public static class Wait
{
    /// <summary>The default bound on anything a test waits for: generous, since CI machines are small and shared.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Polls until the condition holds; fails the test with <paramref name="what"/> when it never does.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>
    /// <see cref="UntilAsync(Func{Task{bool}}, string, TimeSpan?)"/> for a condition read from Redis while it comes back:
    /// a command Redis does not answer yet counts as the condition not holding.
    /// </summary>
    public static Task UntilRedisAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(
            async () =>
            {
                try
                {
                    return await condition();
                }
                catch (Exception e) when (e is StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException)
                {
                    return false;
                }
            },
            what,
            timeout);

    public static CancellationToken Token(TimeSpan? timeout = null) => new CancellationTokenSource(timeout ?? Timeout).Token;
}

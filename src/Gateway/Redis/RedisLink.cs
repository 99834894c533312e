using System.Net;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>The multiplexers of one master (or one cluster): see <see cref="RedisConnection"/>.</summary>
/// <param name="Master">The Sentinel-named master they reach; null for a single server or a cluster.</param>
internal sealed record RedisLink(EndPoint? Master, IConnectionMultiplexer Data, IConnectionMultiplexer Writes) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Data.CloseAsync(allowCommandsToComplete: false);
        await Writes.CloseAsync(allowCommandsToComplete: false);
        Data.Dispose();
        Writes.Dispose();
    }
}

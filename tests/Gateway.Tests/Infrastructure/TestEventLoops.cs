using Gateway.Relay.EventLoop;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Where a test's own sockets wait: the gateway's event loops (a Linux gateway's default), shared by every test of the
/// process as .NET's socket engine is; or .NET's engine itself (<c>Relay:EventLoops</c> 0, and every other system).
/// </summary>
public static class TestEventLoops
{
    /// <summary>Names for a theory that runs over both: <c>loops</c> and <c>engine</c>.</summary>
    public const string OwnLoops = "loops";

    public const string DotnetEngine = "engine";

    public static SocketEventLoops Loops { get; } = new(2, NullLogger.Instance);

    public static SocketEventLoops Engine { get; } = new(0, NullLogger.Instance);

    public static SocketEventLoops Named(string name) => name == DotnetEngine ? Engine : Loops;
}

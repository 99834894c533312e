using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Calls;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Redis;
using Gateway.Registry;
using Gateway.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A whole gateway on real Kestrel at 127.0.0.1:0, with either its embedded registry or a real Redis; with an admin
/// port when asked (<c>Gateway:AdminPort</c>), on a second free port.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri baseUri, Uri? adminUri, Uri? mediaUri, TestLogSink logs)
    {
        _app = app;
        BaseUri = baseUri;
        AdminUri = adminUri;
        MediaUri = mediaUri;
        Logs = logs;
    }

    /// <summary>
    /// Set to 1, every gateway a test starts also has a media listener and <see cref="CallUri"/> points at it: the whole
    /// suite then runs its calls through <c>Gateway:MediaPort</c> (<c>GATEWAY_TEST_MEDIA=1 bash tests/run.sh</c>).
    /// </summary>
    public const string MediaEverywhereVariable = "GATEWAY_TEST_MEDIA";

    private static bool MediaEverywhere => Environment.GetEnvironmentVariable(MediaEverywhereVariable) == "1";

    /// <summary>The media listener (<c>Gateway:MediaPort</c>), when it was asked for.</summary>
    public Uri? MediaUri { get; }

    /// <summary>The public listener: every route without an admin port, the media stream, TeXML and health with one.</summary>
    public Uri BaseUri { get; }

    /// <summary>The admin listener (admin API, dial-out, call control, metrics, health); null without an admin port.</summary>
    public Uri? AdminUri { get; }

    public TestLogSink Logs { get; }

    public IServiceProvider Services => _app.Services;

    public IAgentRegistry Registry => Services.GetRequiredService<IAgentRegistry>();

    public ISessionStore Sessions => Services.GetRequiredService<ISessionStore>();

    public LiveCalls LiveCalls => Services.GetRequiredService<LiveCalls>();

    /// <summary>Starts a gateway. <paramref name="redis"/> null: embedded registry; otherwise that Redis with <paramref name="keyPrefix"/>.</summary>
    /// <param name="time">The gateway's clock, when the test moves it (e.g. a <see cref="ShiftedTimeProvider"/>).</param>
    /// <param name="adminPort">Listen on a second free port too, as <c>Gateway:AdminPort</c>.</param>
    /// <param name="mediaPort">
    /// Listen for media streams on a free port too, as <c>Gateway:MediaPort</c>; null: as <see cref="MediaEverywhereVariable"/>
    /// says; false: never (a test of a gateway without one, e.g. the stream URLs its TeXML gives).
    /// </param>
    public static async Task<GatewayHost> StartAsync(
        string? redis = null, string? keyPrefix = null, IDictionary<string, string?>? settings = null, TimeProvider? time = null, bool adminPort = false, bool? mediaPort = null)
    {
        var media = mediaPort ?? MediaEverywhere;

        // A free port is free when asked, not necessarily when Kestrel binds it: another process may take it in between.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(redis, keyPrefix, settings, time, adminPort ? FreePort() : null, media ? FreePort() : null);
            }
            catch (IOException e) when (adminPort && attempt < 5 && e.InnerException is AddressInUseException)
            {
            }
            catch (InvalidOperationException e) when (media && attempt < 5 && e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<GatewayHost> StartOnceAsync(
        string? redis, string? keyPrefix, IDictionary<string, string?>? settings, TimeProvider? time, int? adminPort, int? mediaPort)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis ?? string.Empty,
            ["Redis:KeyPrefix"] = keyPrefix ?? TestRedis.UniquePrefix(),
            ["Registry:SeedFile"] = string.Empty,
            ["Gateway:DrainWindow"] = "00:00:00",
            ["Gateway:ReplicaId"] = $"test-{Guid.NewGuid():N}",

            // No Kubernetes access unless a test gives a kubeconfig: a developer's KUBECONFIG must not change a test.
            ["Kubernetes:KubeConfig"] = string.Empty,
            ["KUBECONFIG"] = string.Empty,
        };
        if (TestRedis.IsShared(redis))
        {
            configuration["Redis:CommandTimeout"] = "00:00:05";
        }

        if (adminPort is not null)
        {
            configuration["Gateway:AdminPort"] = adminPort.Value.ToString(CultureInfo.InvariantCulture);
        }

        if (mediaPort is not null)
        {
            configuration["Gateway:MediaPort"] = mediaPort.Value.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new TestLogSink();
        var app = GatewayApplication.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(logs);
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var urls = app.Urls.Select(url => new Uri(url)).ToList();
        var media = mediaPort is { } port ? new Uri($"ws://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}") : null;
        return new GatewayHost(app, urls.First(u => u.Port != adminPort), urls.FirstOrDefault(u => u.Port == adminPort), media, logs);
    }

    /// <summary>The Telnyx stream URL with the given query, e.g. <c>serviceHost=support.acme</c>.</summary>
    public Uri CallUri(string query = "") =>
        new($"ws://{(MediaEverywhere && MediaUri is { } media ? media.Authority : BaseUri.Authority)}/ws/telnyx{(query.Length == 0 ? string.Empty : "?" + query)}");

    /// <summary>The Telnyx stream URL on the media listener (started with <c>mediaPort: true</c>).</summary>
    public Uri MediaCallUri(string query = "") =>
        new($"ws://{MediaUri!.Authority}/ws/telnyx{(query.Length == 0 ? string.Empty : "?" + query)}");

    public Uri HttpUri(string pathAndQuery) => new(BaseUri, pathAndQuery);

    /// <summary>A route of the admin listener (<see cref="BaseUri"/> without an admin port): admin API, dial-out, call control, metrics.</summary>
    public Uri AdminHttpUri(string pathAndQuery) => new(AdminUri ?? BaseUri, pathAndQuery);

    /// <summary>Puts an agent whose instances are the given bot endpoints.</summary>
    public Task<long> PutAgentAsync(string org, string agent, params (string Id, Uri Url, int Capacity)[] instances) =>
        PutAgentAsync(new AgentKey(org, agent), new AgentResource
        {
            Instances = [.. instances.Select(i => new AgentInstance { Id = i.Id, Url = i.Url, Capacity = i.Capacity })],
        });

    public Task<long> PutAgentAsync(AgentKey key, AgentResource resource) => Registry.PutAsync(key, resource);

    /// <summary>Claims held on an agent, from Redis when the gateway runs on it, else from local accounting.</summary>
    public async Task<long> ClaimCountAsync(AgentKey agent)
    {
        var claims = Services.GetRequiredService<IInstanceClaims>();
        if (claims is LocalInstanceClaims local)
        {
            return local.Count;
        }

        var redis = Services.GetRequiredService<RedisConnection>();
        var keys = Services.GetRequiredService<RedisKeys>();
        return await redis.Database.SortedSetLengthAsync(keys.Claims(agent)) + ((RedisInstanceClaims)claims).LocalFallbackCount;
    }

    /// <summary>Waits until the gateway holds no claim, no session record and no live call for the agent.</summary>
    public async Task AssertCallGoneAsync(AgentKey agent)
    {
        await Wait.UntilAsync(async () => await ClaimCountAsync(agent) == 0, $"the claims on {agent} are released");
        await Wait.UntilAsync(async () => (await Sessions.ListAsync(agent.Org)).Count == 0, $"the session records of {agent.Org} are removed");
        await Wait.UntilAsync(() => LiveCalls.Count == 0, "no live call remains");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

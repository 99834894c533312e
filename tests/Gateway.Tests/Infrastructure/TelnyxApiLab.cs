using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A gateway whose Telnyx API is a <see cref="FakeTelnyxApi"/>, with a bot server behind agent <c>support.acme</c>
/// and organization <c>acme</c>'s Telnyx settings stored through the admin API: what dial-out and call-control tests
/// start from.
/// </summary>
public sealed class TelnyxApiLab : IAsyncDisposable
{
    public const string PublicBaseUrl = "https://voice.example.com";

    /// <summary>acme's Telnyx API key: the only credential the fake Telnyx may ever see for acme's calls.</summary>
    public const string AcmeApiKey = "KEY0188D3A7C5E44D2C9F1B_acme-secret";

    /// <summary>acme's default connection (a Call Control application id, as Telnyx shows it).</summary>
    public const string AcmeConnectionId = "1684641123236054244";

    public static readonly AgentKey Support = new("acme", "support");

    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    private readonly string? _redis;
    private readonly string _keyPrefix;
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _adminPort;
    private readonly List<GatewayHost> _replicas = [];

    private TelnyxApiLab(FakeTelnyxApi telnyx, BotServer bot, GatewayHost gateway, string? redis, string keyPrefix, Dictionary<string, string?> settings, bool adminPort)
    {
        _adminPort = adminPort;
        Telnyx = telnyx;
        Bot = bot;
        Gateway = gateway;
        _redis = redis;
        _keyPrefix = keyPrefix;
        _settings = settings;
        Acme = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        Admin = new AdminClient(gateway, AdminTokens.PlatformAdmin());
    }

    public FakeTelnyxApi Telnyx { get; }

    public BotServer Bot { get; }

    public GatewayHost Gateway { get; }

    /// <summary>An admin API client with a token for organization <c>acme</c>.</summary>
    public AdminClient Acme { get; }

    public AdminClient Admin { get; }

    /// <summary>
    /// Starts the fake Telnyx, a bot server and a gateway. <c>support.acme</c> has one instance of capacity 2 on the bot
    /// server, changed by <paramref name="agent"/>; acme's Telnyx key and connection are set unless
    /// <paramref name="tenantKey"/> is false. <paramref name="redis"/>: a Redis of the test's own (one it stops), in
    /// place of the shared one. <paramref name="adminPort"/>: the gateway has an admin listener, where the lab sends its
    /// admin, dial-out and call-control requests.
    /// </summary>
    public static async Task<TelnyxApiLab> StartAsync(
        GatewayMode mode,
        Func<AgentResource, AgentResource>? agent = null,
        bool tenantKey = true,
        IDictionary<string, string?>? settings = null,
        string? redis = null,
        bool adminPort = false)
    {
        var telnyx = await FakeTelnyxApi.StartAsync();
        var bot = await BotServer.StartAsync();
        var configuration = AdminTokens.Settings(new Dictionary<string, string?>
        {
            ["Telnyx:ApiBaseUrl"] = telnyx.BaseUri.ToString(),
            ["Gateway:PublicBaseUrl"] = PublicBaseUrl,
        });
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        redis ??= mode == GatewayMode.Redis ? await TestRedis.ConnectionStringAsync() : null;
        var keyPrefix = TestRedis.UniquePrefix();
        var gateway = await GatewayHost.StartAsync(redis, keyPrefix, configuration, adminPort: adminPort);
        var lab = new TelnyxApiLab(telnyx, bot, gateway, redis, keyPrefix, configuration, adminPort);
        await gateway.PutAgentAsync(Support, (agent ?? (a => a))(lab.Agent()));
        if (tenantKey)
        {
            (await lab.PutTelnyxAsync("acme", AcmeApiKey, AcmeConnectionId)).AssertStatus(HttpStatusCode.OK);
        }

        return lab;
    }

    /// <summary>Another gateway replica on the same Redis and key prefix (Redis mode only), stopped with the lab.</summary>
    public async Task<GatewayHost> StartReplicaAsync()
    {
        Assert.NotNull(_redis);
        var replica = await GatewayHost.StartAsync(_redis, _keyPrefix, _settings, adminPort: _adminPort);
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>An agent whose one instance, <c>bot-1</c>, is this lab's bot server.</summary>
    public AgentResource Agent(int capacity = 2) => new()
    {
        Instances = [new AgentInstance { Id = "bot-1", Url = Bot.WsUri, Capacity = capacity }],
    };

    /// <summary>Sets an organization's Telnyx settings as an operator does, through the admin API.</summary>
    public Task<AdminResponse> PutTelnyxAsync(string org, string? apiKey, string? connectionId)
    {
        var fields = new List<string>();
        if (apiKey is not null)
        {
            fields.Add($"\"apiKey\":\"{apiKey}\"");
        }

        if (connectionId is not null)
        {
            fields.Add($"\"connectionId\":\"{connectionId}\"");
        }

        return Admin.PutAsync($"/admin/v1/orgs/{org}/telnyx", "{" + string.Join(',', fields) + "}");
    }

    /// <summary><c>POST /v1/orgs/{org}/agents/{agent}/calls</c> with <paramref name="json"/>, as <paramref name="client"/> (acme's token by default).</summary>
    public Task<AdminResponse> DialAsync(string json, string org = "acme", string agent = "support", AdminClient? client = null) =>
        (client ?? Acme).SendAsync(HttpMethod.Post, $"/v1/orgs/{org}/agents/{agent}/calls", json);

    /// <summary>
    /// Plays Telnyx after a dial: opens the <c>stream_url</c> of <paramref name="dial"/> (on this gateway) with its
    /// <c>stream_auth_token</c> in <c>x-telnyx-streaming-auth-token</c>, and sends connected and start.
    /// </summary>
    public async Task<TelnyxCallClient> OpenDialedStreamAsync(TelnyxApiRequest dial, TelnyxCallInfo call)
    {
        var json = dial.Json;
        var telnyx = await TelnyxCallClient.ConnectAsync(
            Gateway.CallUri(StreamQuery(json.GetProperty("stream_url").GetString()!)),
            Wait.Token(),
            new Dictionary<string, string> { ["x-telnyx-streaming-auth-token"] = json.GetProperty("stream_auth_token").GetString()! });
        await TestCalls.SendHandshakeAsync(telnyx, call);
        return telnyx;
    }

    /// <summary>The query of a stream URL, for <see cref="GatewayHost.CallUri"/>.</summary>
    public static string StreamQuery(string streamUrl) => streamUrl[(streamUrl.IndexOf('?', StringComparison.Ordinal) + 1)..];

    /// <summary>A bot's Call Control request to the gateway, the way a Telnyx SDK whose base URL is the gateway sends it.</summary>
    public async Task<CallControlResponse> CallControlAsync(
        string callControlId,
        string action,
        string? credential,
        string body = "{}",
        string query = "",
        IReadOnlyDictionary<string, string>? headers = null,
        GatewayHost? gateway = null)
    {
        var uri = (gateway ?? Gateway).AdminHttpUri($"/v2/calls/{callControlId}/actions/{action}{query}");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (credential is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request, Wait.Token());
        var responseHeaders = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new CallControlResponse(response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsByteArrayAsync(), responseHeaders);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await Gateway.DisposeAsync();
        await Bot.DisposeAsync();
        await Telnyx.DisposeAsync();
    }
}

/// <summary>What the gateway answered a bot's Call Control request.</summary>
public sealed record CallControlResponse(HttpStatusCode Status, string? ContentType, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

using Gateway.CallControl;
using Gateway.Calls;
using Gateway.Core;
using Gateway.DialOut;
using Gateway.Health;
using Gateway.Hosting;
using Gateway.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Builds the gateway's web application; <c>Program</c> runs it, tests start it on a free port.</summary>
public static class GatewayApplication
{
    /// <summary>Where Telnyx opens a call's media stream.</summary>
    public const string CallStreamPath = "/ws/telnyx";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        SocketScheduling.PreferInlineCompletions();
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = SocketScheduling.InlineCompletions);

        // The slim builder leaves out HTTPS from configuration: Kestrel:Endpoints:*:Certificate serves wss:// and https://.
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.AddGatewayConsole(builder.Configuration);
        configure?.Invoke(builder);
        AdminListenerAddresses.Configure(builder);
        builder.Services.AddTelnyxGateway(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<RedisFailureHandler>();
        builder.Services.AddGatewayAuth(builder.Configuration);
        builder.Services.AddAdminApi();
        builder.Services.AddGatewayOpenApi();
        builder.Services.AddDialOut();
        builder.Services.AddCallControl();

        // A body of up to 16 KiB of JSON rides in the upgrade URL as base64: room for it, so that the gateway
        // answers an oversized body with its own 400 rather than Kestrel's bare 414.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestLineSize = 64 * 1024);

        // The host must outlive the drain window, or it would cut the calls the drain is waiting for.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<GatewayOptions>>((host, gateway) =>
            host.ShutdownTimeout = gateway.Value.DrainWindow + TimeSpan.FromSeconds(15));

        var app = builder.Build();

        // Routing first and explicit, so that the media listener runs this same pipeline, routing included.
        var media = app.Services.GetRequiredService<MediaListener>();
        app.Use(next =>
        {
            media.UsePipeline(next);
            return next;
        });
        app.UseRouting();
        app.UseExceptionHandler();
        app.UseRouteRefusals();
        app.UseGatewayHttpMetrics(CallStreamPath);
        app.UseWebSockets();

        // A call's stream carries no principal (routing checks its stream token): run for it, the bearer handler and
        // both middlewares would be built per call, their state held for the call's life.
        app.UseWhen(context => !context.Request.Path.StartsWithSegments(CallStreamPath), signedIn =>
        {
            signedIn.UseAuthentication();
            signedIn.UseAuthorization();
        });

        // The branch marks its own copy of the application's properties; WebApplication reads the application's and,
        // finding no mark, would add both middlewares again at the front, for every request (ASP.NET Core's keys).
        var properties = ((IApplicationBuilder)app).Properties;
        properties["__AuthenticationMiddlewareSet"] = true;
        properties["__AuthorizationMiddlewareSet"] = true;
        var handler = app.Services.GetRequiredService<TelnyxCallHandler>();
        app.UseRateLimiter();

        // With Gateway:AdminPort set, each group answers on its own listener only (ListenerMatcherPolicy); health
        // answers on both, so that probes and load balancers may use either.
        var publicRoutes = app.MapGroup(string.Empty).OnListener(Listener.Public);
        publicRoutes.MapGet(CallStreamPath, handler.HandleAsync).RequireRateLimiting(UpgradeRateLimiting.PolicyName);
        publicRoutes.MapTexml();
        var adminRoutes = app.MapGroup(string.Empty).OnListener(Listener.Admin);
        adminRoutes.MapAdminApi();
        DialOutEndpoints.Map(adminRoutes);
        CallControlEndpoints.Map(adminRoutes);
        adminRoutes.MapGatewayMetrics();
        adminRoutes.MapGatewayOpenApi();
        app.MapGatewayHealthChecks();
        ScrapeTimeMetrics.Observe(app.Services);
        return app;
    }
}

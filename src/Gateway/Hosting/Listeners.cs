using Microsoft.AspNetCore.Builder;

namespace Gateway.Hosting;

/// <summary>Which of the gateway's listeners a route answers on, when <see cref="GatewayOptions.AdminPort"/> is set.</summary>
public enum Listener
{
    /// <summary>What Telnyx reaches from the internet: the media stream and TeXML.</summary>
    Public,

    /// <summary>What only the cluster reaches: the admin API, dial-out, bots' call control, metrics.</summary>
    Admin,
}

/// <summary>Endpoint metadata naming the one listener a route answers on; a route without it answers on both.</summary>
public sealed record ListenerMetadata(Listener Listener);

public static class ListenerEndpointConventions
{
    /// <summary>The routes answer on <paramref name="listener"/> only (with an admin port set), and 404 on the other.</summary>
    public static TBuilder OnListener<TBuilder>(this TBuilder builder, Listener listener)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerMetadata(listener));
}

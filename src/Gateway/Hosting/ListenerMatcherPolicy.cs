using Gateway.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>
/// Routing's own extension point (the one <c>RequireHost</c> uses) deciding by the port the connection arrived on: with
/// <see cref="GatewayOptions.AdminPort"/> set, a route marked <see cref="Listener.Admin"/> does not exist for a
/// connection on another port, and one marked <see cref="Listener.Public"/> does not exist on the admin port. The
/// request then gets what any unknown path gets: a 404.
/// </summary>
/// <remarks>
/// Not <c>RequireHost("*:9090")</c>: that matches the Host header, which the client writes, so <c>Host: x:9090</c> sent
/// to the public port would reach the admin API. <see cref="ConnectionInfo.LocalPort"/> is the socket's own. Ordered
/// before the HTTP method policy (-1000), so that an admin path asked with the wrong method on the public port is a
/// 404 too, not a 405 that would tell the route exists.
/// </remarks>
internal sealed class ListenerMatcherPolicy(IOptions<GatewayOptions> options) : MatcherPolicy, INodeBuilderPolicy
{
    public override int Order => -1100;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return options.Value.AdminPort is not null && endpoints.Any(e => e.Metadata.GetMetadata<ListenerMetadata>() is not null);
    }

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var edges = new List<PolicyNodeEdge>(2);
        foreach (var listener in new[] { Listener.Public, Listener.Admin })
        {
            var answering = endpoints.Where(e => e.Metadata.GetMetadata<ListenerMetadata>() is not { } only || only.Listener == listener).ToList();
            if (answering.Count > 0)
            {
                edges.Add(new PolicyNodeEdge(listener, answering));
            }
        }

        return edges;
    }

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var (onPublic, onAdmin) = (exitDestination, exitDestination);
        foreach (var edge in edges)
        {
            if ((Listener)edge.State == Listener.Admin)
            {
                onAdmin = edge.Destination;
            }
            else
            {
                onPublic = edge.Destination;
            }
        }

        return new ByLocalPort(options.Value.AdminPort ?? 0, onPublic, onAdmin);
    }

    private sealed class ByLocalPort(int adminPort, int onPublic, int onAdmin) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) =>
            httpContext.Connection.LocalPort == adminPort ? onAdmin : onPublic;
    }
}

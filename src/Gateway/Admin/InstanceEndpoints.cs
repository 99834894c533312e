using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary>
/// <c>/admin/v1/orgs/{org}/agents/{agent}/instances/{id}</c>: one bot instance at a time, so a pod can register
/// itself at start-up, renew a <c>ttlSeconds</c> heartbeat, and deregister on shutdown without rewriting the agent.
/// </summary>
internal static class InstanceEndpoints
{
    public const int MinTtlSeconds = 5;
    public const int MaxTtlSeconds = 86_400;

    // A change races only with other writes to the same agent; a few retries outlast any burst of heartbeats.
    private const int Attempts = 8;

    public static void Map(RouteGroupBuilder org)
    {
        org.MapPut("/agents/{agent}/instances/{id}", PutAsync)
            .Accepts<InstanceRegistration>("application/json")
            .Produces<AgentInstance>(StatusCodes.Status200OK)
            .Produces<AgentInstance>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Registers or renews a bot instance; with ttlSeconds it stops receiving calls unless renewed in time.");
        org.MapDelete("/agents/{agent}/instances/{id}", DeleteAsync)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Deregisters a bot instance; its live calls go on.");
    }

    private static async Task<IResult> PutAsync(string org, string agent, string id, HttpContext context, IAgentRegistry registry, TimeProvider time)
    {
        if (!AgentEndpoints.TryKey(org, agent, out var key, out var problem))
        {
            return problem;
        }

        var (registration, invalid) = await RequestJson.ReadAsync(context.Request, AdminJsonContext.Default.InstanceRegistration, context.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        if (registration!.TtlSeconds is < MinTtlSeconds or > MaxTtlSeconds)
        {
            return AdminProblems.Validation("ttlSeconds", $"must be between {MinTtlSeconds} and {MaxTtlSeconds}.");
        }

        if (registration.Url is null)
        {
            return AdminProblems.Validation("url", "is required: the instance's ws:// or wss:// endpoint.");
        }

        var instance = new AgentInstance
        {
            Id = id,
            Url = registration.Url,
            Capacity = registration.Capacity,
            ExpiresAt = registration.TtlSeconds is { } ttl ? time.GetUtcNow().AddSeconds(ttl) : null,
        };
        var created = false;
        var outcome = await UpdateAgentAsync(registry, key, resource =>
        {
            var instances = resource.Instances.ToList();
            var index = instances.FindIndex(i => i.Id == id);
            created = index < 0;
            if (created)
            {
                instances.Add(instance);
            }
            else
            {
                instances[index] = instance;
            }

            return resource with { Instances = instances };
        }, context.RequestAborted);
        if (outcome is not null)
        {
            return outcome;
        }

        return TypedResults.Json(instance, AdminJsonContext.Default.AgentInstance, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> DeleteAsync(string org, string agent, string id, HttpContext context, IAgentRegistry registry)
    {
        if (!AgentEndpoints.TryKey(org, agent, out var key, out var problem))
        {
            return problem;
        }

        var found = true;
        var outcome = await UpdateAgentAsync(registry, key, resource =>
        {
            found = resource.Instances.Any(i => i.Id == id);
            return found ? resource with { Instances = [.. resource.Instances.Where(i => i.Id != id)] } : null;
        }, context.RequestAborted);
        if (outcome is not null)
        {
            return outcome;
        }

        return found ? TypedResults.NoContent() : AdminProblems.NotFound($"No instance '{id}' of agent '{agent}'.");
    }

    /// <summary>
    /// Read, change, write back over the revision read; retried when another write came between. The change returns
    /// null when there is nothing to write. Returns a problem, or null when done.
    /// </summary>
    private static async Task<IResult?> UpdateAgentAsync(IAgentRegistry registry, AgentKey key, Func<AgentResource, AgentResource?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (!registry.Current.TryGet(key, out var current))
            {
                return AgentEndpoints.NotFound(key);
            }

            if (change(current.Resource) is not { } changed)
            {
                return null;
            }

            var errors = AgentResourceValidator.Validate(changed);
            if (errors.Count > 0)
            {
                return AdminProblems.Validation(errors);
            }

            if (await registry.PutIfRevisionAsync(key, changed, current.Revision, cancellationToken) is not null)
            {
                return null;
            }

            // Another replica wrote first; its change reaches this one's snapshot within milliseconds.
            await Task.Delay(TimeSpan.FromMilliseconds(10 << attempt), cancellationToken);
        }

        return AdminProblems.Conflict("concurrent_update", $"Agent '{key.ServiceHost}' kept changing; try again.");
    }
}

using Gateway.Core;
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

    // What an update that wrote (or had nothing to write) answers to UpdateAgentAsync; never sent.
    private static readonly IResult Done = Results.Empty;

    public static void Map(RouteGroupBuilder org)
    {
        org.MapPut("/agents/{agent}/instances/{id}", PutAsync)
            .Accepts<InstanceRegistration>("application/json")
            .Produces<AgentInstance>(StatusCodes.Status200OK)
            .Produces<AgentInstance>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Registers or renews a bot instance; with ttlSeconds it stops receiving calls unless renewed in time, and is dropped at the next registration of another instance once lapsed.");
        org.MapDelete("/agents/{agent}/instances/{id}", DeleteAsync)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Deregisters a bot instance; its live calls go on.");
    }

    private static async Task<IResult> PutAsync(string org, string agent, string id, HttpContext context, IAgentRegistry registry, TimeProvider time)
    {
        if (!AgentRoute.TryKey(org, agent, out var key, out var problem))
        {
            return problem;
        }

        var (registration, invalid) = await RequestJson.ReadAsync(context.Request, AdminJsonContext.Default.InstanceRegistration, context.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (registration!.TtlSeconds is < MinTtlSeconds or > MaxTtlSeconds)
        {
            errors["ttlSeconds"] = [$"must be between {MinTtlSeconds} and {MaxTtlSeconds}."];
        }

        if (registration.Url is null)
        {
            errors["url"] = ["is required: the instance's ws:// or wss:// endpoint."];
        }

        var instance = registration.Url is null ? null : new AgentInstance
        {
            Id = id,
            Url = registration.Url,
            Capacity = registration.Capacity,
            ExpiresAt = registration.TtlSeconds is { } ttl ? time.GetUtcNow().AddSeconds(ttl) : null,
        };
        if (instance is not null)
        {
            AddInstanceErrors(instance, errors);
        }
        else if (!ResourceNames.IsValidInstanceId(id))
        {
            errors["id"] = ["must be " + ResourceNames.InstanceIdRule];
        }

        if (instance is null || errors.Count > 0)
        {
            return Refusals.Validation(errors);
        }

        var created = false;
        var outcome = await UpdateAgentAsync(registry, key, resource =>
        {
            // Other instances whose heartbeat lapsed go: they take no calls, and pods that died without deregistering
            // (new names at every rollout) would otherwise pile up until the agent's instance limit refused every beat.
            var now = time.GetUtcNow();
            var instances = resource.Instances.Where(i => i.Id == id || i.IsLiveAt(now)).ToList();
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

        return TypedResults.Json(instance, AdminJson.Admin.AgentInstance, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> DeleteAsync(string org, string agent, string id, HttpContext context, IAgentRegistry registry)
    {
        if (!AgentRoute.TryKey(org, agent, out var key, out var problem))
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

        return found ? TypedResults.NoContent() : Refusals.NotFound($"No instance '{id}' of agent '{agent}'.");
    }

    /// <summary>
    /// The instance checked on its own, its problems named as in this route's body (<c>url</c>, <c>capacity</c>) and
    /// path (<c>id</c>): checked inside the agent they would be <c>instances[3].url</c>, a field the client never sent.
    /// </summary>
    private static void AddInstanceErrors(AgentInstance instance, Dictionary<string, string[]> errors)
    {
        const string Prefix = "instances[0].";
        foreach (var (field, messages) in AgentResourceValidator.Validate(new AgentResource { Instances = [instance] }))
        {
            errors[field.StartsWith(Prefix, StringComparison.Ordinal) ? field[Prefix.Length..] : field] = messages;
        }
    }

    /// <summary>
    /// Read, change, write back over the revision read (see <see cref="AgentWrites"/>). The change returns null when
    /// there is nothing to write. Returns a problem, or null when done.
    /// </summary>
    private static async Task<IResult?> UpdateAgentAsync(IAgentRegistry registry, AgentKey key, Func<AgentResource, AgentResource?> change, CancellationToken cancellationToken)
    {
        var answer = await AgentWrites.RetryAsync(key, async () =>
        {
            if (!registry.Current.TryGet(key, out var current))
            {
                return AgentRoute.NotFound(key);
            }

            if (change(current.Resource) is not { } changed)
            {
                return Done;
            }

            var errors = AgentResourceValidator.Validate(changed);
            if (errors.Count > 0)
            {
                return Refusals.Validation(errors);
            }

            return await registry.PutIfRevisionAsync(key, changed, current.Revision, cancellationToken) is null ? null : Done;
        }, cancellationToken);
        return ReferenceEquals(answer, Done) ? null : answer;
    }
}

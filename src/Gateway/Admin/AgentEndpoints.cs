using Gateway.Kubernetes;
using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Gateway.Admin;

/// <summary><c>/admin/v1/orgs/{org}/agents</c>: an organization's agents, written whole and validated first.</summary>
internal static class AgentEndpoints
{

    public static void Map(RouteGroupBuilder org)
    {
        org.MapGet("/agents", List)
            .Produces<AgentList>(StatusCodes.Status200OK)
            .WithSummary("Lists the organization's agents.");
        org.MapGet("/agents/{agent}", Get)
            .Produces<AgentResource>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Reads an agent; its ETag is its revision.");
        org.MapPut("/agents/{agent}", PutAsync)
            .Accepts<AgentResource>("application/json")
            .Produces<AgentResource>(StatusCodes.Status200OK)
            .Produces<AgentResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Creates or replaces an agent. If-Match: \"{revision}\" writes only over that revision; If-None-Match: * only creates.");
        org.MapDelete("/agents/{agent}", DeleteAsync)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Removes an agent. Live calls go on; new ones are refused.");
    }

    private static JsonHttpResult<AgentList> List(string org, IAgentRegistry registry)
    {
        var agents = registry.Current.Agents
            .Where(a => a.Key.Org == org)
            .OrderBy(a => a.Key.Agent, StringComparer.Ordinal)
            .Select(a => new AgentListItem(a.Key.Agent, a.Revision, a.Resource))
            .ToList();
        return TypedResults.Json(new AgentList(agents), AdminJson.Admin.AgentList);
    }

    private static IResult Get(string org, string agent, IAgentRegistry registry, HttpResponse response)
    {
        if (!TryKey(org, agent, out var key, out var problem))
        {
            return problem;
        }

        if (!registry.Current.TryGet(key, out var registered))
        {
            return NotFound(key);
        }

        response.Headers.ETag = EntityTags.For(registered.Resource);
        return TypedResults.Json(registered.Resource, AdminJson.Registry.AgentResource);
    }

    private static async Task<IResult> PutAsync(string org, string agent, HttpContext context, IAgentRegistry registry, KubernetesAccess kubernetes)
    {
        if (!TryKey(org, agent, out var key, out var problem))
        {
            return problem;
        }

        var (resource, invalid) = await RequestJson.ReadAsync(context.Request, RegistryJsonContext.Default.AgentResource, context.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        var errors = AgentResourceValidator.Validate(resource!, kubernetes.IsAvailable);
        if (errors.Count > 0)
        {
            return AdminProblems.Validation(errors);
        }

        var precondition = EntityTags.Read(context.Request);
        return await AgentWrites.RetryAsync(key, async () =>
        {
            var snapshot = registry.Current;
            if (PhoneNumberConflict(snapshot, key, resource!) is { } conflict)
            {
                return conflict;
            }

            var existed = snapshot.TryGet(key, out var current);
            if (!precondition.HoldsFor(current?.Resource))
            {
                return Unmet(key, precondition, existed);
            }

            var written = KeepHeartbeats(resource!, current?.Resource);
            if (await registry.PutIfRevisionAsync(key, written, current?.Revision ?? 0, context.RequestAborted) is null)
            {
                return null;
            }

            context.Response.Headers.ETag = EntityTags.For(written);
            if (existed)
            {
                return TypedResults.Json(written, AdminJson.Registry.AgentResource);
            }

            context.Response.Headers[HeaderNames.Location] = $"/admin/v1/orgs/{org}/agents/{agent}";
            return TypedResults.Json(written, AdminJson.Registry.AgentResource, statusCode: StatusCodes.Status201Created);
        }, context.RequestAborted);
    }

    private static async Task<IResult> DeleteAsync(string org, string agent, HttpContext context, IAgentRegistry registry)
    {
        if (!TryKey(org, agent, out var key, out var problem))
        {
            return problem;
        }

        var precondition = EntityTags.Read(context.Request);
        return await AgentWrites.RetryAsync(key, async () =>
        {
            if (!registry.Current.TryGet(key, out var current))
            {
                return NotFound(key);
            }

            if (precondition.CreateOnly || !precondition.HoldsFor(current.Resource))
            {
                return Unmet(key, precondition, existed: true);
            }

            return await registry.DeleteIfRevisionAsync(key, current.Revision, context.RequestAborted) switch
            {
                true => TypedResults.NoContent(),
                false => NotFound(key),
                null => null,
            };
        }, context.RequestAborted);
    }

    /// <summary>
    /// The registration expiries are the gateway's to keep (instances renew them with heartbeats): an agent written
    /// back as it was read never moves one earlier, so a routine edit never takes a live pod out of rotation.
    /// </summary>
    private static AgentResource KeepHeartbeats(AgentResource written, AgentResource? current)
    {
        if (current is null)
        {
            return written;
        }

        var renewed = current.Instances.Where(i => i.ExpiresAt is not null).ToDictionary(i => i.Id, StringComparer.Ordinal);
        return written with
        {
            Instances = [.. written.Instances.Select(instance =>
                renewed.TryGetValue(instance.Id, out var kept) && kept.Url == instance.Url && (instance.ExpiresAt is null || instance.ExpiresAt < kept.ExpiresAt)
                    ? instance with { ExpiresAt = kept.ExpiresAt }
                    : instance)],
        };
    }

    private static IResult Unmet(AgentKey key, EntityTags.Precondition precondition, bool existed) =>
        precondition.CreateOnly && existed
            ? AdminProblems.PreconditionFailed($"Agent '{key.ServiceHost}' already exists (If-None-Match: *).")
            : AdminProblems.PreconditionFailed($"Agent '{key.ServiceHost}' is not as If-Match names it (changed, or absent); read it again.");

    /// <summary>A number belongs to one agent: claiming one another agent holds is a conflict.</summary>
    private static IResult? PhoneNumberConflict(RegistrySnapshot snapshot, AgentKey key, AgentResource resource)
    {
        foreach (var number in resource.PhoneNumbers)
        {
            if (snapshot.TryGetByPhoneNumber(number, out var owner) && owner.Key != key)
            {
                // Within the organization the holder is named; another organization's agent stays anonymous.
                var holder = owner.Key.Org == key.Org ? $"agent '{owner.Key.Agent}'" : "another organization";
                return AdminProblems.Conflict("phone_number_taken", $"{number} belongs to {holder}; remove it there first.");
            }
        }

        return null;
    }

    internal static bool TryKey(string org, string agent, out AgentKey key, out IResult problem)
    {
        key = default;
        problem = null!;
        if (!ResourceNames.IsValidAgent(agent))
        {
            problem = AdminProblems.Validation("agent", "must be " + ResourceNames.AgentRule);
            return false;
        }

        key = new AgentKey(org, agent);
        return true;
    }

    internal static IResult NotFound(AgentKey key) => AdminProblems.NotFound($"No agent '{key.Agent}' in organization '{key.Org}'.");
}

using Gateway.Core;
using Gateway.Kubernetes;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Gateway.Admin;

/// <summary>
/// The <c>/agents</c> routes' work: an organization's agents listed and read, written whole once valid, and removed;
/// every write goes over the revision it read (<see cref="AgentWrites"/>) and honours <c>If-Match</c>/<c>If-None-Match</c>.
/// </summary>
internal sealed class AgentService(IAgentRegistry registry, KubernetesAccess kubernetes)
{
    public JsonHttpResult<AgentList> List(OrgRequest request)
    {
        var org = request.Org;
        var agents = registry.Current.Agents
            .Where(a => a.Key.Org == org)
            .OrderBy(a => a.Key.Agent, StringComparer.Ordinal)
            .Select(a => new AgentListItem(a.Key.Agent, a.Revision, a.Resource))
            .ToList();
        return TypedResults.Json(new AgentList(agents), AdminJson.Admin.AgentList);
    }

    public IResult Get(AgentRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        if (!registry.Current.TryGet(key, out var registered))
        {
            return AgentRoute.NotFound(key);
        }

        request.Context.Response.Headers.ETag = EntityTags.For(registered.Resource);
        return TypedResults.Json(registered.Resource, AdminJson.Registry.AgentResource);
    }

    public async Task<IResult> PutAsync(AgentRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var context = request.Context;
        var (resource, invalid) = await RequestJson.ReadAsync(context.Request, RegistryJsonContext.Default.AgentResource, context.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        var errors = AgentResourceValidator.Validate(resource!, kubernetes.IsAvailable);
        if (errors.Count > 0)
        {
            return Refusals.Validation(errors);
        }

        var precondition = EntityTags.Read(context.Request);
        return await AgentWrites.RetryAsync(key, async () =>
        {
            var snapshot = registry.Current;
            if (AgentWrites.PhoneNumberConflict(snapshot, key, resource!) is { } conflict)
            {
                return conflict;
            }

            var existed = snapshot.TryGet(key, out var current);
            if (!precondition.HoldsFor(current?.Resource))
            {
                return Unmet(key, precondition, existed);
            }

            var written = AgentWrites.KeepHeartbeats(resource!, current?.Resource);
            if (await registry.PutIfRevisionAsync(key, written, current?.Revision ?? 0, context.RequestAborted) is null)
            {
                return null;
            }

            context.Response.Headers.ETag = EntityTags.For(written);
            if (existed)
            {
                return TypedResults.Json(written, AdminJson.Registry.AgentResource);
            }

            context.Response.Headers[HeaderNames.Location] = $"/admin/v1/orgs/{request.Org}/agents/{request.Agent}";
            return TypedResults.Json(written, AdminJson.Registry.AgentResource, statusCode: StatusCodes.Status201Created);
        }, context.RequestAborted);
    }

    public async Task<IResult> DeleteAsync(AgentRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var context = request.Context;
        var precondition = EntityTags.Read(context.Request);
        return await AgentWrites.RetryAsync(key, async () =>
        {
            if (!registry.Current.TryGet(key, out var current))
            {
                return AgentRoute.NotFound(key);
            }

            if (precondition.CreateOnly || !precondition.HoldsFor(current.Resource))
            {
                return Unmet(key, precondition, existed: true);
            }

            return await registry.DeleteIfRevisionAsync(key, current.Revision, context.RequestAborted) switch
            {
                true => TypedResults.NoContent(),
                false => AgentRoute.NotFound(key),
                null => null,
            };
        }, context.RequestAborted);
    }

    private static Refusal Unmet(AgentKey key, EntityTags.Precondition precondition, bool existed) =>
        precondition.CreateOnly && existed
            ? Refusals.PreconditionFailed($"Agent '{key.ServiceHost}' already exists (If-None-Match: *).")
            : Refusals.PreconditionFailed($"Agent '{key.ServiceHost}' is not as If-Match names it (changed, or absent); read it again.");
}

using Gateway.Core;
using Gateway.Kubernetes;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Gateway.Admin;

/// <summary>
/// The <c>/agents</c> routes' work: an organization's agents listed and read, written whole (PUT) or by JSON merge
/// patch (PATCH) once valid, and removed; every write goes over the revision it read (<see cref="AgentWrites"/>) and
/// honours <c>If-Match</c>/<c>If-None-Match</c>.
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
        var (resource, invalid) = await RequestJson.ReadAsync(context.Request, RegistryJsonContext.Default.AgentResource, context.RequestAborted, Validate);
        return invalid ?? await WriteAsync(request, key, _ => (resource, null), creating: true);
    }

    /// <summary>
    /// A JSON merge patch over the agent as it is (its instances included), then checked exactly as a PUT of the
    /// result would be: a patch cannot leave an agent a PUT would refuse.
    /// </summary>
    public async Task<IResult> PatchAsync(AgentRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var context = request.Context;
        var (patch, invalid) = await RequestJson.ReadObjectAsync(context.Request, RequestJson.MergePatch, context.RequestAborted);
        return invalid ?? await WriteAsync(
            request, key, current => MergePatch.ApplyTo(current!, patch!, RegistryJsonContext.Default.AgentResource, Validate), creating: false);
    }

    /// <param name="change">The agent to write given the current one (null: absent, only when <paramref name="creating"/>).</param>
    private async Task<IResult> WriteAsync(AgentRequest request, AgentKey key, Func<AgentResource?, (AgentResource? Value, Refusal? Refusal)> change, bool creating)
    {
        var context = request.Context;
        var precondition = EntityTags.Read(context.Request);
        return await AgentWrites.RetryAsync(key, async () =>
        {
            var snapshot = registry.Current;
            var existed = snapshot.TryGet(key, out var current);
            if (!existed && !creating)
            {
                return AgentRoute.NotFound(key);
            }

            if (!precondition.HoldsFor(current?.Resource))
            {
                return Unmet(key, precondition, existed);
            }

            var (resource, refusal) = change(current?.Resource);
            if (refusal is not null)
            {
                return refusal;
            }

            if (AgentWrites.PhoneNumberConflict(snapshot, key, resource!) is { } conflict)
            {
                return conflict;
            }

            if (AgentWrites.HoldClipMissing(key, resource!, current) is { } missing)
            {
                return missing;
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

    private IReadOnlyDictionary<string, string[]> Validate(AgentResource resource) => AgentResourceValidator.Validate(resource, kubernetes.IsAvailable);

    private static Refusal Unmet(AgentKey key, EntityTags.Precondition precondition, bool existed) =>
        precondition.CreateOnly && existed
            ? Refusals.PreconditionFailed($"Agent '{key.ServiceHost}' already exists (If-None-Match: *).")
            : Refusals.PreconditionFailed($"Agent '{key.ServiceHost}' is not as If-Match names it (changed, or absent); read it again.");
}

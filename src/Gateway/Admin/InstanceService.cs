using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>
/// The <c>/agents/{agent}/instances/{id}</c> routes' work: one bot instance registered, renewed or removed inside its
/// agent, without the caller rewriting the agent.
/// </summary>
internal sealed class InstanceService(IAgentRegistry registry, TimeProvider time)
{
    // What an update that wrote (or had nothing to write) answers to UpdateAgentAsync; never sent.
    private static readonly IResult Done = Results.Empty;

    public async Task<IResult> PutAsync(InstanceRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var context = request.Context;
        var id = request.Id;
        var now = time.GetUtcNow();

        // Checked while read, so that a field of the wrong JSON type and a rule broken elsewhere are named together;
        // the instance is what that check made of a registration that bound.
        AgentInstance? instance = null;
        var (_, invalid) = await RequestJson.ReadAsync(context.Request, AdminJsonContext.Default.InstanceRegistration, context.RequestAborted, read =>
        {
            (instance, var broken) = InstanceRegistrations.Read(id, read, now);
            return broken?.Errors ?? new Dictionary<string, string[]>();
        });
        if (invalid is not null)
        {
            return invalid;
        }

        var created = false;
        var outcome = await UpdateAgentAsync(key, resource =>
        {
            // Other instances whose heartbeat lapsed go: they take no calls, and pods that died without deregistering
            // (new names at every rollout) would otherwise pile up until the agent's instance limit refused every beat.
            var now = time.GetUtcNow();
            var instances = resource.Instances.Where(i => i.Id == id || i.IsLiveAt(now)).ToList();
            var index = instances.FindIndex(i => i.Id == id);
            created = index < 0;
            if (created)
            {
                instances.Add(instance!);
            }
            else
            {
                instances[index] = instance!;
            }

            return resource with { Instances = instances };
        }, context.RequestAborted);
        if (outcome is not null)
        {
            return outcome;
        }

        return TypedResults.Json(instance, AdminJson.Admin.AgentInstance, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    public async Task<IResult> DeleteAsync(InstanceRequest request)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var id = request.Id;
        var found = true;
        var outcome = await UpdateAgentAsync(key, resource =>
        {
            found = resource.Instances.Any(i => i.Id == id);
            return found ? resource with { Instances = [.. resource.Instances.Where(i => i.Id != id)] } : null;
        }, request.Context.RequestAborted);
        if (outcome is not null)
        {
            return outcome;
        }

        return found ? TypedResults.NoContent() : Refusals.NotFound($"No instance '{id}' of agent '{request.Agent}'.");
    }

    /// <summary>
    /// Read, change, write back over the revision read (see <see cref="AgentWrites"/>). The change returns null when
    /// there is nothing to write. Returns a problem, or null when done.
    /// </summary>
    private async Task<IResult?> UpdateAgentAsync(AgentKey key, Func<AgentResource, AgentResource?> change, CancellationToken cancellationToken)
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

using System.Text.Json;
using Gateway.Core;

namespace Gateway.Registry;

/// <summary>Reads and checks the seed file named by <c>Registry:SeedFile</c>.</summary>
public static class RegistrySeed
{
    /// <summary>
    /// Where a configured seed file is: an absolute path as is; a relative one under the content root or, failing
    /// that, beside the gateway's binary (where the build copies <c>config/</c>). Null when no file is configured.
    /// </summary>
    public static string? Resolve(string? seedFile, string contentRoot)
    {
        if (string.IsNullOrWhiteSpace(seedFile))
        {
            return null;
        }

        if (Path.IsPathRooted(seedFile))
        {
            return seedFile;
        }

        var underContentRoot = Path.GetFullPath(seedFile, contentRoot);
        var besideBinary = Path.GetFullPath(seedFile, AppContext.BaseDirectory);
        return File.Exists(underContentRoot) || !File.Exists(besideBinary) ? underContentRoot : besideBinary;
    }

    /// <summary>Reads the file as a gateway without Kubernetes access does: an agent with a <c>kubernetes</c> source is invalid.</summary>
    /// <returns>The agents of the file; empty when no file is configured or it does not exist.</returns>
    /// <exception cref="InvalidOperationException">The file is not valid: the gateway refuses to start on it.</exception>
    public static IReadOnlyDictionary<AgentKey, AgentResource> Load(string? path) => Load(path, kubernetesAccess: false);

    /// <param name="path">The seed file.</param>
    /// <param name="kubernetesAccess">Whether this gateway can watch Kubernetes (else a <c>kubernetes</c> source is refused).</param>
    /// <returns>The agents of the file; empty when no file is configured or it does not exist.</returns>
    /// <exception cref="InvalidOperationException">The file is not valid: the gateway refuses to start on it.</exception>
    public static IReadOnlyDictionary<AgentKey, AgentResource> Load(string? path, bool kubernetesAccess)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            return new Dictionary<AgentKey, AgentResource>();
        }

        RegistrySeedDocument? document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonSerializer.Deserialize(stream, RegistryJsonContext.Default.RegistrySeedDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Registry seed '{path}' is not valid JSON: {e.Message}", e);
        }

        var agents = new Dictionary<AgentKey, AgentResource>();
        foreach (var (name, resource) in document?.Agents ?? [])
        {
            if (!AgentKey.TryParse(name, out var key))
            {
                throw new InvalidOperationException(
                    $"Registry seed '{path}': '{name}' is not an agent key '{{org}}/{{agent}}' ({ResourceNames.AgentRule})");
            }

            if (resource is null)
            {
                throw new InvalidOperationException($"Registry seed '{path}': agent '{name}' is null; an agent is a JSON object.");
            }

            var errors = AgentResourceValidator.Validate(resource, kubernetesAccess);
            if (errors.Count > 0)
            {
                var detail = string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(" ", e.Value)}"));
                throw new InvalidOperationException($"Registry seed '{path}': agent '{name}' is invalid: {detail}");
            }

            agents[key] = resource;
        }

        return agents;
    }
}

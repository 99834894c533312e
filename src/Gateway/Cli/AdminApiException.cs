using System.Net;
using System.Text;

namespace Gateway.Cli;

/// <summary>A refusal from the admin API, with what its problem details said.</summary>
internal sealed class AdminApiException(
    string method,
    string path,
    HttpStatusCode status,
    string? code,
    string? detail,
    IReadOnlyDictionary<string, string[]> errors)
    : Exception($"{method} {path}: {(int)status} {code ?? "(no code)"}: {detail ?? status.ToString()}")
{
    public HttpStatusCode Status { get; } = status;

    public string? Code { get; } = code;

    /// <summary>412 and 409: another writer got there first; running the command again reads the new state.</summary>
    public int ExitCode => Status is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict ? ExitCodes.Conflict : ExitCodes.Refused;

    /// <summary><c>error: PUT /admin/v1/…: 400 validation_failed: …</c>, then one line per field error.</summary>
    public string Describe()
    {
        var text = new StringBuilder("error: ").Append(Message);
        foreach (var (field, messages) in errors.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            foreach (var message in messages)
            {
                text.Append('\n').Append("  ").Append(field).Append(": ").Append(message);
            }
        }

        return text.ToString();
    }
}

using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>The admin API's RFC 7807 answers; each carries a stable <c>code</c> for scripts.</summary>
internal static class AdminProblems
{
    public static IResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid", extensions: Code("validation_failed"));

    public static IResult Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "not_found", "Not found", detail);

    public static IResult Conflict(string code, string detail) => Problem(StatusCodes.Status409Conflict, code, "Conflict", detail);

    public static IResult PreconditionFailed(string detail) =>
        Problem(StatusCodes.Status412PreconditionFailed, "precondition_failed", "The resource has changed", detail);

    public static IResult Forbidden(string detail) => Problem(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    public static IResult Problem(int status, string code, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: Code(code));

    private static Dictionary<string, object?> Code(string code) => new() { ["code"] = code };
}

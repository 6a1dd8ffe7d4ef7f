using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orleans.Storage;
using OrleansGoRelay.Grains;
using OrleansGoRelay.Persistence.GrainStorage;

namespace OrleansGoRelay.Gateway.Hosting;

/// <summary>RFC 7807 problem documents with the stable machine-readable <c>code</c> member of the API contract.</summary>
public static class Problems
{
    /// <summary>A problem result with a status, a code and a human explanation.</summary>
    public static ProblemHttpResult Create(int status, string code, string detail, IEnumerable<KeyValuePair<string, object?>>? extensions = null)
    {
        var members = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (name, value) in extensions ?? [])
        {
            members[name] = value;
        }

        return TypedResults.Problem(statusCode: status, detail: detail, title: code.Replace('_', ' '), extensions: members);
    }
}

/// <summary>A refusal as the API answers it: HTTP status, stable code, human detail.</summary>
public readonly record struct Refusal(int Status, string Code, string Detail);

/// <summary>
/// The one place where failures become API answers, shared by the HTTP routes (through the exception handler) and
/// the relay uplink, so a refusal reads the same whichever way a client came in.
/// </summary>
public static class Refusals
{
    /// <summary>How the API answers an exception; unknown failures are a 500 <c>internal_error</c> without internals.</summary>
    public static Refusal Describe(Exception exception) => exception switch
    {
        RequestRefusedException refused => new(refused.Status, refused.Code, refused.Message),
        InconsistentStateException => new(StatusCodes.Status409Conflict, "concurrent_update", "Another request changed this resource at the same moment; read it again and retry."),
        GrainStateCorruptedException corrupted => new(StatusCodes.Status500InternalServerError, "grain_state_corrupted", corrupted.Message),
        SiloUnavailableException or OrleansMessageRejectionException => new(StatusCodes.Status503ServiceUnavailable, "silo_unavailable", "The cluster is moving this resource between silos; retry shortly."),
        TimeoutException => new(StatusCodes.Status503ServiceUnavailable, "silo_unavailable", "The cluster did not answer in time; retry (requests are idempotent)."),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new(StatusCodes.Status413PayloadTooLarge, "request_too_large", exception.Message),
        BadHttpRequestException bad => new(bad.StatusCode, BadRequestCode(bad), bad.Message),
        _ => new(StatusCodes.Status500InternalServerError, "internal_error", "The request failed unexpectedly; it is safe to retry."),
    };

    // The framework's binding failures, by what went wrong (their messages name the parameter).
    private static string BadRequestCode(BadHttpRequestException bad) => bad switch
    {
        { StatusCode: StatusCodes.Status415UnsupportedMediaType } => "unsupported_media_type",
        { InnerException: System.Text.Json.JsonException } => "malformed_json",
        _ when bad.Message.Contains("no body was provided", StringComparison.Ordinal) => "empty_body",
        _ when bad.Message.Contains("Failed to bind parameter", StringComparison.Ordinal) => "invalid_parameter",
        _ => "bad_request",
    };
}

/// <summary>Turns every failure into a problem document instead of a bare 500.</summary>
internal sealed class GrainExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var refusal = Refusals.Describe(exception);
        httpContext.Response.StatusCode = refusal.Status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = refusal.Status,
                Title = refusal.Code.Replace('_', ' '),
                Detail = refusal.Detail,
                Extensions = { ["code"] = refusal.Code },
            },
        }).ConfigureAwait(false);
    }
}

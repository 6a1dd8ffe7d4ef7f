namespace OrleansGoRelay.Grains;

/// <summary>
/// A request a grain refuses for a reason the caller can fix or must know: the gateway answers it as a problem
/// document with <see cref="Status"/> and the stable <see cref="Code"/>. Nothing was changed by a refused request.
/// </summary>
/// <remarks>
/// This is the product's one vocabulary of refusals: grains throw it, it crosses silos with Orleans' serializer, and
/// the gateway's problem mapping and the relay uplink answer it the same way.
/// </remarks>
[GenerateSerializer, Alias("gorelay.RequestRefusedException")]
public sealed class RequestRefusedException : Exception
{
    /// <summary>A refusal with an HTTP status, a machine-readable code and a human explanation.</summary>
    public RequestRefusedException(int status, string code, string message) : base(message)
    {
        Status = status;
        Code = code;
    }

    /// <summary>A generic bad request.</summary>
    public RequestRefusedException() : this(400, "bad_request", "The request is malformed.")
    {
    }

    /// <summary>A bad request with a message.</summary>
    public RequestRefusedException(string message) : this(400, "bad_request", message)
    {
    }

    /// <summary>A bad request with a message and a cause.</summary>
    public RequestRefusedException(string message, Exception innerException) : base(message, innerException)
    {
        Status = 400;
        Code = "bad_request";
    }

    /// <summary>The HTTP status the gateway answers with (4xx).</summary>
    [Id(0)]
    public int Status { get; }

    /// <summary>The stable machine-readable code.</summary>
    [Id(1)]
    public string Code { get; }

    /// <summary>400: the request itself is malformed.</summary>
    public static RequestRefusedException BadRequest(string code, string message) => new(400, code, message);

    /// <summary>403: the caller may not do this.</summary>
    public static RequestRefusedException Forbidden(string code, string message) => new(403, code, message);

    /// <summary>404: the thing named does not exist.</summary>
    public static RequestRefusedException NotFound(string code, string message) => new(404, code, message);

    /// <summary>409: the request conflicts with the current state.</summary>
    public static RequestRefusedException Conflict(string code, string message) => new(409, code, message);

    /// <summary>422: well formed, but the rules forbid it.</summary>
    public static RequestRefusedException Unprocessable(string code, string message) => new(422, code, message);
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGoRelay.Contracts;

namespace OrleansGoRelay.Cli.Play;

/// <summary>An answer from the gateway: the status and the JSON body (a problem document when not 2xx).</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The JSON body, if any.</param>
public sealed record GatewayAnswer(HttpStatusCode Status, JsonNode? Body)
{
    /// <summary>Whether the status is 2xx.</summary>
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The problem's <c>code</c>, when there is one.</summary>
    public string? Code => Body is JsonObject o ? (string?)o["code"] : null;
}

/// <summary>
/// A player's view of the cluster's gateways: it sends each call to the gateway that last answered, and on a
/// connection failure or a 5xx moves to the next, until the call's deadline. Every call it makes is safe to repeat.
/// </summary>
public sealed class GatewayClient : IDisposable
{
    /// <summary>JSON as the gateway writes it.</summary>
    public static JsonSerializerOptions Json => ApiJson.Options;

    /// <summary>The problem code of a route request no relay can take now (503).</summary>
    public const string NoRelayAvailable = "no_relay_available";

    private readonly IReadOnlyList<Uri> _gateways;
    private readonly HttpClient _http;
    private int _current;

    public GatewayClient(IEnumerable<string> gateways, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        _gateways = [.. gateways.Select(g => new Uri(g.TrimEnd('/') + "/"))];
        if (_gateways.Count == 0)
        {
            throw new ArgumentException("Name at least one gateway.", nameof(gateways));
        }
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>The operator token sent as a bearer token with every call, for operator routes.</summary>
    public string? OperatorToken { get; init; }

    /// <summary>How long a call keeps trying other gateways.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>GET <paramref name="path"/>.</summary>
    public Task<GatewayAnswer> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    /// <summary>POST <paramref name="body"/> as JSON to <paramref name="path"/>.</summary>
    public Task<GatewayAnswer> PostAsync(string path, object body, CancellationToken cancellationToken) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: Json) }, cancellationToken);

    private async Task<GatewayAnswer> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        var delay = TimeSpan.FromMilliseconds(100);
        Exception? last = null;
        do
        {
            var gateway = _gateways[Volatile.Read(ref _current) % _gateways.Count];
            try
            {
                using var request = create();
                request.RequestUri = new Uri(gateway, request.RequestUri!.OriginalString.TrimStart('/'));
                if (OperatorToken is not null)
                {
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorToken);
                }
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    // Rate limited: wait as told, then ask the same gateway again.
                    var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                    await Task.Delay(wait < TimeSpan.FromSeconds(10) ? wait : TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                // 5xx means this gateway (or the grain behind it) cannot answer now; another may. Only "no relay
                // available" is an answer about the federation, not about this gateway: the caller decides.
                var answer = new GatewayAnswer(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
                if ((int)response.StatusCode < 500 || answer.Code == NoRelayAvailable)
                {
                    return answer;
                }
                last = new HttpRequestException($"{gateway} answered {(int)response.StatusCode}: {text}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }
            var failed = Volatile.Read(ref _current);
            Interlocked.CompareExchange(ref _current, failed + 1, failed);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
        while (DateTimeOffset.UtcNow < deadline);
        throw new TimeoutException($"No gateway answered within {Deadline.TotalSeconds:0} s ({string.Join(", ", _gateways)}).", last);
    }

    public void Dispose() => _http.Dispose();
}

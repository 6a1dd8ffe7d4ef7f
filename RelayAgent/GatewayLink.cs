using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Contracts;
using OrleansGoRelay.Contracts.Games;
using OrleansGoRelay.Contracts.Relays;
using OrleansGoRelay.Contracts.Wire;

namespace OrleansGoRelay.RelayAgent;

/// <summary>
/// The relay's link to the cluster: registration and heartbeats as signed HTTP requests, and the uplink WebSocket
/// that carries players' game calls and brings back game events. It fails over between gateways; calls lost with
/// a dropped uplink are sent again on the next one, which is safe because every game call is idempotent.
/// </summary>
public sealed partial class GatewayLink(IOptions<RelayAgentOptions> options, RelayAgentMetrics metrics, ILogger<GatewayLink> logger) : BackgroundService
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    // Federated calls move megabytes and may wait for a round's stage to close on the silo: a longer timeout of their own.
    private readonly HttpClient _bulk = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<UplinkReply>> _pending = new();
    private ECDsa _key = null!;
    private WebSocketConnection<GatewayMessage, UplinkRequest>? _uplink;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private int _gateway;

    /// <summary>Game events for this relay's sessions.</summary>
    public event Action<GameEvent>? GameEvent;

    /// <summary>Games to watch again after a reconnect.</summary>
    public Func<IEnumerable<string>>? WatchedGames { get; set; }

    /// <summary>Where players connect; set from the listening address at start.</summary>
    public string Address { get; set; } = "";

    /// <summary>Sessions and circuits for heartbeats.</summary>
    public Func<(int Sessions, int Circuits)>? Load { get; set; }

    private RelayAgentOptions Settings => options.Value;

    private string Gateway => Settings.Gateways[_gateway % Settings.Gateways.Count].TrimEnd('/');

    /// <summary>
    /// Calls a game grain through the uplink, retrying across reconnects until <see cref="CallTimeout"/>; the answer is
    /// 200 with the result, a refusal, or 503 <c>cluster_unreachable</c> when no gateway answered in time.
    /// </summary>
    public async Task<UplinkReply> CallAsync(UplinkCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var deadline = Stopwatch.GetTimestamp() + (long)(CallTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var id = Interlocked.Increment(ref _nextId);
            var reply = new TaskCompletionSource<UplinkReply>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = reply;
            try
            {
                await _connected.Task.WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
                await SendAsync(call with { Id = id }, cancellationToken).ConfigureAwait(false);
                var answer = await reply.Task.WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
                if (answer.Status != 503)
                {
                    return answer;
                }
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException or IOException or ObjectDisposedException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // The uplink dropped under this call; send it again on the next one.
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        return UplinkReply.Refused(null, 503, "cluster_unreachable", "No gateway answered in time.");
    }

    /// <summary>Asks to receive (or stop receiving) a game's events.</summary>
    public async Task WatchAsync(string gameId, bool watch, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(watch ? new WatchRequest(gameId) : new UnwatchRequest(gameId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or InvalidOperationException)
        {
            // A reconnect watches every game with sessions again.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(Settings.RelayId) || Settings.Gateways.Count == 0)
        {
            throw new InvalidOperationException("Set Relay:RelayId and at least one Relay:Gateways:N.");
        }
        _key = LoadOrCreateKey(Settings.KeyFile);
        await RegisterAsync(stoppingToken).ConfigureAwait(false);
        _registered.TrySetResult();
        var heartbeats = HeartbeatLoopAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunUplinkAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or JsonException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogUplinkDown(logger, Gateway, e.Message);
            }
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetResult(new UplinkReply(null, 503, null));
            }
            _gateway++;
            metrics.UplinkReconnects.Add(1);
            await Task.Delay(100, stoppingToken).ConfigureAwait(false);
        }
        await heartbeats.ConfigureAwait(false);
    }

    private async Task RegisterAsync(CancellationToken stoppingToken)
    {
        var registration = new RelayRegistration(Settings.RelayId, RelaySignature.ExportPublicKey(_key), Settings.Region, Settings.Latitude,
            Settings.Longitude, Settings.Limits.MaxReservations, Settings.BandwidthMbps, Settings.FlEnabled, Address, Settings.StakedTokens, Settings.ParseRole());
        var body = JsonSerializer.SerializeToUtf8Bytes(registration, ApiJson.Options);
        while (true)
        {
            try
            {
                using var response = await SignedAsync(HttpMethod.Post, "/api/v1/relays", body, stoppingToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    LogRegistered(logger, Settings.RelayId, Gateway, Address);
                    return;
                }
                var problem = await response.Content.ReadAsStringAsync(stoppingToken).ConfigureAwait(false);
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    throw new InvalidOperationException($"The cluster refused the registration: {problem}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogUplinkDown(logger, Gateway, e.Message);
            }
            _gateway++;
            await Task.Delay(500, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var (sessions, circuits) = Load?.Invoke() ?? (0, 0);
                var heartbeat = new RelayHeartbeat(sessions, metrics.LastRoundTripMs, BandwidthMbps: 0, circuits, metrics.CpuPercent());
                var body = JsonSerializer.SerializeToUtf8Bytes(heartbeat, ApiJson.Options);
                using var response = await SignedAsync(HttpMethod.Post, $"/api/v1/relays/{Settings.RelayId}/heartbeat", body, stoppingToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode
                    && await response.Content.ReadFromJsonAsync<HeartbeatReply>(ApiJson.Options, stoppingToken).ConfigureAwait(false) is { HeartbeatIntervalMs: > 0 } reply)
                {
                    interval = TimeSpan.FromMilliseconds(reply.HeartbeatIntervalMs);
                }
                metrics.RecordRoundTrip(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !stoppingToken.IsCancellationRequested)
            {
                _gateway++;
                LogUplinkDown(logger, Gateway, e.Message);
            }
            try
            {
                await Task.Delay(interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunUplinkAsync(CancellationToken stoppingToken)
    {
        var path = Uplink.Path(Settings.RelayId);
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(5);
        foreach (var (name, value) in RelaySignature.Sign(_key, Settings.RelayId, "GET", path, [], DateTimeOffset.UtcNow))
        {
            socket.Options.SetRequestHeader(name, value);
        }
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            connect.CancelAfter(TimeSpan.FromSeconds(3));
            await socket.ConnectAsync(new Uri(Gateway.Replace("http", "ws", StringComparison.Ordinal) + path), connect.Token).ConfigureAwait(false);
        }
        await using var uplink = new WebSocketConnection<GatewayMessage, UplinkRequest>(socket, new WebSocketLimits(Uplink.MaxMessageBytes, SendQueue: 65_536));
        _uplink = uplink;
        foreach (var game in WatchedGames?.Invoke() ?? [])
        {
            await uplink.SendAsync(new WatchRequest(game), stoppingToken).ConfigureAwait(false);
        }
        _connected.TrySetResult();
        LogUplinkUp(logger, Gateway);
        await foreach (var message in uplink.ReceiveAsync(stoppingToken).ConfigureAwait(false))
        {
            switch (message)
            {
                case UplinkReply { Id: { } id } reply when _pending.TryGetValue(id, out var pending):
                    pending.TrySetResult(reply);
                    break;
                case UplinkEvent { Event: { } gameEvent }:
                    GameEvent?.Invoke(gameEvent);
                    break;
                default:
                    // A reply to a watch, a late reply, or a message of a newer gateway: nothing waits for it.
                    break;
            }
        }
    }

    private Task SendAsync(UplinkRequest message, CancellationToken cancellationToken) =>
        (_uplink ?? throw new InvalidOperationException("No uplink yet.")).SendAsync(message, cancellationToken);

    /// <summary>Completes once the relay is registered (its key loaded), for the agent's other loops.</summary>
    public Task Registered => _registered.Task;

    /// <summary>Signs <paramref name="bytes"/> with the relay's key (federated updates and advertisements).</summary>
    public byte[] SignData(byte[] bytes) => _key.SignData(bytes, HashAlgorithmName.SHA256);

    /// <summary>The relay's key, for signatures the gateway checks later than the request.</summary>
    public ECDsa Key => _key;

    /// <summary>
    /// A signed request to the gateways, trying each once in turn until one answers (any status): the federated trainer's
    /// calls, which must outlive the death of the silo it was talking to.
    /// </summary>
    public async Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, string path, byte[] body, CancellationToken cancellationToken)
    {
        HttpRequestException? last = null;
        for (var attempt = 0; attempt < Settings.Gateways.Count; attempt++)
        {
            var gateway = Settings.Gateways[(_gateway + attempt) % Settings.Gateways.Count].TrimEnd('/');
            try
            {
                using var request = RelaySignature.CreateRequest(_key, Settings.RelayId, method, gateway + path, path, body, DateTimeOffset.UtcNow);
                if (body.Length > 0)
                {
                    request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                }
                return await _bulk.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                last = e;
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                last = new HttpRequestException($"{gateway} did not answer in time", e);
            }
        }
        throw last ?? new HttpRequestException("No gateway is configured.");
    }

    private async Task<HttpResponseMessage> SignedAsync(HttpMethod method, string path, byte[] body, CancellationToken cancellationToken)
    {
        using var request = RelaySignature.CreateRequest(_key, Settings.RelayId, method, Gateway + path, path, body, DateTimeOffset.UtcNow);
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static ECDsa LoadOrCreateKey(string file)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(file))
        {
            key.ImportFromPem(File.ReadAllText(file));
            return key;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return key;
    }

    public override void Dispose()
    {
        _http.Dispose();
        _bulk.Dispose();
        _key?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay {RelayId} registered at {Gateway}; players connect to {Address}")]
    private static partial void LogRegistered(ILogger logger, string relayId, string gateway, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink to {Gateway} is up")]
    private static partial void LogUplinkUp(ILogger logger, string gateway);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway {Gateway} unreachable: {Reason}")]
    private static partial void LogUplinkDown(ILogger logger, string gateway, string reason);
}

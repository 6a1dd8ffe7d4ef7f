using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OrleansGoRelay.Grains.Relays;

namespace OrleansGoRelay.RelayAgent;

/// <summary>An answer from the cluster to an uplink call.</summary>
/// <param name="Status">200, or a problem's status (503 when no gateway could be reached in time).</param>
/// <param name="Body">The result, or the problem (<c>code</c>, <c>detail</c>).</param>
public sealed record UplinkReply(int Status, JsonNode? Body);

/// <summary>
/// The relay's link to the cluster: registration and heartbeats as signed HTTP requests, and the uplink WebSocket
/// that carries players' game calls and brings back game events. It fails over between gateways; calls lost with
/// a dropped uplink are sent again on the next one, which is safe because every game call is idempotent.
/// </summary>
public sealed partial class GatewayLink(IOptions<RelayAgentOptions> options, RelayAgentMetrics metrics, ILogger<GatewayLink> logger) : BackgroundService
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ConcurrentDictionary<long, TaskCompletionSource<UplinkReply>> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private ECDsa _key = null!;
    private ClientWebSocket? _uplink;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private int _gateway;

    /// <summary>Game events for this relay's sessions.</summary>
    public event Action<JsonNode>? GameEvent;

    /// <summary>Games to watch again after a reconnect.</summary>
    public Func<IEnumerable<string>>? WatchedGames { get; set; }

    /// <summary>Where players connect; set from the listening address at start.</summary>
    public string Address { get; set; } = "";

    /// <summary>Sessions and circuits for heartbeats.</summary>
    public Func<(int Sessions, int Circuits)>? Load { get; set; }

    private RelayAgentOptions Settings => options.Value;

    private string Gateway => Settings.Gateways[_gateway % Settings.Gateways.Count].TrimEnd('/');

    /// <summary>Calls a game grain through the uplink, retrying across reconnects until <see cref="CallTimeout"/>.</summary>
    public async Task<UplinkReply> CallAsync(JsonObject request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deadline = Stopwatch.GetTimestamp() + (long)(CallTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var id = Interlocked.Increment(ref _nextId);
            var reply = new TaskCompletionSource<UplinkReply>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = reply;
            try
            {
                await _connected.Task.WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
                request["id"] = id;
                await SendAsync(request.ToJsonString(), cancellationToken).ConfigureAwait(false);
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
        return new UplinkReply(503, new JsonObject { ["code"] = "cluster_unreachable", ["detail"] = "No gateway answered in time." });
    }

    /// <summary>Asks to receive (or stop receiving) a game's events.</summary>
    public async Task WatchAsync(string gameId, bool watch, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(new JsonObject { ["op"] = watch ? "watch" : "unwatch", ["gameId"] = gameId }.ToJsonString(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or InvalidOperationException or ObjectDisposedException)
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
        var heartbeats = HeartbeatLoopAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunUplinkAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogUplinkDown(logger, Gateway, e.Message);
            }
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetResult(new UplinkReply(503, null));
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
            Settings.Longitude, Settings.Limits.MaxReservations, Settings.BandwidthMbps, Settings.FlEnabled, Address, Settings.StakedTokens,
            Settings.Role.Equals("standby", StringComparison.OrdinalIgnoreCase) ? RelayRole.Standby : RelayRole.Primary);
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            registration.RelayId,
            registration.PublicKey,
            registration.Region,
            registration.Latitude,
            registration.Longitude,
            registration.Capacity,
            registration.BandwidthMbps,
            registration.FlEnabled,
            registration.Address,
            registration.StakedTokens,
            role = Settings.Role.ToLowerInvariant(),
        }, JsonSerializerOptions.Web);
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
                var body = JsonSerializer.SerializeToUtf8Bytes(new
                {
                    sessions,
                    circuits,
                    latencyMs = metrics.LastRoundTripMs,
                    bandwidthMbps = 0.0,
                    cpuPercent = metrics.CpuPercent(),
                }, JsonSerializerOptions.Web);
                using var response = await SignedAsync(HttpMethod.Post, $"/api/v1/relays/{Settings.RelayId}/heartbeat", body, stoppingToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode
                    && (await response.Content.ReadFromJsonAsync<JsonObject>(stoppingToken).ConfigureAwait(false))?["heartbeatIntervalMs"]?.GetValue<double>() is { } ms and > 0)
                {
                    interval = TimeSpan.FromMilliseconds(ms);
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
        var path = $"/api/v1/relays/{Settings.RelayId}/uplink";
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
        _uplink = socket;
        foreach (var game in WatchedGames?.Invoke() ?? [])
        {
            await SendAsync(new JsonObject { ["op"] = "watch", ["gameId"] = game }.ToJsonString(), stoppingToken).ConfigureAwait(false);
        }
        _connected.TrySetResult();
        LogUplinkUp(logger, Gateway);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (!stoppingToken.IsCancellationRequested)
        {
            var read = await socket.ReceiveAsync(buffer, stoppingToken).ConfigureAwait(false);
            if (read.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
            message.Write(buffer, 0, read.Count);
            if (!read.EndOfMessage)
            {
                continue;
            }
            var node = JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length));
            message.SetLength(0);
            if ((string?)node?["op"] == "reply" && node["id"]?.GetValue<long>() is { } id && _pending.TryGetValue(id, out var pending))
            {
                pending.TrySetResult(new UplinkReply(node["status"]?.GetValue<int>() ?? 500, node["body"]));
            }
            else if ((string?)node?["op"] == "event" && node["event"] is { } gameEvent)
            {
                GameEvent?.Invoke(gameEvent);
            }
        }
    }

    private async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        var socket = _uplink ?? throw new InvalidOperationException("No uplink yet.");
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
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

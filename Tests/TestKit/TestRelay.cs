using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using OrleansGoRelay.Contracts.Relays;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>A relay identity for tests: a P-256 key and signed requests as the relay agent sends them.</summary>
public sealed class TestRelay(string relayId, TimeProvider? clock = null) : IDisposable
{
    public string RelayId { get; } = relayId;

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKey => RelaySignature.ExportPublicKey(Key);

    /// <summary>The registration body.</summary>
    public object Registration(double latitude = 52.37, double longitude = 4.9, int capacity = 100, string role = "primary", string address = "ws://127.0.0.1:1") => new
    {
        relayId = RelayId,
        publicKey = PublicKey,
        region = "eu-west",
        latitude,
        longitude,
        capacity,
        bandwidthMbps = 100.0,
        flEnabled = true,
        address,
        role,
    };

    /// <summary>A signed request (not sent), so a test can send it twice.</summary>
    public HttpRequestMessage CreateSignedRequest(HttpMethod method, string pathAndQuery, object? body)
    {
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web);
        return RelaySignature.CreateRequest(Key, RelayId, method, pathAndQuery, pathAndQuery, bytes, (clock ?? TimeProvider.System).GetUtcNow());
    }

    /// <summary>Sends a signed request and reads the answer.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string pathAndQuery, object? body)
    {
        using var request = CreateSignedRequest(method, pathAndQuery, body);
        return await ReadAsync(await client.SendAsync(request));
    }

    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
    }

    /// <summary>Posts unsigned JSON and reads the answer.</summary>
    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, object? body) =>
        await ReadAsync(await client.PostAsJsonAsync(path, body));

    public void Dispose() => Key.Dispose();
}

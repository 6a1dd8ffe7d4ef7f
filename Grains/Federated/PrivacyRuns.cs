using System.Text.Json;
using OrleansGoRelay.Contracts.Federated;
using OrleansGoRelay.Learning.Federated.Privacy;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// The DP-FedAvg accountant's state between private rounds, saved with the round that produced it and the state before
/// it, so a round that aggregates again after a crash starts from the same state and is accounted once.
/// </summary>
/// <param name="AfterRound">The round whose release produced <paramref name="After"/>.</param>
/// <param name="Before">The state that round started from.</param>
/// <param name="After">The state after it.</param>
public sealed record PrivacyRecord(string AfterRound, DpFedAvgState? Before, DpFedAvgState After);

/// <summary>What a private round's aggregation starts from, fixed before its first aggregation.</summary>
/// <param name="Before">The run's state before the round (null for the run's first round).</param>
/// <param name="Seed">The run's noise seed (the state's, or drawn for the first round and kept from then on).</param>
public sealed record PrivacyStart(DpFedAvgState? Before, ulong Seed);

/// <summary>Reads and writes the cluster's one privacy run.</summary>
public static class PrivacyRuns
{
    /// <summary>The run's key: every private round of the cluster spends the same budget.</summary>
    public const string Run = "cluster";

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>The state a round starts from (the state before it, when it already released once).</summary>
    public static async Task<DpFedAvgState?> BeforeAsync(IFederatedStore store, string roundId)
    {
        ArgumentNullException.ThrowIfNull(store);
        var record = await LoadAsync(store);
        return record is null ? null : record.AfterRound == roundId ? record.Before : record.After;
    }

    /// <summary>
    /// The state and seed <paramref name="roundId"/> aggregates from, recorded the first time it is asked for: an
    /// aggregation repeated after a crash, and a verifier recomputing the round later, draw exactly the same noise.
    /// (Without the record, a run's first round would draw a fresh seed each time it aggregated: a repeat would release
    /// the same updates under other noise, and nobody could recompute the release.)
    /// </summary>
    public static async Task<PrivacyStart> StartAsync(IFederatedStore store, string roundId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await StartedFromAsync(store, roundId) is { } recorded)
        {
            return recorded;
        }
        var before = await BeforeAsync(store, roundId);
        var start = new PrivacyStart(before, before?.Seed ?? BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sizeof(ulong))));
        await store.SavePrivacyStateAsync(RoundKey(roundId), JsonSerializer.Serialize(start, Json), now);
        return start;
    }

    /// <summary>Saves the run's state after <paramref name="roundId"/> released its aggregate.</summary>
    public static async Task SaveAsync(IFederatedStore store, string roundId, DpFedAvgState? before, DpFedAvgState after, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.SavePrivacyStateAsync(Run, JsonSerializer.Serialize(new PrivacyRecord(roundId, before, after), Json), now);
    }

    /// <summary>What a private round aggregated from, or null for a round that never aggregated (or ran before this record existed).</summary>
    public static async Task<PrivacyStart?> StartedFromAsync(IFederatedStore store, string roundId)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.PrivacyStateAsync(RoundKey(roundId)) is { } json ? JsonSerializer.Deserialize<PrivacyStart>(json, Json) : null;
    }

    private static string RoundKey(string roundId) => "start:" + roundId;

    /// <summary>The clip bound the next private round's relays use.</summary>
    public static async Task<double> ClipNormAsync(IFederatedStore store, PrivacySettings privacy)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        return (await LoadAsync(store))?.After.ClipNorm ?? privacy.Clip;
    }

    private static async Task<PrivacyRecord?> LoadAsync(IFederatedStore store) =>
        await store.PrivacyStateAsync(Run) is { } json ? JsonSerializer.Deserialize<PrivacyRecord>(json, Json) : null;
}

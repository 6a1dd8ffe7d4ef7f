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

    /// <summary>Saves the state after <paramref name="roundId"/>.</summary>
    public static Task SaveAsync(IFederatedStore store, string roundId, DpFedAvgState? before, DpFedAvgState after, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.SavePrivacyStateAsync(Run, JsonSerializer.Serialize(new PrivacyRecord(roundId, before, after), Json), now);
    }

    /// <summary>The clip bound the next private round's relays use.</summary>
    public static async Task<double> ClipNormAsync(IFederatedStore store, PrivacySettings privacy)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        return (await LoadAsync(store))?.After.ClipNorm ?? privacy.Clip;
    }

    private static async Task<PrivacyRecord?> LoadAsync(IFederatedStore store) =>
        await store.PrivacyStateAsync(Run) is { } json ? JsonSerializer.Deserialize<PrivacyRecord>(json, Json) : null;
}

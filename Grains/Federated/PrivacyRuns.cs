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

    /// <summary>
    /// Saves the state after <paramref name="roundId"/>, and the state it started from under the round's own key, so
    /// the round's aggregate can be recomputed later (<see cref="StartedFromAsync"/>) when newer rounds have run.
    /// </summary>
    public static async Task SaveAsync(IFederatedStore store, string roundId, DpFedAvgState? before, DpFedAvgState after, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.SavePrivacyStateAsync(RoundKey(roundId), JsonSerializer.Serialize(before, Json), now);
        await store.SavePrivacyStateAsync(Run, JsonSerializer.Serialize(new PrivacyRecord(roundId, before, after), Json), now);
    }

    /// <summary>
    /// The state a finished private round started from: (true, state) when it is known (the state is null for the
    /// run's first round), (false, null) for a round whose starting state was not kept.
    /// </summary>
    public static async Task<(bool Known, DpFedAvgState? State)> StartedFromAsync(IFederatedStore store, string roundId)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.PrivacyStateAsync(RoundKey(roundId)) is { } json)
        {
            return (true, JsonSerializer.Deserialize<DpFedAvgState>(json, Json));
        }
        return await LoadAsync(store) is { } record && record.AfterRound == roundId ? (true, record.Before) : (false, null);
    }

    private static string RoundKey(string roundId) => "before:" + roundId;

    /// <summary>The clip bound the next private round's relays use.</summary>
    public static async Task<double> ClipNormAsync(IFederatedStore store, PrivacySettings privacy)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        return (await LoadAsync(store))?.After.ClipNorm ?? privacy.Clip;
    }

    private static async Task<PrivacyRecord?> LoadAsync(IFederatedStore store) =>
        await store.PrivacyStateAsync(Run) is { } json ? JsonSerializer.Deserialize<PrivacyRecord>(json, Json) : null;
}

using System.Numerics.Tensors;

namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>The input checks every rule makes, and the canonical order rules work in.</summary>
internal static class UpdateChecks
{
    /// <summary>
    /// The updates sorted by client id (ordinal), after checking that none is null, that ids are distinct, that all
    /// deltas have one length and that every value is finite. Sorting first makes every rule's result (and its
    /// tie-breaks) independent of the order in which updates arrived.
    /// </summary>
    public static ClientUpdate[] Canonical(IReadOnlyList<ClientUpdate> updates, string rule)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var sorted = new ClientUpdate[updates.Count];
        for (var i = 0; i < sorted.Length; i++)
        {
            var update = updates[i] ?? throw new ArgumentException($"{rule}: update {i} is null.", nameof(updates));
            if (update.ClientId is null || update.Delta is null)
            {
                throw new ArgumentException($"{rule}: update {i} has no client id or no delta.", nameof(updates));
            }
            sorted[i] = update;
        }
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.ClientId, b.ClientId));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (string.Equals(sorted[i].ClientId, sorted[i - 1].ClientId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"{rule}: client '{sorted[i].ClientId}' sent more than one update.", nameof(updates));
            }
        }
        if (sorted.Length == 0)
        {
            return sorted;
        }
        var length = sorted[0].Delta.Length;
        foreach (var update in sorted)
        {
            if (update.Delta.Length != length)
            {
                throw new ArgumentException(
                    $"{rule}: client '{update.ClientId}' sent {update.Delta.Length:N0} values; client '{sorted[0].ClientId}' sent {length:N0}.",
                    nameof(updates));
            }
        }
        // A NaN has no place in an order and poisons every mean; screening (dropping such updates) is the round's job,
        // so a rule refuses to guess. The check is vectorised: 100 updates of 1M values take tens of milliseconds.
        foreach (var update in sorted)
        {
            if (!TensorPrimitives.IsFiniteAll<float>(update.Delta))
            {
                throw new ArgumentException(
                    $"{rule}: the update of client '{update.ClientId}' has a non-finite value (NaN or infinity); screen updates before aggregating.",
                    nameof(updates));
            }
        }
        return sorted;
    }

    /// <summary>The deltas of <paramref name="updates"/>, in their order.</summary>
    public static float[][] Deltas(ClientUpdate[] updates)
    {
        var deltas = new float[updates.Length][];
        for (var i = 0; i < deltas.Length; i++)
        {
            deltas[i] = updates[i].Delta;
        }
        return deltas;
    }
}

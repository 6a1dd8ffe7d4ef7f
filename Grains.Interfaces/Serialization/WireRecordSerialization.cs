using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace OrleansGoRelay.Grains.Serialization;

/// <summary>
/// The wire records of federated rounds and inference (<c>OrleansGoRelay.Contracts.Federated</c> and
/// <c>.Inference</c>, free of Orleans so relay agents and API clients never load it) cross grain calls as
/// System.Text.Json: one shape for the gateway, the relays and the grains. Every silo and every Orleans client of the
/// cluster registers this.
/// </summary>
public static class WireRecordSerialization
{
    private static readonly string[] Namespaces =
        [typeof(Contracts.Federated.RoundStart).Namespace!, typeof(Contracts.Inference.PredictRequest).Namespace!, typeof(OrleansGoRelay.Ledger.Flows.TokenFlowReport).Namespace!];

    /// <summary>Whether <paramref name="type"/> is one of the JSON wire records.</summary>
    public static bool IsWireType(Type type) => type?.Namespace is { } ns && Namespaces.Contains(ns);

    /// <summary>Adds the JSON codec for the wire records.</summary>
    public static IServiceCollection AddWireRecordSerializer(this IServiceCollection services) =>
        services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: IsWireType));
}

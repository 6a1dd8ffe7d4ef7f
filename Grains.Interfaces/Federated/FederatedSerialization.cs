using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansGoRelay.Contracts.Federated;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>
/// The federated rounds' wire records (<c>OrleansGoRelay.Contracts.Federated</c>, free of Orleans so relay agents never
/// load it) cross grain calls as System.Text.Json: one shape for the gateway, the relays and the grains. Every silo and
/// every Orleans client of the cluster registers this.
/// </summary>
public static class FederatedSerialization
{
    /// <summary>Whether <paramref name="type"/> is one of the federated wire records.</summary>
    public static bool IsWireType(Type type) => type?.Namespace == typeof(RoundStart).Namespace;

    /// <summary>Adds the JSON codec for the federated wire records.</summary>
    public static IServiceCollection AddFederatedWireSerializer(this IServiceCollection services) =>
        services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: IsWireType));
}

using System.Security.Cryptography;

namespace OrleansGoRelay.Runtime;

/// <summary>Who this silo is: a unique id per process start, the configured name (the pod name on Kubernetes) and the address it advertises.</summary>
public sealed record SiloIdentity(string SiloId, string SiloName, string Address)
{
    /// <summary>A fresh identity; the id adds a random suffix so a restarted pod is a new silo, as in Orleans' generation.</summary>
    public static SiloIdentity Create(string siloName, string address) =>
        new($"{siloName}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", siloName, address);
}

using System.Security.Cryptography;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>Signs a client's key advertisement with its long-term identity key (Bonawitz et al. 2017, the actively secure variant).</summary>
public interface IAdvertisementSigner
{
    /// <summary>The signature over <paramref name="payload"/> (<see cref="AdvertiseKeys.SignedBytes"/>).</summary>
    byte[] Sign(byte[] payload);
}

/// <summary>Checks advertisements against the clients' registered identity keys (the PKI of the deployment).</summary>
public interface IAdvertisementVerifier
{
    /// <summary>Whether <paramref name="signature"/> is <paramref name="clientId"/>'s over <paramref name="payload"/>.</summary>
    bool Verify(int clientId, byte[] payload, byte[] signature);
}

/// <summary>ECDSA P-256 with SHA-256 identity keys: one signer per client, one verifier holding every client's public key.</summary>
public sealed class EcdsaAdvertisementSigner : IAdvertisementSigner, IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The identity public key (SubjectPublicKeyInfo DER) to register with the verifier.</summary>
    public byte[] PublicKey => _key.ExportSubjectPublicKeyInfo();

    /// <inheritdoc />
    public byte[] Sign(byte[] payload) => _key.SignData(payload, HashAlgorithmName.SHA256);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

/// <summary>Verifies against registered SubjectPublicKeyInfo keys (P-256); clients without a registered key fail.</summary>
public sealed class EcdsaAdvertisementVerifier(IReadOnlyDictionary<int, byte[]> publicKeys) : IAdvertisementVerifier
{
    /// <inheritdoc />
    public bool Verify(int clientId, byte[] payload, byte[] signature)
    {
        if (!publicKeys.TryGetValue(clientId, out var spki))
        {
            return false;
        }
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        return key.VerifyData(payload, signature, HashAlgorithmName.SHA256);
    }
}

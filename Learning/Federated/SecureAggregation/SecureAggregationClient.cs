using System.Security.Cryptography;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>
/// One client's side of a secure-aggregation round (Bonawitz et al. 2017, Figure 4; neighbours after Bell et al. 2020).
/// Call the four stages in order, each with the server's reply to the previous one:
/// <see cref="AdvertiseKeys"/> → <see cref="ShareKeys"/> (given U1) → <see cref="MaskInput"/> (given U2 and its share
/// bundles) → <see cref="Unmask"/> (given U3). The client checks what the server tells it (it is in each list, the lists
/// shrink, enough of its neighbourhood is left, every neighbour's bundle opens) and refuses
/// (<see cref="AggregationRefusedException"/>) otherwise; it answers one unmask request only, so a server cannot obtain
/// both the self-mask share and the masking-key share of one client by asking twice.
/// </summary>
public sealed class SecureAggregationClient : IDisposable
{
    private readonly SecureAggregationConfig _config;
    private readonly NeighbourGraph _graph;
    private readonly IAdvertisementSigner? _signer;
    private readonly IAdvertisementVerifier? _verifier;
    private readonly ECDiffieHellman _encryptionKey = SecureAggregationCrypto.NewKeyPair();
    private readonly ECDiffieHellman _maskingKey = SecureAggregationCrypto.NewKeyPair();
    private readonly IReadOnlyList<int> _neighbours;
    private readonly Dictionary<int, AdvertiseKeys> _neighbourKeys = [];
    private readonly Dictionary<int, byte[]> _bundleKeys = [];
    private readonly Dictionary<int, (ulong[] MaskingKey, ulong[] SelfMask)> _heldShares = [];
    private Stage _stage;
    private HashSet<int> _sharedKeys = [];
    private byte[]? _selfMaskSeed;

    /// <summary>Client <paramref name="clientId"/> of the round <paramref name="config"/> describes; fresh key pairs.</summary>
    /// <param name="config">The round.</param>
    /// <param name="clientId">This client, 0..n−1.</param>
    /// <param name="graph">The round's graph when already built (it is the same for every client); built from the config otherwise.</param>
    /// <param name="signer">Signs the advertisement with this client's identity key, when there is a PKI.</param>
    /// <param name="verifier">Checks the other clients' advertisements, when there is a PKI.</param>
    public SecureAggregationClient(SecureAggregationConfig config, int clientId, NeighbourGraph? graph = null, IAdvertisementSigner? signer = null, IAdvertisementVerifier? verifier = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(clientId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(clientId, config.Clients);
        _config = config;
        _graph = graph ?? NeighbourGraph.For(config);
        if (_graph.Clients != config.Clients)
        {
            throw new ArgumentException("The graph is not the round's.", nameof(graph));
        }
        ClientId = clientId;
        _neighbours = _graph.NeighboursOf(clientId);
        _signer = signer;
        _verifier = verifier;
    }

    private enum Stage
    {
        Created,
        Advertised,
        Shared,
        Masked,
        Unmasked,
    }

    /// <summary>This client's id.</summary>
    public int ClientId { get; }

    /// <summary>Stage 0: the public keys c^PK and s^PK, signed when a signer was given.</summary>
    public AdvertiseKeys AdvertiseKeys()
    {
        Advance(Stage.Created, Stage.Advertised);
        var encryption = SecureAggregationCrypto.ExportPublicKey(_encryptionKey);
        var masking = SecureAggregationCrypto.ExportPublicKey(_maskingKey);
        var signature = _signer?.Sign(SecureAggregation.AdvertiseKeys.SignedBytes(_config.RoundId, ClientId, encryption, masking));
        return new AdvertiseKeys(ClientId, encryption, masking, signature);
    }

    /// <summary>
    /// Stage 1: draws the self-mask seed b_u, splits s^SK and b_u t-of-|N[u] ∩ U1| among its closed neighbourhood in U1
    /// (keeping its own shares) and seals each neighbour's pair of shares under their c key.
    /// </summary>
    public ShareKeys ShareKeys(KeysBroadcast broadcast)
    {
        ArgumentNullException.ThrowIfNull(broadcast);
        Advance(Stage.Advertised, Stage.Shared);
        CheckRound(broadcast.RoundId);
        var u1 = CheckSurvivors(broadcast.Survivors, null, "advertised keys");
        if (broadcast.Advertisements.Length != broadcast.Survivors.Length)
        {
            Refuse("the key broadcast has a different number of advertisements than survivors");
        }
        for (var i = 0; i < broadcast.Advertisements.Length; i++)
        {
            var advert = broadcast.Advertisements[i];
            if (advert.ClientId != broadcast.Survivors[i])
            {
                Refuse($"the key broadcast lists client {broadcast.Survivors[i]} with client {advert.ClientId}'s advertisement");
            }
            if (advert.ClientId == ClientId || !_graph.AreNeighbours(ClientId, advert.ClientId))
            {
                continue;
            }
            if (_verifier is not null && (advert.Signature is null
                || !_verifier.Verify(advert.ClientId, SecureAggregation.AdvertiseKeys.SignedBytes(_config.RoundId, advert.ClientId, advert.EncryptionPublicKey, advert.MaskingPublicKey), advert.Signature)))
            {
                Refuse($"client {advert.ClientId}'s advertisement is not signed by its identity key");
            }
            _neighbourKeys[advert.ClientId] = advert;
        }

        var holders = _graph.NeighbourhoodOf(ClientId).Where(u1.Contains).ToArray();
        _selfMaskSeed = RandomNumberGenerator.GetBytes(SecureAggregationCrypto.SelfMaskSeedBytes);
        var privateKey = SecureAggregationCrypto.ExportPrivateKey(_maskingKey);
        var xs = holders.Select(h => h + 1).ToArray();
        var keyShares = ShamirSecretSharing.Split(privateKey, _config.Threshold, xs);
        var seedShares = ShamirSecretSharing.Split(_selfMaskSeed, _config.Threshold, xs);
        CryptographicOperations.ZeroMemory(privateKey);
        var bundles = new List<EncryptedShareBundle>(holders.Length - 1);
        for (var i = 0; i < holders.Length; i++)
        {
            var holder = holders[i];
            if (holder == ClientId)
            {
                _heldShares[ClientId] = (keyShares[i].Values, seedShares[i].Values);
                continue;
            }
            var key = BundleKey(holder);
            bundles.Add(SecureAggregationCrypto.Seal(key, _config.RoundId, ClientId, holder, keyShares[i].Values, seedShares[i].Values));
        }
        return new ShareKeys(ClientId, SecureAggregationCrypto.SelfMaskCommitment(_config.RoundId, ClientId, _selfMaskSeed), bundles.ToArray());
    }

    /// <summary>
    /// Stage 2: opens the bundles of its neighbours in U2 (any that fails authentication refuses the round), then returns
    /// y_u = encode(x_u) + PRG(b_u) + Σ_{v ∈ N(u) ∩ U2} ±PRG(s_uv), + when u &lt; v and − otherwise, so each pair's masks
    /// cancel in the sum.
    /// </summary>
    /// <param name="delivery">U2 and the bundles addressed to this client.</param>
    /// <param name="input">The client's vector, <see cref="SecureAggregationConfig.Parameters"/> finite floats.</param>
    /// <param name="threads">Threads for the mask expansions (1 for a client beside many in one process).</param>
    public MaskedInput MaskInput(ShareDelivery delivery, ReadOnlySpan<float> input, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (input.Length != _config.Parameters)
        {
            throw new ArgumentException($"The round aggregates vectors of {_config.Parameters:N0} floats, not {input.Length:N0}.", nameof(input));
        }
        Advance(Stage.Shared, Stage.Masked);
        CheckRound(delivery.RoundId);
        if (delivery.Recipient != ClientId)
        {
            Refuse($"the share delivery is addressed to client {delivery.Recipient}");
        }
        var u2 = CheckSurvivors(delivery.Survivors, _neighbourKeys.Keys.Append(ClientId).ToHashSet(), "shared keys");
        var expected = _neighbours.Where(u2.Contains).ToHashSet();
        foreach (var bundle in delivery.Bundles)
        {
            if (bundle.Recipient != ClientId || !expected.Remove(bundle.Sender))
            {
                Refuse($"the share delivery holds an unexpected bundle from client {bundle.Sender} to client {bundle.Recipient}");
            }
            try
            {
                _heldShares[bundle.Sender] = SecureAggregationCrypto.Open(BundleKey(bundle.Sender), _config.RoundId, bundle);
            }
            catch (CryptographicException)
            {
                Refuse($"the share bundle from client {bundle.Sender} fails authentication (AES-GCM): it was altered on the way");
            }
        }
        if (expected.Count > 0)
        {
            Refuse($"the share delivery lacks the bundles of neighbours {string.Join(", ", expected.Order())}");
        }
        _sharedKeys = u2;

        var masked = new uint[_config.Parameters];
        FixedPointEncoding.Encode(input, _config.Quantisation, masked);
        var masks = new List<SeededMask> { new(_selfMaskSeed!, MaskDirection.Add) };
        foreach (var v in _neighbours)
        {
            if (!u2.Contains(v))
            {
                continue;
            }
            using var other = SecureAggregationCrypto.ImportPublicKey(_neighbourKeys[v].MaskingPublicKey);
            using var otherPublic = other.PublicKey;
            var seed = SecureAggregationCrypto.PairwiseMaskSeed(_maskingKey, otherPublic, _config.RoundId, ClientId, v);
            masks.Add(new SeededMask(seed, ClientId < v ? MaskDirection.Add : MaskDirection.Subtract));
            CryptographicOperations.ZeroMemory(seed);
        }
        SeededMask.ApplyAll(masked, masks, threads);
        CryptographicOperations.ZeroMemory(_selfMaskSeed);
        _selfMaskSeed = null;
        return new MaskedInput(ClientId, masked);
    }

    /// <summary>
    /// Stage 3: for each client of its closed neighbourhood in U2, the share of its self-mask seed if it is in U3 or of
    /// its masking key if it dropped out. Answered once.
    /// </summary>
    public Unmask Unmask(UnmaskRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Advance(Stage.Masked, Stage.Unmasked);
        CheckRound(request.RoundId);
        var u3 = CheckSurvivors(request.Survivors, _sharedKeys, "sent masked inputs");
        var selfMaskShares = new List<RevealedShare>();
        var maskingKeyShares = new List<RevealedShare>();
        foreach (var (owner, shares) in _heldShares.OrderBy(pair => pair.Key))
        {
            if (u3.Contains(owner))
            {
                selfMaskShares.Add(new RevealedShare(owner, ShamirSecretSharing.EncodeValues(shares.SelfMask)));
            }
            else
            {
                maskingKeyShares.Add(new RevealedShare(owner, ShamirSecretSharing.EncodeValues(shares.MaskingKey)));
            }
        }
        _heldShares.Clear();
        return new Unmask(ClientId, selfMaskShares.ToArray(), maskingKeyShares.ToArray());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encryptionKey.Dispose();
        _maskingKey.Dispose();
        foreach (var key in _bundleKeys.Values)
        {
            CryptographicOperations.ZeroMemory(key);
        }
        if (_selfMaskSeed is not null)
        {
            CryptographicOperations.ZeroMemory(_selfMaskSeed);
        }
    }

    private byte[] BundleKey(int neighbour)
    {
        if (!_bundleKeys.TryGetValue(neighbour, out var key))
        {
            using var other = SecureAggregationCrypto.ImportPublicKey(_neighbourKeys[neighbour].EncryptionPublicKey);
            using var otherPublic = other.PublicKey;
            key = SecureAggregationCrypto.ShareEncryptionKey(_encryptionKey, otherPublic, _config.RoundId, ClientId, neighbour);
            _bundleKeys[neighbour] = key;
        }
        return key;
    }

    /// <summary>
    /// The server's list as a set, after checking it: ascending and distinct, this client in it, a subset of the previous
    /// list (when given), at least t clients in all and at least t in this client's neighbourhood.
    /// </summary>
    private HashSet<int> CheckSurvivors(int[] survivors, HashSet<int>? previous, string verb)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        for (var i = 0; i < survivors.Length; i++)
        {
            if (survivors[i] < 0 || survivors[i] >= _config.Clients || (i > 0 && survivors[i] <= survivors[i - 1]))
            {
                Refuse("the server's list of clients that " + verb + " is not an ascending list of distinct clients of the round");
            }
            if (previous is not null && !previous.Contains(survivors[i]) && _graph.AreNeighbours(ClientId, survivors[i]))
            {
                Refuse($"the server lists neighbour {survivors[i]} among the clients that {verb} though it had dropped out before");
            }
        }
        var set = survivors.ToHashSet();
        if (!set.Contains(ClientId))
        {
            Refuse($"the server does not list this client among those that {verb}");
        }
        if (set.Count < _config.Threshold)
        {
            Refuse($"only {set.Count} of {_config.Clients} clients {verb}; the threshold is {_config.Threshold}");
        }
        var alive = _graph.AliveInNeighbourhood(ClientId, set);
        if (alive < _config.Threshold)
        {
            Refuse($"only {alive} of its neighbourhood of {_config.NeighbourhoodSize} {verb}; the threshold is {_config.Threshold}");
        }
        return set;
    }

    private void CheckRound(string roundId)
    {
        if (roundId != _config.RoundId)
        {
            Refuse($"the message belongs to round '{roundId}'");
        }
    }

    private void Advance(Stage from, Stage to)
    {
        if (_stage != from)
        {
            throw new InvalidOperationException($"Client {ClientId} is at stage {_stage}; this call needs stage {from}.");
        }
        _stage = to;
    }

    private void Refuse(string reason) =>
        throw new AggregationRefusedException($"Client {ClientId} refuses round '{_config.RoundId}': {reason}.");
}
